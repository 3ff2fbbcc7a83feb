from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, style_form
from dangjian.members.models import Member

from .services import CORRECTABLE, OTHER, field_label


class CorrectionRequestForm(forms.Form):
    field = forms.ChoiceField(label=_("要更正的项目"))
    proposed_value = forms.CharField(label=_("应更正为"), max_length=200)
    note = forms.CharField(
        label=_("说明（可不填）"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["field"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(name, field_label(name)) for name in (*CORRECTABLE, OTHER)]
        style_form(self)


class DecisionForm(forms.Form):
    """Approve with the value as the secretary confirms it (the model's own field), or decline."""

    note = forms.CharField(label=_("处理意见"), max_length=300, required=False)

    def __init__(self, *args: Any, field_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if field_name != OTHER:
            value_field = fields_for_model(Member, fields=[field_name])[field_name]
            value_field.label = _("更正后的内容")
            value_field.required = False
            if field_name == "birth_date":
                value_field.widget = DateInput()
            self.fields = {"value": value_field, **self.fields}
        style_form(self)


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class ActivationForm(forms.Form):
    """The member's one form on the phone: the code, the ID digits, a new password twice."""

    code = forms.CharField(
        label=_("激活码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    id_last4 = forms.CharField(
        label=_("身份证号后 4 位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("最后一位是 X 的，请输入 X。"),
    )
    password = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全是数字，不能太常见。"),
    )
    password2 = forms.CharField(
        label=_("再输一次密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data
