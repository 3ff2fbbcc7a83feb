from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import today
from dangjian.core.forms import DateInput, PlainSelect, style_form
from dangjian.organizations.models import Organization

from .choices import (
    AgeBand,
    EducationBand,
    Ethnicity,
    FamilyRelation,
    HowAdded,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    Occupation,
    PoliticalStatus,
    PositionTitle,
    Sex,
    TripPurpose,
)
from .models import Member
from .selectors import MemberFilters
from .services import RECORD_FIELDS

ON_ROSTER_CHOICES = [
    (s.value, s.label)
    for s in (
        MemberStatus.NORMAL,
        MemberStatus.MOBILE,
        MemberStatus.LOST_CONTACT,
        MemberStatus.ABROAD,
    )
]


class MemberForm(forms.ModelForm):
    """The member record. Birth date and sex may be left empty: they come from the ID number."""

    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=30,
        help_text=_("18位；末位X可小写，全角数字和空格会自动更正。"),
    )

    class Meta:
        model = Member
        fields = RECORD_FIELDS
        widgets = {
            "birth_date": DateInput(),
            "joined_on": DateInput(),
            "full_member_on": DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = False
        self.fields["sex"].required = False
        if self.instance.pk:
            # Editing: the number is shown masked; leave it empty to keep it.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前：%(masked)s。留空表示不修改。") % {
                "masked": self.instance.id_number_masked
            }
            # The phone number likewise: the page would otherwise show the full number to
            # whoever opens the form, without the audited reveal of the member page.
            self.initial["phone"] = ""
            self.fields["phone"].help_text = (
                _("当前：%(masked)s。留空表示不修改。") % {"masked": self.instance.phone_masked}
                if self.instance.phone
                else _("当前未填写。")
            )
            self.fields["phone_clear"] = forms.BooleanField(label=_("删除联系电话"), required=False)
        style_form(self)

    def _post_clean(self) -> None:
        # Model validation runs in the service, with the ID number and the date rules together.
        pass


class MemberCreateForm(MemberForm):
    organization = forms.ModelChoiceField(
        label=_("所在党组织"), queryset=Organization.objects.none()
    )
    how_added = forms.ChoiceField(
        label=_("增加方式"), choices=HowAdded.choices, initial=HowAdded.OTHER
    )
    started_on = forms.DateField(label=_("编入本组织日期"), widget=DateInput(), initial=today)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)


class MemberEditForm(MemberForm):
    reason = forms.CharField(label=_("变更原因"), max_length=300, required=False)

    def changes(self) -> dict[str, Any]:
        """The record fields the person changed; the phone field starts empty (masked above
        it), so it changes when filled in, or when 删除联系电话 is ticked."""
        data = self.cleaned_data
        changes = {n: data[n] for n in RECORD_FIELDS if n in self.changed_data}
        if data.get("phone_clear"):
            changes["phone"] = ""
        return changes


class _ShownChoices(ModelChoiceIterator):
    """The options of the organizations the field shows, not of every one it accepts."""

    def __init__(self, field: OrganizationTreeChoiceField) -> None:
        super().__init__(field)
        if field.shown is not None:
            self.queryset = field.shown
        # What an option needs (its key, label and tree order): a county's 900 organizations
        # read whole spent more time turning their dates into Python than on the query.
        self.queryset = self.queryset.only("pk", "name", "depth", "path")


class OrganizationTreeChoiceField(forms.ModelChoiceField):
    """Organizations in tree order, indented by depth, so a long list reads like the tree.

    `shown`, when set, is the part of the queryset offered as options (a province's 200,000
    organizations are no list to pick from); any organization of the queryset is still
    accepted, as from a link (`?org=`)."""

    widget = PlainSelect  # a county lists hundreds of organizations
    iterator = _ShownChoices
    shown: Any = None

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * obj.depth + obj.name


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label=_("查找"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("姓名、拼音或首字母(如 zs)、身份证号、电话"), "type": "search"}
        ),
    )
    status = forms.ChoiceField(
        label=_("党籍状态"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("在册党员")), ("ALL", _("全部（含减少）")), *MemberStatus.choices],
    )
    category = forms.ChoiceField(
        label=_("人员类别"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("全部类别")), *MemberCategory.choices],
    )
    sex = forms.ChoiceField(
        label=_("性别"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("不限性别")), *Sex.choices],
    )
    age_band = forms.ChoiceField(
        label=_("年龄段"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("全部年龄段")), *AgeBand.choices],
    )
    education_band = forms.ChoiceField(
        label=_("学历"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("全部学历")), *EducationBand.choices],
    )
    ethnicity = forms.ChoiceField(
        label=_("民族"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("不限民族")), ("MINORITY", _("少数民族")), *Ethnicity.choices],
    )
    occupation = forms.ChoiceField(
        label=_("工作岗位(职业)"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("全部职业")), *Occupation.choices],
    )
    # Join-date bands of the statistics link here (hidden: kept as the other filters change).
    joined_from = forms.DateField(required=False, widget=forms.HiddenInput)
    joined_to = forms.DateField(required=False, widget=forms.HiddenInput)
    org = OrganizationTreeChoiceField(
        label=_("党组织"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("全部党组织"),
    )

    def __init__(self, *args: Any, organizations: Any, shown: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        assert isinstance(field, OrganizationTreeChoiceField)
        field.shown = shown  # before the queryset: setting it builds the widget's options
        field.queryset = organizations
        style_form(self)

    def filters(self) -> MemberFilters:
        """The selector's filters from a valid form: the one translation, so the list page and
        its export (roster) filter alike."""
        data = self.cleaned_data
        return MemberFilters(
            q=data["q"],
            status=data["status"],
            category=data["category"],
            sex=data["sex"],
            organization=data["org"],
            age_band=data["age_band"],
            education_band=data["education_band"],
            ethnicity=data["ethnicity"],
            occupation=data["occupation"],
            joined_from=data["joined_from"],
            joined_to=data["joined_to"],
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("党籍状态"), choices=ON_ROSTER_CHOICES)
    reason = forms.CharField(label=_("原因"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class RemoveForm(forms.Form):
    how_removed = forms.ChoiceField(
        label=_("减少方式"),
        choices=[c for c in HowRemoved.choices if c[0] != HowRemoved.MOVED_WITHIN],
    )
    on = forms.DateField(label=_("减少日期"), widget=DateInput(), initial=today)
    reason = forms.CharField(label=_("原因或依据"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class MoveForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("调整到"), queryset=Organization.objects.none())
    on = forms.DateField(label=_("调整日期"), widget=DateInput(), initial=today)
    reason = forms.CharField(label=_("原因"), max_length=300)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)


class RestoreForm(MoveForm):
    pass


class PositionForm(forms.Form):
    title = forms.ChoiceField(label=_("职务"), choices=PositionTitle.choices)
    organization = forms.ModelChoiceField(label=_("任职组织"), queryset=Organization.objects.none())
    started_on = forms.DateField(label=_("任职日期"), widget=DateInput(), initial=today)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)


class FamilyMemberForm(forms.Form):
    relation = forms.ChoiceField(label=_("称谓"), choices=FamilyRelation.choices)
    name = forms.CharField(label=_("姓名"), max_length=60)
    birth_year = forms.IntegerField(label=_("出生年份"), required=False)
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=DateInput(), help_text=_("知道日期时填写")
    )
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=[("", "—"), *PoliticalStatus.choices], required=False
    )
    work_unit = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    post = forms.CharField(label=_("职务"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class TripAbroadForm(forms.Form):
    left_on = forms.DateField(label=_("出境日期"), widget=DateInput())
    returned_on = forms.DateField(label=_("回国（入境）日期"), widget=DateInput(), required=False)
    destination = forms.CharField(label=_("前往国家（地区）"), max_length=100)
    purpose = forms.ChoiceField(label=_("事由"), choices=TripPurpose.choices)
    approval = forms.CharField(label=_("审批单位及文号"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class TripReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("回国（入境）日期"), widget=DateInput(), initial=today)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class MassOrganizationForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), initial=lambda: today().year)
    has_league = forms.BooleanField(label=_("建有团组织"), required=False)
    league_members = forms.IntegerField(label=_("团员人数"), min_value=0, initial=0)
    has_women_organization = forms.BooleanField(label=_("建有妇女组织"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)
