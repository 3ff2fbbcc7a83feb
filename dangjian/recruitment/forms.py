"""Forms of the recruitment pages; they only parse input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.activities.models import Activity
from dangjian.core.dates import today
from dangjian.core.forms import DateInput, style_form
from dangjian.members.choices import Education, Occupation
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from . import rules
from .choices import MEETING_KINDS, VOTE_STEPS, EndReason, Step
from .models import Applicant


class ApplicantForm(forms.ModelForm):
    """A written application (step 1). Birth date and sex come from the ID number."""

    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=30,
        help_text=_("18位；出生日期和性别从号码中读取。"),
    )
    applied_on = forms.DateField(label=_("递交申请书日期"), widget=DateInput(), initial=today)
    documents = forms.CharField(
        label=_("材料"), max_length=300, required=False, initial=_("入党申请书")
    )

    class Meta:
        model = Applicant
        fields = ["organization", "name", "education", "occupation", "work_unit", "phone"]

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        field.label = _("接收申请的党组织")
        self.fields["education"].initial = Education.HIGH_SCHOOL
        self.fields["occupation"].initial = Occupation.FARMER
        style_form(self)


class MeetingChoiceField(forms.ModelChoiceField):
    """A recorded meeting, shown with its date, kind, topic and the counts of its roll."""

    def label_from_instance(self, obj: Any) -> str:
        return _("%(on)s %(kind)s：%(topic)s（应到 %(entitled)d 人，实到 %(present)d 人）") % {
            "on": obj.on.isoformat(),
            "kind": obj.get_kind_display(),
            "topic": obj.topic,
            "entitled": obj.entitled,
            "present": obj.present,
        }


class StepForm(forms.Form):
    """One step; the fields shown depend on the step (people, a meeting, a vote, hours)."""

    step = forms.TypedChoiceField(label=_("步骤"), coerce=int)
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=today)
    meeting = MeetingChoiceField(label=_("会议"), queryset=Activity.objects.none(), required=False)
    people = forms.CharField(label=_("参与人员"), max_length=300, required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("正式党员"), queryset=Member.objects.none(), required=False
    )
    votes_for = forms.IntegerField(label=_("赞成"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("反对"), min_value=0, required=False)
    votes_abstaining = forms.IntegerField(label=_("弃权"), min_value=0, required=False)
    training_hours = forms.IntegerField(
        label=_("培训学时"),
        min_value=0,
        required=False,
        help_text=_("不少于3天或24学时；3天按24学时计。"),
    )
    documents = forms.CharField(label=_("材料"), max_length=300, required=False)
    opinion = forms.CharField(
        label=_("意见或情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    exception_reason = forms.CharField(
        label=_("例外说明（仅管理员）"),
        max_length=300,
        required=False,
        help_text=_("日期不符合时间规定而确属特殊情况时填写；说明将一直显示在记录中。"),
    )

    def __init__(
        self,
        *args: Any,
        steps: list[Step],
        step: int,
        full_members: Any,
        meetings: Any,
        can_except: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        step_field = self.fields["step"]
        assert isinstance(step_field, forms.TypedChoiceField)
        step_field.choices = [(s.value, f"（{s.value}）{s.label}") for s in steps]
        self.fields["step"].initial = step
        members_field = self.fields["members"]
        assert isinstance(members_field, forms.ModelMultipleChoiceField)
        members_field.queryset = full_members
        if step == Step.MENTORS_ASSIGNED:
            members_field.label = _("培养联系人（1至2名正式党员）")
        elif step == Step.SPONSORS:
            members_field.label = _("入党介绍人（2名正式党员）")
        else:
            del self.fields["members"]
        meeting_field = self.fields["meeting"]
        assert isinstance(meeting_field, MeetingChoiceField)
        if step in MEETING_KINDS:
            # The step's date is the meeting's date, and a vote's 应到/实到 its roll: the
            # secretary picks the meeting instead of typing them again.
            meeting_field.queryset = meetings
            meeting_field.required = step in VOTE_STEPS
            meeting_field.empty_label = (
                _("—（未在系统中登记会议）") if step not in VOTE_STEPS else "—"
            )
            meeting_field.label = (
                _("表决的支部党员大会") if step in VOTE_STEPS else _("作出决定的会议")
            )
            meeting_field.help_text = _(
                "从“组织生活”中已记录出席情况的会议中选择；日期和应到、实到人数取自会议记录。"
            )
            self.fields["on"].required = False
            self.fields["on"].help_text = _("选择会议后以会议日期为准。")
        else:
            del self.fields["meeting"]
        if step not in VOTE_STEPS:
            for name in ("votes_for", "votes_against", "votes_abstaining"):
                del self.fields[name]
        else:
            self.fields["votes_for"].required = True
        if step != Step.TRAINING:
            del self.fields["training_hours"]
        else:
            self.fields["training_hours"].required = True
        if not can_except:
            del self.fields["exception_reason"]
        self.fields["people"].help_text = _PEOPLE_HELP.get(step, "")
        style_form(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        meeting = data.get("meeting")
        if meeting is not None:
            data["on"] = meeting.on
        elif not data.get("on") and "on" not in self.errors:
            self.add_error("on", _("请填写日期。"))
        return data

    def ballot(self) -> rules.Ballot | None:
        data = self.cleaned_data
        if data.get("votes_for") is None:
            return None
        return rules.Ballot(
            votes_for=data["votes_for"],
            votes_against=data.get("votes_against") or 0,
            votes_abstaining=data.get("votes_abstaining") or 0,
        )


_PEOPLE_HELP: dict[int, Any] = {
    Step.FIRST_TALK: _("谈话人"),
    Step.RECOMMENDATION: _("推荐人或推荐的群团组织"),
    Step.POLITICAL_REVIEW: _("政审人员"),
    Step.HIGHER_TALK: _("上级党委派出的谈话人"),
    Step.OATH: _("领誓人"),
}


class ExtendForm(forms.Form):
    months = forms.IntegerField(
        label=_("延长月数"), min_value=1, initial=6, help_text=_("6至12个月，只能延长一次。")
    )
    on = forms.DateField(label=_("支部大会决定日期"), widget=DateInput(), initial=today)
    reason = forms.CharField(label=_("原因"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class CancelForm(forms.Form):
    on = forms.DateField(label=_("决定日期"), widget=DateInput(), initial=today)
    reason = forms.CharField(label=_("原因或依据"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class EndForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("终止原因"),
        choices=[c for c in EndReason.choices if c[0] != EndReason.PROBATION_CANCELLED],
    )
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=today)
    note = forms.CharField(label=_("具体情况"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class LocalRuleForm(forms.Form):
    code = forms.ChoiceField(label=_("时间规定"))
    organization = forms.ModelChoiceField(
        label=_("适用党组织"), queryset=Organization.objects.none()
    )
    amount = forms.IntegerField(label=_("数值"), min_value=1)
    source = forms.CharField(label=_("依据（文件名称和文号）"), max_length=200)

    def __init__(
        self, *args: Any, codes: list[tuple[str, str]], organizations: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        code_field = self.fields["code"]
        assert isinstance(code_field, forms.ChoiceField)
        code_field.choices = codes
        org_field = self.fields["organization"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = organizations
        style_form(self)
