from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import today
from dangjian.core.forms import DateInput, style_form

from .choices import Category, EntryKind


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
