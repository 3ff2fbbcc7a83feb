from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import today
from dangjian.core.forms import DateInput, style_form

from .choices import Category, DuesUse, EntryKind


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=EntryKind.choices)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=today)
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=12, decimal_places=2, min_value=0.01
    )
    description = forms.CharField(label=_("摘要"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class DuesUseForm(forms.Form):
    category = forms.ChoiceField(label=_("用途"), choices=DuesUse.choices)
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=today)
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=12, decimal_places=2, min_value=0.01
    )
    description = forms.CharField(label=_("摘要"), max_length=300)
    decided_by = forms.CharField(
        label=_("集体讨论决定"),
        max_length=200,
        help_text=_("会议及日期，例如：2026年3月2日支部委员会"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)
