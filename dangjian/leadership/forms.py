from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import today
from dangjian.core.forms import DateInput, style_form
from dangjian.members.models import Position
from dangjian.organizations.models import Organization

from .choices import Duty, DutyGrade


class StaffPostForm(forms.Form):
    duty = forms.ChoiceField(label=_("党务职责"), choices=Duty.choices)
    organization = forms.ModelChoiceField(
        label=_("所在党组织"), queryset=Organization.objects.none()
    )
    started_on = forms.DateField(label=_("任职日期"), widget=DateInput(), initial=today)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)


class PositionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organization.name} · {obj.get_title_display()} · {obj.member.name}"


class DutyReportForm(forms.Form):
    position = PositionChoice(label=_("述职人"), queryset=Position.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=_("评议等次"), choices=DutyGrade.choices)
    note = forms.CharField(label=_("评议意见"), max_length=300, required=False)

    def __init__(self, *args: Any, positions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["position"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = positions
        style_form(self)
