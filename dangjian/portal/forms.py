from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from dangjian.care.models import HelpUrgency
from dangjian.core.forms import DateInput, style_form
from dangjian.members.models import Member
from dangjian.transfers.regions import region_choices

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


class InlineRadioSelect(forms.RadioSelect):
    """Radio buttons side by side, each with its label (Bootstrap's form-check-inline): the
    default layout breaks under style_form on a phone."""

    template_name = "portal/widgets/inline_radio.html"


class MobileReportForm(forms.Form):
    """Where a mobile member is and how they are (近况报告): offered, never required."""

    region_code = forms.ChoiceField(label=_("现在所在地（省、地市）"), choices=())
    city = forms.CharField(label=_("详细地址（可不填）"), max_length=100, required=False)
    work_unit = forms.CharField(label=_("工作单位（可不填）"), max_length=200, required=False)
    contact = forms.CharField(
        label=_("联系电话（可不填）"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    well = forms.TypedChoiceField(
        label=_("近况"),
        choices=[("1", _("一切安好")), ("0", _("需要支部关心"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=InlineRadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("想对支部说的话（可不填）"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(code, f"{code} {name}") for code, name in region_choices()]
        style_form(self)


class HelpRequestForm(forms.Form):
    what = forms.CharField(
        label=_("需要什么帮助"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：家人住院，需要帮忙联系；受灾后生活困难。支部书记会联系您。"),
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=(),
        widget=InlineRadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["urgency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = HelpUrgency.choices
        field.initial = HelpUrgency.NORMAL
        style_form(self)
