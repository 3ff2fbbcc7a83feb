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


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("单位名录文件（.xlsx 或 .csv）"),
        help_text=_("须有“单位名称”“统一社会信用代码”两列；可有单位类别、从业人员、地址。"),
    )
    default_kind = forms.ChoiceField(
        label=_("未写单位类别时按"), choices=UnitKind.choices, initial=UnitKind.PRIVATE_ENTERPRISE
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


def _choices(items: list[Any]) -> list[tuple[int, str]]:
    return [(item.pk, str(item)) for item in items]


class JointBranchForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("联合党支部"), coerce=int)
    units = forms.TypedMultipleChoiceField(
        label=_("覆盖的单位"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, organizations: list[Any], units: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = _choices(organizations)  # type: ignore[attr-defined]
        self.fields["units"].choices = _choices(units)  # type: ignore[attr-defined]
        style_form(self)


class InstructorForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    from_organization = forms.CharField(label=_("派出单位"), max_length=200, required=False)
    units = forms.TypedMultipleChoiceField(
        label=_("指导的单位"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = _choices(units)  # type: ignore[attr-defined]
        style_form(self)
