"""The rules that need only the roster and the organization tree (RULES.md)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.dates import add_years, age_on
from dangjian.members import idnumbers
from dangjian.members.choices import (
    ArchiveKind,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    PositionTitle,
)
from dangjian.members.models import ArchiveEntry, Membership, Position
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from .engine import Case, Rule, register_rule, threshold

CONSTITUTION = gettext_lazy("《中国共产党章程》")
EDUCATION_RULES = gettext_lazy("《中国共产党党员教育管理工作条例》")
BRANCH_RULES = gettext_lazy("《中国共产党支部工作条例（试行）》")
ELECTION_RULES = gettext_lazy("《中国共产党基层组织选举工作条例》")
DATA_QUALITY = gettext_lazy("数据质量")


def months_before(on: dt.date, months: int) -> dt.date:
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    day = min(on.day, 28)
    return dt.date(year, month + 1, day)


def _member_url(member_id: int) -> str:
    return reverse("members:detail", args=[member_id])


def _open_rows(root: Organization) -> Iterator[Membership]:
    return (
        Membership.objects.within(root)
        .filter(ended_on__isnull=True)
        .select_related("member")
        .iterator(chunk_size=2000)
    )


# --- members ------------------------------------------------------------------------------


def lost_contact(root: Organization, on: dt.date) -> Iterator[Case]:
    months = threshold("lost_contact_months")
    rows = list(
        Membership.objects.within(root)
        .filter(ended_on__isnull=True, member__status=MemberStatus.LOST_CONTACT)
        .select_related("member")
    )
    since = dict(
        ArchiveEntry.objects.filter(
            member_id__in=[r.member_id for r in rows],
            kind=ArchiveKind.STATUS_CHANGED,
            after__status=MemberStatus.LOST_CONTACT,
        )
        .values("member_id")
        .annotate(last=Max("at"))
        .values_list("member_id", "last")
    )
    limit = months_before(on, months)
    for row in rows:
        started = since.get(row.member_id)
        day = started.date() if started else row.member.updated_at.date()
        if day <= limit:
            yield Case(
                organization_id=row.organization_id,
                subject=f"member:{row.member_id}",
                member_id=row.member_id,
                message=_("%(name)s 自 %(since)s 起失去联系，已满 %(months)d 个月。")
                % {"name": row.member.name, "since": day.isoformat(), "months": months},
                fix=_(
                    "经多方查找仍无法取得联系的，支部应按规定作出停止其党籍的决定（通过“减少党员”办理）。"
                ),
                url=_member_url(row.member_id),
            )


def suspended_long(root: Organization, on: dt.date) -> Iterator[Case]:
    years = threshold("suspended_years")
    rows = (
        Membership.objects.within(root)
        .filter(
            is_latest=True,
            how_removed=HowRemoved.SUSPENDED,
            ended_on__lte=add_years(on, -years),
            member__status=MemberStatus.SUSPENDED,
        )
        .select_related("member")
    )
    for row in rows:
        yield Case(
            organization_id=row.organization_id,
            subject=f"member:{row.member_id}",
            member_id=row.member_id,
            message=_("%(name)s 于 %(since)s 停止党籍，已满 %(years)d 年未恢复。")
            % {
                "name": row.member.name,
                "since": row.ended_on.isoformat() if row.ended_on else "",
                "years": years,
            },
            fix=_("停止党籍满2年仍未恢复的，应按规定予以除名，并报上级党组织备案。"),
            url=_member_url(row.member_id),
        )


def data_quality(root: Organization, on: dt.date) -> Iterator[Case]:
    for row in _open_rows(root):
        member = row.member
        problems: list[str] = []
        try:
            number = idnumbers.validate_id_number(member.id_number)
        except ValidationError as error:
            problems.append(
                _("身份证号码无效（%(why)s）") % {"why": " ".join(str(m) for m in error.messages)}
            )
        else:
            if idnumbers.check_agreement(number, member.birth_date, member.sex):
                problems.append(_("身份证号码与出生日期或性别不一致"))
        if member.joined_on < add_years(member.birth_date, 18):
            problems.append(_("入党时未满18岁"))
        if member.joined_on > on:
            problems.append(_("入党日期晚于今天"))
        if member.full_member_on is not None and member.full_member_on < member.joined_on:
            problems.append(_("转正日期早于入党日期"))
        if (
            member.category == MemberCategory.FULL
            and member.full_member_on is None
            and member.joined_on.year >= 1990
        ):
            problems.append(_("正式党员缺少转正日期"))
        if problems:
            yield Case(
                organization_id=row.organization_id,
                subject=f"member:{member.pk}",
                member_id=member.pk,
                message=_("%(name)s 的档案有误：%(problems)s。")
                % {"name": member.name, "problems": "；".join(problems)},
                fix=_("核对原始档案（入党志愿书、身份证）后在党员信息中修改。"),
                url=reverse("members:edit", args=[member.pk]),
            )


# --- organizations ------------------------------------------------------------------------


def _organizations(root: Organization) -> Iterator[Organization]:
    return Organization.objects.under(root.path).filter(dissolved_on__isnull=True).iterator()


def terms(root: Organization, on: dt.date) -> Iterator[Case]:
    days = threshold("term_due_days")
    soon = on + dt.timedelta(days=days)
    for organization in Organization.objects.under(root.path).filter(
        dissolved_on__isnull=True, term_ends_on__lte=soon
    ):
        ends = organization.term_ends_on
        assert ends is not None
        if ends < on:
            message = _("%(org)s 本届任期已于 %(day)s 届满，尚未换届。") % {
                "org": organization.name,
                "day": ends.isoformat(),
            }
        else:
            message = _("%(org)s 本届任期将于 %(day)s 届满（%(n)d 天后）。") % {
                "org": organization.name,
                "day": ends.isoformat(),
                "n": (ends - on).days,
            }
        yield Case(
            organization_id=organization.pk,
            subject=f"org:{organization.pk}",
            message=message,
            fix=_(
                "按期召开党员大会（代表大会）换届选举，换届后在组织信息中更新任期。延期或提前换届须报上级批准，一般不超过1年。"
            ),
            url=reverse("organizations:edit", args=[organization.pk]),
        )


def branch_size(root: Organization, on: dt.date) -> Iterator[Case]:
    from django.conf import settings

    limits = settings.DANGJIAN_RULES
    branches = Organization.objects.under(root.path).filter(
        kind__in=BRANCH_KINDS, dissolved_on__isnull=True
    )
    counts = {
        row["organization_id"]: row
        for row in Membership.objects.filter(organization__in=branches, ended_on__isnull=True)
        .values("organization_id")
        .annotate(
            total=Count("id"), full=Count("id", filter=Q(member__category=MemberCategory.FULL))
        )
    }
    committees = dict(
        Position.objects.filter(organization__in=branches, ended_on__isnull=True)
        .values("organization_id")
        .annotate(n=Count("id"))
        .values_list("organization_id", "n")
    )
    for branch in branches:
        row = counts.get(branch.pk, {"total": 0, "full": 0})
        url = reverse("reports:organization", args=[branch.pk])
        if row["full"] < limits["branch_min_full_members"]:
            yield Case(
                branch.pk,
                f"org:{branch.pk}:too_few",
                _("%(org)s 正式党员仅 %(n)d 名，不足 %(min)d 名。")
                % {"org": branch.name, "n": row["full"], "min": limits["branch_min_full_members"]},
                _("与邻近单位成立联合党支部，或补足正式党员人数。"),
                url,
            )
        if row["total"] > limits["branch_max_members"]:
            yield Case(
                branch.pk,
                f"org:{branch.pk}:too_large",
                _("%(org)s 有党员 %(n)d 名，超过 %(max)d 名。")
                % {"org": branch.name, "n": row["total"], "max": limits["branch_max_members"]},
                _("一般应分设党支部或成立党总支。"),
                url,
            )
        if (
            row["full"] >= limits["committee_from_full_members"]
            and committees.get(branch.pk, 0) < limits["committee_min_positions"]
        ):
            yield Case(
                branch.pk,
                f"org:{branch.pk}:no_committee",
                _("%(org)s 有正式党员 %(n)d 名，应设支部委员会，但在任委员仅 %(c)d 名。")
                % {"org": branch.name, "n": row["full"], "c": committees.get(branch.pk, 0)},
                _("召开支部党员大会选举产生支部委员会（3至5人，一般不超过7人）。"),
                url,
            )


def secretary_vacant(root: Organization, on: dt.date) -> Iterator[Case]:
    """Branches with members on the roster and no secretary in office: a secretary who left
    (transferred out, removed, died) leaves the post empty (RULES.md "Organizations": a branch
    without a committee has one secretary; 支部工作条例)."""
    branches = Organization.objects.under(root.path).filter(
        kind__in=BRANCH_KINDS, dissolved_on__isnull=True
    )
    staffed = set(
        Membership.objects.filter(organization__in=branches, ended_on__isnull=True)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    with_secretary = set(
        Position.objects.filter(
            organization__in=branches, title=PositionTitle.SECRETARY, ended_on__isnull=True
        ).values_list("organization_id", flat=True)
    )
    for branch in branches:
        if branch.pk not in staffed or branch.pk in with_secretary:
            continue
        yield Case(
            branch.pk,
            f"org:{branch.pk}:no_secretary",
            _("%(org)s 书记空缺。") % {"org": branch.name},
            _(
                "及时召开党员大会选举书记（或经上级党组织批准指定负责人），任职后在领导班子中登记（《中国共产党支部工作条例（试行）》）。"
            ),
            reverse("reports:organization", args=[branch.pk]),
        )


def aging(root: Organization, on: dt.date) -> Iterator[Case]:
    young = threshold("aging_no_member_under")
    old = threshold("aging_average_age")
    ages: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for organization_id, name, birth in (
        Membership.objects.within(root)
        .filter(organization__kind__in=BRANCH_KINDS, ended_on__isnull=True)
        .values_list("organization_id", "organization__name", "member__birth_date")
    ):
        ages[organization_id].append(age_on(birth, on))
        names[organization_id] = name
    for organization_id, values in ages.items():
        url = reverse("reports:organization", args=[organization_id])
        average = sum(values) / len(values)
        if min(values) >= young:
            yield Case(
                organization_id,
                f"org:{organization_id}:no_young",
                _(
                    "%(org)s 没有 %(age)d 岁以下的党员（%(n)d 名党员，平均 %(avg).1f 岁），存在断层。"
                )
                % {"org": names[organization_id], "age": young, "n": len(values), "avg": average},
                _("把青年骨干作为入党积极分子培养，做好发展党员规划。"),
                url,
            )
        if average > old:
            yield Case(
                organization_id,
                f"org:{organization_id}:old",
                _("%(org)s 党员平均年龄 %(avg).1f 岁，高于 %(limit)d 岁。")
                % {"org": names[organization_id], "avg": average, "limit": old},
                _("注重在青年中发展党员，优化年龄结构。"),
                url,
            )


for _rule in (
    Rule("lost_contact", gettext_lazy("失联满6个月"), EDUCATION_RULES, lost_contact),
    Rule("suspended_long", gettext_lazy("停止党籍满2年"), EDUCATION_RULES, suspended_long),
    Rule("term", gettext_lazy("换届"), ELECTION_RULES, terms),
    Rule("branch_size", gettext_lazy("支部设置"), BRANCH_RULES, branch_size),
    Rule("secretary_vacant", gettext_lazy("书记空缺"), BRANCH_RULES, secretary_vacant),
    Rule("aging", gettext_lazy("年龄结构"), gettext_lazy("党员队伍建设"), aging),
    Rule("data_quality", gettext_lazy("数据质量"), DATA_QUALITY, data_quality),
):
    register_rule(_rule)
