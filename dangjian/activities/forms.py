from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, style_form
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .choices import ActivityKind, ExemptionReason, FrequencyPeriod, Handling, TrainingForm
from .models import Activity


class ActivityForm(forms.ModelForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("党组织"))

    class Meta:
        model = Activity
        fields = [
            "organization",
            "kind",
            "topic",
            "on",
            "start_time",
            "place",
            "host",
            "lecturer",
            "minutes",
            "resolutions",
        ]
        widgets = {
            "on": DateInput(),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "resolutions": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"lecturer": _("党课填写授课人。")}

    def __init__(self, *args: Any, organizations: Any, hosts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        host = self.fields["host"]
        assert isinstance(host, forms.ModelChoiceField)
        host.queryset = hosts if hosts is not None else Member.objects.none()
        if hosts is None:
            del self.fields["host"]
        if self.instance.pk:
            del self.fields["organization"]
        style_form(self)


class GuestForm(forms.Form):
    id_number = forms.CharField(
        label=_("来宾的公民身份号码"),
        max_length=18,
        help_text=_(
            "按身份证号码只能登记您管理范围内的党员；其他党组织的党员（如流动党员）请扫描其电子活动证。"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class VoteForm(forms.Form):
    subject = forms.CharField(label=_("表决事项"), max_length=200)
    in_favour = forms.IntegerField(label=_("赞成"), min_value=0)
    against = forms.IntegerField(label=_("反对"), min_value=0, initial=0)
    abstained = forms.IntegerField(label=_("弃权"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class FollowUpForm(forms.Form):
    text = forms.CharField(label=_("整改事项"), max_length=300)
    responsible = forms.CharField(label=_("责任人"), max_length=60)
    deadline = forms.DateField(label=_("整改时限"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class FollowUpDoneForm(forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("照片或文件"), help_text=_("JPG、PNG、PDF、docx、xlsx，不超过 10 MB。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class ReviewOpenForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("党支部"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    excellent_cap_percent = forms.IntegerField(
        label=_("优秀比例上限(%)"), min_value=0, max_value=100
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)


class HandlingForm(forms.Form):
    handling = forms.ChoiceField(label=_("处置"), choices=Handling.choices)
    on = forms.DateField(label=_("处置日期"), widget=DateInput())
    reason = forms.CharField(label=_("处置依据"), max_length=300)
    withdrew = forms.BooleanField(label=_("劝退后本人已退党"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class SelfAssessmentForm(forms.Form):
    text = forms.CharField(label=_("自我评价"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class CourseForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("举办党组织")
    )
    title = forms.CharField(label=_("培训名称"), max_length=200)
    form = forms.ChoiceField(label=_("培训形式"), choices=TrainingForm.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)


class SessionForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput())
    topic = forms.CharField(label=_("内容"), max_length=200)
    hours = forms.DecimalField(label=_("学时"), max_digits=4, decimal_places=1)
    participants = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        label=_("参训党员"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participants"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = members
        style_form(self)
        field.widget.attrs["class"] = "form-check-input"


class FrequencyForm(forms.Form):
    kind = forms.ChoiceField(choices=ActivityKind.choices)
    period = forms.ChoiceField(label=_("周期"), choices=FrequencyPeriod.choices)
    times = forms.IntegerField(label=_("次数"), min_value=1, max_value=31)
    active = forms.BooleanField(label=_("纳入检查"), required=False)


class LifeExemptionForm(forms.Form):
    """The branch's decision that an old or ill member need not attend organizational life."""

    reason_kind = forms.ChoiceField(label=_("原因"), choices=ExemptionReason.choices)
    reason = forms.CharField(label=_("具体情况"), max_length=300)
    decision = forms.CharField(
        label=_("支部决定"), max_length=200, help_text=_("如：2026-11-20 支部委员会会议决定")
    )
    decided_on = forms.DateField(label=_("决定日期"), widget=DateInput())
    review_on = forms.DateField(
        label=_("复核日期"), widget=DateInput(), help_text=_("最迟为决定后一年。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)
