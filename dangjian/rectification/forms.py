from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, style_form

from .models import Direction


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class ReviewForm(StyledForm):
    committee = forms.TypedChoiceField(label=_("党委"), coerce=int)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, committees: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].choices = [(c.pk, c.name) for c in committees]  # type: ignore[attr-defined]


class DecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("研判结果"),
        choices=[("LISTED", _("确定为整顿对象")), ("NOT_LISTED", _("不列入"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea({"rows": 2}))
    cadre = forms.CharField(label=_("联系指导干部"), max_length=100, required=False)
    measures = forms.CharField(
        label=_("整顿措施"), required=False, widget=forms.Textarea({"rows": 3})
    )
    deadline = forms.DateField(label=_("整顿时限"), required=False, widget=DateInput())


class NoteForm(StyledForm):
    on = forms.DateField(label=_("日期"), widget=DateInput())
    text = forms.CharField(label=_("进展"), max_length=1000, widget=forms.Textarea({"rows": 3}))


class CloseForm(StyledForm):
    override_reason = forms.CharField(
        label=_("未达标销号理由"),
        max_length=500,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("指标均已恢复时不必填写；尚未恢复而确需销号的，写明经谁研究、为何销号。"),
    )


class CriterionForm(StyledForm):
    threshold = forms.DecimalField(label=_("标准"), max_digits=7, decimal_places=1)
    direction = forms.ChoiceField(label=_("判定"), choices=Direction.choices)
    active = forms.BooleanField(label=_("启用"), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
