"""Forms of the dues pages; they parse and show errors, the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import today
from dangjian.core.forms import DateInput, style_form

from .choices import DuesCategory, PaymentMethod


class MonthField(forms.DateField):
    """A month as YYYY-MM (the browser's month input); cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]


class CalculatorForm(forms.Form):
    category = forms.ChoiceField(label=_("党员类别"), choices=DuesCategory.choices)
    base = forms.DecimalField(
        label=_("月基数（元）"),
        required=False,
        help_text=_("在职：每月税后工资收入；离退休：每月税后退休费。固定数额的类别不用填。"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class PaymentForm(forms.Form):
    months = forms.IntegerField(
        label=_("交几个月"),
        min_value=1,
        max_value=36,
        required=False,
        help_text=_("填月数而不填金额时，按欠交的月份依次计算金额（先补缴，再预交）。"),
    )
    amount = forms.DecimalField(
        label=_("党费金额（元）"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    voluntary_amount = forms.DecimalField(
        label=_("自愿多交（元）"),
        required=False,
        help_text=_("一次性自愿多交1000元以上的，全部上缴中央。"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    paid_on = forms.DateField(label=_("交纳日期"), widget=DateInput(), initial=today)
    method = forms.ChoiceField(label=_("方式"), choices=PaymentMethod.choices)
    receipt_number = forms.CharField(label=_("收据号"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("amount") is None
            and not data.get("months")
            and not data.get("voluntary_amount")
        ):
            raise forms.ValidationError(_("请填写交几个月，或直接填写党费金额。"))
        return data


class ProfileForm(forms.Form):
    category = forms.ChoiceField(label=_("党费类别"), choices=DuesCategory.choices, required=False)
    override_reason = forms.CharField(
        label=_("指定其他类别的原因"),
        max_length=200,
        required=False,
        help_text=_("选择与职业不同的类别时填写（如下岗失业、低保）；指定的类别不随职业变化。"),
    )
    base = forms.DecimalField(
        label=_("月基数（元）"),
        required=False,
        help_text=_("在职、年薪制、个体、其他：月收入；离退休：月退休费。"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    effective_from = MonthField(
        label=_("起始月份"), help_text=_("新基数从新工资首次发放的月份起执行。")
    )
    reduced_amount = forms.DecimalField(
        label=_("经批准每月交纳（元）"),
        required=False,
        help_text=_("确有困难、经支部决定并报上级批准少交或免交时填写；免交填 0。"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    reduction_decision = forms.CharField(label=_("支部决定"), max_length=200, required=False)
    reduction_approved_by = forms.CharField(
        label=_("批准的上级党组织"), max_length=200, required=False
    )

    def __init__(self, *args: Any, occupation: str, derived: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        # The empty choice follows the occupation; any other is the secretary's override.
        field.choices = [
            (
                "",
                _("按职业（%(occupation)s → %(category)s）")
                % {"occupation": occupation, "category": derived},
            ),
            *list(DuesCategory.choices),
        ]
        style_form(self)


class FarmerAmountForm(forms.Form):
    farmer_amount = forms.DecimalField(
        label=_("农民党员每月党费（元）"), max_digits=4, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)
