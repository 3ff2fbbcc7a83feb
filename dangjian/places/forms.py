from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import style_form
from dangjian.organizations.models import Organization

from .models import HostPlace


class PlaceForm(forms.ModelForm):
    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("所属党组织")
    )

    class Meta:
        model = HostPlace
        fields = [
            "organization",
            "name",
            "kind",
            "address",
            "region_code",
            "week_of_month",
            "weekday",
            "start_time",
            "contact",
            "active",
        ]
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        style_form(self)


class DirectoryImportForm(forms.Form):
    file = forms.FileField(
        label=_("场所名录文件（.json）"),
        help_text=_("其他系统导出的活动场所名录；签发方须已在信任列表中。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)
