from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import today
from dangjian.core.forms import style_form


def _year_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1921,
        error_messages={
            "min_value": _("年度不能早于1921年。"),
            "invalid": _("请填写四位数的年度，如 2025。"),
        },
    )


class SnapshotForm(forms.Form):
    year = _year_field(_("封存年度"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": today().year - 1})
        super().__init__(*args, **kwargs)
        style_form(self)


class CompareForm(forms.Form):
    first = _year_field(_("上一年度"))
    second = _year_field(_("本年度"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("second") and data["second"] > today().year:
            self.add_error("second", _("年度不能晚于今年。"))
        return data
