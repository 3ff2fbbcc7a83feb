from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, style_form


class ChildForm(forms.Form):
    issuer = forms.CharField(label=_("下级系统签发方"), max_length=64)
    name = forms.CharField(label=_("名称"), max_length=200)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)


class PackageImportForm(forms.Form):
    file = forms.FileField(
        label=_("统计包文件（.json）"),
        help_text=_("下级系统导出的统计包；签发方须已在信任列表中，并已登记为下级系统。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)


class RoundForm(forms.Form):
    due_on = forms.DateField(label=_("报送期限"), widget=DateInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)
