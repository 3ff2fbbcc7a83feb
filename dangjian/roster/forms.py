from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import style_form
from dangjian.organizations.models import Organization

from .choices import ImportKind
from .readers import MAX_UPLOAD_BYTES


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("导入内容"), choices=ImportKind.choices, initial=ImportKind.MEMBERS
    )
    organization = forms.ModelChoiceField(
        label=_("导入到党组织"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("文件中“党组织代码”为空的党员编入此组织；导入党组织时不需要选。"),
    )
    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    valid_rows_only = forms.BooleanField(
        label=_("只导入无误的行（有误的行下载错误报告修改后再导入）"), required=False
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 200 MB，请分成几个文件导入。"))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ImportKind.MEMBERS and not data.get("organization"):
            self.add_error("organization", _("导入党员时请选择党组织。"))
        return data
