from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import style_form
from dangjian.organizations.choices import UnitKind


class UnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("单位类别"), choices=UnitKind.choices)
    employees = forms.IntegerField(label=_("从业人员"), min_value=0, required=False)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    organization = forms.TypedChoiceField(
        label=_("覆盖的党组织"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, organizations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("（未建立党组织）")), *((o.pk, o.name) for o in organizations)]
        style_form(self)
