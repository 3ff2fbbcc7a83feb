from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, style_form

from .models import (
    Assistance,
    Commendation,
    CommendationTitle,
    CommunityReport,
    Discipline,
    Hardship,
    HardshipKind,
    VolunteerActivity,
    VolunteerService,
)


class StyledModelForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


DATES = {"on": DateInput(), "since": DateInput(), "until": DateInput()}


class HardshipForm(StyledModelForm):
    class Meta:
        model = Hardship
        fields = ["kind", "since", "note"]
        widgets = DATES


class AssistanceForm(StyledModelForm):
    class Meta:
        model = Assistance
        fields = ["on", "kind", "description", "amount", "given_by", "from_fund"]
        widgets = DATES


class VolunteerForm(StyledModelForm):
    class Meta:
        model = VolunteerService
        fields = ["on", "activity", "hours"]
        widgets = DATES


class VolunteerActivityForm(StyledModelForm):
    """The activity's own fields; who took part is the checklist under it (see the view)."""

    class Meta:
        model = VolunteerActivity
        fields = ["on", "title", "place", "hours", "note"]
        widgets = DATES
        help_texts = {"hours": _("每位参加人员的时长；个别人不同的，在名单里填写。")}


class VolunteerPublishForm(StyledModelForm):
    """A volunteer activity published ahead, for members to sign up from /me/."""

    class Meta:
        model = VolunteerActivity
        fields = ["on", "title", "place", "hours", "capacity", "note"]
        widgets = DATES
        help_texts = {"capacity": _("报名人数上限；不限名额请留空。")}


class HelpTakeUpForm(AssistanceForm):
    """Taking up a member's help request: the assistance record, and optionally a hardship."""

    hardship_kind = forms.ChoiceField(
        label=_("同时认定为困难党员"),
        choices=[("", _("不认定")), *HardshipKind.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class CommunityForm(StyledModelForm):
    class Meta:
        model = CommunityReport
        fields = ["community", "on"]
        widgets = DATES


class CommendationForm(StyledModelForm):
    class Meta:
        model = Commendation
        fields = ["title", "level", "on", "note"]
        widgets = DATES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["title"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            c for c in CommendationTitle.choices if c[0] != CommendationTitle.ORGANIZATION
        ]


class DisciplineForm(StyledModelForm):
    class Meta:
        model = Discipline
        fields = ["kind", "on", "decided_by", "document_no", "note"]
        widgets = DATES
        help_texts = {"kind": _("开除党籍的，同时办理减少党员（出党）。")}


class FundIncomeForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput())
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=12, decimal_places=2)
    description = forms.CharField(label=_("摘要"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


KINDS: dict[str, tuple[type[forms.ModelForm], Any]] = {
    "hardship": (HardshipForm, _("困难党员认定")),
    "assistance": (AssistanceForm, _("慰问帮扶")),
    "volunteer": (VolunteerForm, _("志愿服务")),
    "community": (CommunityForm, _("社区报到")),
    "commendation": (CommendationForm, _("表彰")),
    "discipline": (DisciplineForm, _("党纪处分")),
}
