"""Scoped reads of organizational life, and the figures other apps read (contract functions:
`last_life_on`, `members_without_life`, `compliance`, `compliance_rollup`, `training_hours`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from dangjian.accounts.scope import ScopedQuerySet, scope_for
from dangjian.core.dates import today
from dangjian.core.paths import child_on_path
from dangjian.members.models import Member, Membership, Position
from dangjian.members.selectors import roster_is_today, roster_on
from dangjian.organizations.choices import BRANCH_KINDS, COMMITTEE_KINDS, OrgKind
from dangjian.organizations.models import Organization

from .choices import (
    DEFAULT_FREQUENCIES,
    LEADERSHIP_KINDS,
    PERIOD_MONTHS,
    SHORT_LABELS,
    ActivityKind,
    ActivityStatus,
    AttendanceStatus,
    FrequencyPeriod,
    TrainingForm,
)
from .models import (
    Activity,
    Attendance,
    FollowUpItem,
    FrequencyRule,
    LifeElsewhere,
    LifeExemption,
    TrainingCourse,
    TrainingSession,
    VisitingGuest,
)
from .periods import Period, month_start

# Organizations with a leadership team that holds 民主生活会 and the half-yearly analysis.
LEADERSHIP_ORG_KINDS = frozenset({OrgKind.LOCAL_COMMITTEE, *COMMITTEE_KINDS})

# A branch committee (支部委员会) has at least three members; fewer leaders means a secretary
# (and perhaps a deputy) without a committee, so no committee meetings are required.
COMMITTEE_MIN_SIZE = 3


# --- scope ------------------------------------------------------------------------------


def scoped_activities(user: Any) -> ScopedQuerySet[Activity]:
    return Activity.objects.restrict(user).select_related("organization")


def activity_get(*, user: Any, pk: int) -> Activity:
    return get_object_or_404(scoped_activities(user).select_related("host"), pk=pk)


def activity_organizations(user: Any) -> QuerySet[Organization]:
    """Organizations that hold activities (not local committees), in the user's read scope."""
    return Organization.objects.restrict(user).exclude(kind=OrgKind.LOCAL_COMMITTEE)


def can_manage(user: Any, organization: Organization) -> bool:
    return scope_for(user).can_manage_path(organization.path)


# --- expected attendees -----------------------------------------------------------------


def expected_member_ids(organization: Organization, kind: str, on: dt.date) -> list[int]:
    """Who is expected on the day, from the dated rows: for a committee meeting the leaders
    whose positions were open that day; otherwise the organization's members that day (a
    branch includes its party groups; a party group is its own members)."""
    if kind == ActivityKind.COMMITTEE_MEETING:
        rows = Position.objects.filter(organization=organization, started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=on)
        )
        return sorted(set(rows.values_list("member_id", flat=True)))
    return sorted(set(roster_on(organization, on).values_list("member_id", flat=True)))


def organization_on(member: Member, on: dt.date) -> Organization | None:
    """The organization a member belonged to on a date (None: on no roster that day)."""
    row = (
        Membership.objects.filter(member=member, started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .select_related("organization")
        .first()
    )
    return row.organization if row else None


@dataclass(frozen=True)
class Quorum:
    entitled: int
    present: int

    @property
    def required(self) -> int:
        """More than half: the smallest number above entitled / 2."""
        return self.entitled // 2 + 1

    @property
    def met(self) -> bool:
        return self.entitled > 0 and self.present >= self.required


def quorum(activity: Activity) -> Quorum:
    """Full members (probationary members have no vote) expected at the meeting, and present.
    Guests never count."""
    rows = activity.attendance.filter(is_guest=False, can_vote=True)
    return Quorum(
        entitled=rows.count(), present=rows.filter(status=AttendanceStatus.PRESENT).count()
    )


@dataclass(frozen=True)
class AttendanceSummary:
    expected: int
    present: int
    leave: int
    absent: int
    guests: int


def attendance_summary(activity: Activity) -> AttendanceSummary:
    counts = Counter(
        (guest, status) for guest, status in activity.attendance.values_list("is_guest", "status")
    )
    return AttendanceSummary(
        expected=sum(n for (guest, _s), n in counts.items() if not guest),
        present=counts[(False, AttendanceStatus.PRESENT)],
        leave=counts[(False, AttendanceStatus.LEAVE)],
        absent=counts[(False, AttendanceStatus.ABSENT)],
        guests=sum(n for (guest, _s), n in counts.items() if guest),
    )


# --- each member's organizational life -----------------------------------------------------


def _life_rows() -> QuerySet[Attendance]:
    return Attendance.objects.filter(
        status=AttendanceStatus.PRESENT, activity__status=ActivityStatus.HELD
    )


def member_life(member: Member) -> QuerySet[Attendance]:
    """Every held activity the member attended, at home or as a guest elsewhere."""
    return (
        _life_rows()
        .filter(member=member)
        .select_related("activity__organization")
        .order_by("-activity__on", "-activity_id")
    )


def last_life_on(member_ids: Iterable[int]) -> dict[int, dt.date | None]:
    """The date of each member's last organizational life (None: none recorded)."""
    ids = list(member_ids)
    result: dict[int, dt.date | None] = dict.fromkeys(ids)
    rows = (
        _life_rows()
        .filter(member_id__in=ids)
        .values("member_id")
        .annotate(last=Max("activity__on"))
        .values_list("member_id", "last")
    )
    result.update(dict(rows))
    elsewhere = (
        LifeElsewhere.objects.filter(member_id__in=ids)
        .values("member_id")
        .annotate(last=Max("on"))
        .values_list("member_id", "last")
    )
    for member_id, last in elsewhere:
        here = result.get(member_id)
        result[member_id] = last if here is None or last > here else here
    return result


def member_life_elsewhere(member: Member) -> QuerySet[LifeElsewhere]:
    """Organizational life the member attended at other deployments (credited from their
    signed attendance receipts), newest first."""
    return LifeElsewhere.objects.filter(member=member).order_by("-on", "-id")


def visiting_guests(activity: Activity) -> QuerySet[VisitingGuest]:
    """Guests from other deployments at the activity (the caller has checked the reader)."""
    return VisitingGuest.objects.filter(activity=activity).order_by("name", "id")


def exempt_member_ids(member_ids: Iterable[int] | QuerySet[Any], on: dt.date) -> set[int]:
    """Members with a branch's exemption from organizational life running on `on`."""
    return set(
        LifeExemption.objects.filter(
            member_id__in=member_ids, decided_on__lte=on, review_on__gt=on
        ).values_list("member_id", flat=True)
    )


def member_get(*, user: Any, pk: int) -> Member:
    """A member the user may read (their latest organization in scope), or 404."""
    return get_object_or_404(Member.objects.restrict(user), pk=pk)


def life_exemptions(member: Member) -> QuerySet[LifeExemption]:
    """The member's exemptions, newest first (the member page has checked the reader)."""
    return member.life_exemptions.select_related("organization").order_by("-decided_on", "-pk")


def members_without_life(
    organization: Organization, on: dt.date, months: int = 6
) -> QuerySet[Member]:
    """Members on the subtree's roster on `on` who attended no organizational life in the
    `months` before it (党章 art. 9 asks the branch to look into six months without it).

    The six months count from the later of the window's start and the day the member joined
    the branch (their membership row's start) or the party: a member registered, moved in or
    admitted inside the window has not had six months and is left out. So is a member with an
    exemption running on `on` (年老体弱, 患病: decided by the branch, until its review date);
    送学上门 counts as life for the members it lists (it is attendance like any other), and so
    does life attended at another deployment, credited from its signed attendance receipt."""
    since = month_start(on, -months).replace(day=min(on.day, 28))
    # `held_on` is the date of a held activity (decision 0261): one index seek per member.
    attended = Attendance.objects.filter(
        member=OuterRef("pk"),
        status=AttendanceStatus.PRESENT,
        held_on__gt=since,
        held_on__lte=on,
    )
    elsewhere = LifeElsewhere.objects.filter(member=OuterRef("pk"), on__gt=since, on__lte=on)
    exempt = LifeExemption.objects.filter(
        member=OuterRef("pk"), decided_on__lte=on, review_on__gt=on
    )
    rows = roster_on(organization, on).filter(started_on__lte=since)
    members = Member.objects.filter(pk__in=rows.values("member_id"))
    if roster_is_today(on):
        # Today's roster of the subtree is also its member rows under its path (decision 0290;
        # no membership starts after today): said twice, so that PostgreSQL reads the
        # subtree's members by the path index instead of walking a province's members in name
        # order until fifty of them are in the subtree (98,642 rows for a county: 1 s).
        members = members.within(organization)
    return (
        members.filter(joined_on__lte=since)
        .exclude(Exists(attended))
        .exclude(Exists(elsewhere))
        .exclude(Exists(exempt))
        .order_by("name_pinyin", "pk")
    )


# --- compliance ---------------------------------------------------------------------------


def frequency_rules() -> dict[str, FrequencyRule]:
    """The active frequency table; filled with the RULES.md defaults when empty."""
    rules = list(FrequencyRule.objects.all())
    if not rules:
        for kind, period, times in DEFAULT_FREQUENCIES:
            FrequencyRule.objects.get_or_create(
                kind=kind, defaults={"period": period, "times": times}
            )
        rules = list(FrequencyRule.objects.all())
    return {r.kind: r for r in rules if r.active}


@dataclass
class KindCount:
    kind: str
    required: int = 0
    held: int = 0

    @property
    def label(self) -> str:
        return str(SHORT_LABELS.get(ActivityKind(self.kind), ActivityKind(self.kind).label))

    @property
    def met(self) -> bool:
        return self.held >= self.required


@dataclass
class Compliance:
    period: Period
    counts: list[KindCount]
    branches: int = 1
    compliant_branches: int = 0
    lagging: list[tuple[Organization, list[KindCount]]] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(c.met for c in self.counts)

    def sentence(self) -> str:
        parts = [f"{c.label} {c.held}/{c.required}" for c in self.counts]
        if not parts:
            return _("%(period)s: 无应开展的组织生活") % {"period": self.period.label}
        return f"{self.period.label}: " + ", ".join(parts)


def _exists_between(
    founded: dt.date | None, dissolved: dt.date | None, s: dt.date, e: dt.date
) -> bool:
    return (founded is None or founded < e) and (dissolved is None or dissolved > s)


def compliance_by_branch(
    organization: Organization, period: Period, *, on: dt.date | None = None
) -> dict[int, list[KindCount]]:
    """Required vs held by kind for every branch in the subtree. Monthly kinds count each month
    once (three meetings in one month are not three months); sub-periods that have not started
    by `on` are not required yet; committee meetings are required only in months when the
    branch had a committee, group meetings once per party group."""
    return compliance_by_branch_many(organization, [period], on=on)[0]


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def compliance_by_branch_many(
    organization: Organization,
    wanted: list[Period],
    *,
    on: dt.date | None = None,
    rules: dict[str, FrequencyRule] | None = None,
) -> list[dict[int, list[KindCount]]]:
    """`compliance_by_branch` for several periods from one read of the rows. The frequency
    table is read unless the caller passes the `frequency_rules()` it has read already."""
    on = on or today()
    all_kinds = _rule_kinds(leadership=False, rules=rules)
    span_start = min(p.start for p in wanted)
    span_end = max(p.end for p in wanted)
    subtree = Organization.objects.under(organization.path)
    branch_ids = subtree.filter(kind__in=BRANCH_KINDS).values("id")
    branches: list[dict[str, Any]] = []
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    # Branches and their party groups in one query (a group sits directly under its branch).
    for row in subtree.filter(kind__in=[*BRANCH_KINDS, OrgKind.PARTY_GROUP]).values(
        "id", "kind", "parent_id", "founded_on", "dissolved_on"
    ):
        if row["kind"] == OrgKind.PARTY_GROUP:
            groups[row["parent_id"]].append(dict(row))
        else:
            branches.append(dict(row))
    positions: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for org_id, start, end in (
        Position.objects.filter(organization_id__in=branch_ids, started_on__lt=span_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=span_start))
        .values_list("organization_id", "started_on", "ended_on")
    ):
        positions[org_id].append((start, end))
    # Held activities counted by organization, kind and month in SQL (a county holds tens of
    # thousands a year; reading each one's date cost most of the page).
    buckets = {}
    index = _month_index(span_start)
    while (first_day := month_start(span_start, index - _month_index(span_start))) < span_end:
        buckets[index] = Count(
            "pk",
            filter=Q(
                on__gte=max(first_day, span_start), on__lt=min(month_start(first_day, 1), span_end)
            ),
        )
        index += 1
    held: Counter[tuple[int, str, int]] = Counter()
    months = list(buckets)
    for org_id, kind, *counts in (
        Activity.objects.within(organization)
        .filter(
            status=ActivityStatus.HELD,
            on__gte=span_start,
            on__lt=span_end,
            kind__in=[k for k, _m, _t in all_kinds],
        )
        .order_by()
        .values("organization_id", "kind")
        .annotate(**{f"m{i}": count for i, count in buckets.items()})
        .values_list("organization_id", "kind", *[f"m{i}" for i in months])
    ):
        for i, n in zip(months, counts, strict=True):
            if n:
                held[(org_id, kind, i)] += n
    return [_count(branches, groups, positions, held, period, on, all_kinds) for period in wanted]


def _rule_kinds(
    *, leadership: bool, rules: dict[str, FrequencyRule] | None = None
) -> list[tuple[str, int, int]]:
    """(kind, months per sub-period, times) of the active rules (`frequency_rules()`, read
    unless given): the branches' kinds, or the leadership team's (LEADERSHIP_KINDS, required
    of committees only)."""
    if rules is None:
        rules = frequency_rules()
    order = [k.value for k in ActivityKind]
    return [
        (kind, PERIOD_MONTHS[FrequencyPeriod(rule.period)], rule.times)
        for kind, rule in sorted(rules.items(), key=lambda kv: order.index(kv[0]))
        if (kind in LEADERSHIP_KINDS) == leadership
    ]


def leadership_compliance(
    organization: Organization, period: Period, *, on: dt.date | None = None
) -> list[tuple[Organization, list[KindCount]]]:
    """民主生活会 and 班子运行情况分析 required against held for every committee of the subtree
    (地方党委, 党委, 党工委), counted like the branches' kinds (`_count`): each sub-period once,
    sub-periods not started by `on` or outside the committee's life not required. Committees
    with nothing required in the period are left out."""
    on = on or today()
    kinds = _rule_kinds(leadership=True)
    committees: list[dict[str, Any]] = [
        dict(row)
        for row in Organization.objects.under(organization.path)
        .filter(kind__in=LEADERSHIP_ORG_KINDS)
        .values("id", "kind", "parent_id", "founded_on", "dissolved_on")
    ]
    held: Counter[tuple[int, str, int]] = Counter()
    for org_id, kind, day in (
        Activity.objects.within(organization)
        .filter(
            status=ActivityStatus.HELD,
            on__gte=period.start,
            on__lt=period.end,
            kind__in=[k for k, _m, _t in kinds],
        )
        .values_list("organization_id", "kind", "on")
    ):
        held[(org_id, kind, _month_index(day))] += 1
    counts = _count(committees, {}, {}, held, period, on, kinds)
    names = Organization.objects.in_bulk([pk for pk, c in counts.items() if c])
    return sorted(((names[pk], c) for pk, c in counts.items() if c), key=lambda row: row[0].path)


def follow_ups(activity: Activity) -> QuerySet[FollowUpItem]:
    return activity.follow_ups.all()


def open_follow_ups(user: Any, organization: Organization) -> QuerySet[FollowUpItem]:
    """Follow-up items of the subtree's leadership meetings not yet done, earliest deadline first."""
    return (
        FollowUpItem.objects.restrict(user)
        .within(organization)
        .filter(done_on__isnull=True)
        .select_related("activity__organization")
        .order_by("deadline", "pk")
    )


def _count(
    branches: list[dict[str, Any]],
    groups: dict[int, list[dict[str, Any]]],
    positions: dict[int, list[tuple[dt.date, dt.date | None]]],
    held: Counter[tuple[int, str, int]],
    period: Period,
    on: dt.date,
    all_kinds: list[tuple[str, int, int]],
) -> dict[int, list[KindCount]]:
    kinds = [(k, m, t) for k, m, t in all_kinds if period.months % m == 0]
    # Each kind's sub-periods that have started by `on`, with the month indices they cover:
    # the same for every branch, so worked out once (849 branches in the demo county).
    start = _month_index(period.start)
    parts = {
        months: [
            (s, e, range(start + index * months, start + (index + 1) * months))
            for index, (s, e) in enumerate(period.parts(months))
            if s <= on
        ]
        for _k, months, _t in kinds
    }
    # The organizations that held anything: a branch that held nothing of the period (at a
    # province's scale most of 200,000 in a generated one, the lagging ones in a real one)
    # skips every lookup of its months (decision 0292).
    holders = {org_id for org_id, _kind, _i in held}
    result: dict[int, list[KindCount]] = {}
    for branch in branches:
        counts = []
        branch_id = branch["id"]
        founded, dissolved = branch["founded_on"], branch["dissolved_on"]
        # Standing through the whole period: every sub-period exists for it.
        whole = (founded is None or founded < period.start) and dissolved is None
        held_any = branch_id in holders
        for kind, months, times in kinds:
            count = KindCount(kind)
            for s, e, covered in parts[months]:
                if not whole and not _exists_between(founded, dissolved, s, e):
                    continue
                if kind == ActivityKind.GROUP_MEETING:
                    for grp in groups.get(branch_id, []):
                        if _exists_between(grp["founded_on"], grp["dissolved_on"], s, e):
                            count.required += times
                            if grp["id"] in holders:
                                count.held += min(
                                    times, sum(held.get((grp["id"], kind, i), 0) for i in covered)
                                )
                    continue
                if kind == ActivityKind.COMMITTEE_MEETING:
                    day = min(e - dt.timedelta(days=1), on)
                    size = sum(
                        1
                        for start_on, end in positions.get(branch_id, [])
                        if start_on <= day and (end is None or end > day)
                    )
                    if size < COMMITTEE_MIN_SIZE:
                        continue
                count.required += times
                if not held_any:
                    continue
                if months == 1:
                    count.held += min(times, held.get((branch_id, kind, covered[0]), 0))
                else:
                    count.held += min(
                        times, sum(held.get((branch_id, kind, i), 0) for i in covered)
                    )
            if count.required:
                counts.append(count)
        result[branch_id] = counts
    return result


def compliance(
    organization: Organization, period: Period, *, on: dt.date | None = None
) -> Compliance:
    """One organization's compliance: a branch's own, or summed over every branch below."""
    return compliance_rollup(organization, period, on=on)


def compliance_rollup(
    organization: Organization,
    period: Period,
    *,
    on: dt.date | None = None,
    lagging_limit: int = 20,
) -> Compliance:
    """Summed over every branch of the subtree, with the lagging branches (up to the limit)."""
    return compliance_rollups(organization, [period], on=on, lagging_limit=lagging_limit)[0]


def compliance_rollups(
    organization: Organization,
    wanted: list[Period],
    *,
    on: dt.date | None = None,
    lagging_limit: int = 20,
) -> list[Compliance]:
    order = list(ActivityKind)
    results = []
    for period, by_branch in zip(
        wanted, compliance_by_branch_many(organization, wanted, on=on), strict=True
    ):
        totals: dict[str, KindCount] = {}
        compliant = 0
        lagging_ids: list[tuple[int, list[KindCount]]] = []
        for branch_id, counts in by_branch.items():
            for c in counts:
                total = totals.setdefault(c.kind, KindCount(c.kind))
                total.required += c.required
                total.held += c.held
            if all(c.met for c in counts):
                compliant += 1
            else:
                lagging_ids.append((branch_id, counts))
        shown = lagging_ids[:lagging_limit]
        names = Organization.objects.in_bulk([b for b, _c in shown]) if shown else {}
        results.append(
            Compliance(
                period=period,
                counts=sorted(totals.values(), key=lambda c: order.index(ActivityKind(c.kind))),
                branches=len(by_branch),
                compliant_branches=compliant,
                lagging=[(names[b], c) for b, c in shown],
            )
        )
    return results


# --- calendar -----------------------------------------------------------------------------


def month_activities(
    user: Any, first: dt.date, organization: Organization | None
) -> QuerySet[Activity]:
    queryset = scoped_activities(user).filter(on__gte=first, on__lt=month_start(first, 1))
    if organization is not None:
        queryset = queryset.within(organization)
    return queryset.exclude(status=ActivityStatus.CANCELLED).order_by("on", "start_time", "pk")


# --- training -----------------------------------------------------------------------------


def training_hours(
    member_ids: Iterable[int], year: int, *, until: dt.date | None = None
) -> dict[int, Decimal]:
    """Each member's class hours in a calendar year (0 when none), up to `until` if given."""
    ids = list(member_ids)
    result = dict.fromkeys(ids, Decimal("0"))
    sessions = TrainingSession.objects.filter(on__year=year)
    if until is not None:
        sessions = sessions.filter(on__lte=until)
    rows = (
        sessions.filter(participants__in=ids)
        .values("participants")
        .annotate(total=Sum("hours"))
        .values_list("participants", "total")
    )
    result.update({member_id: hours or Decimal("0") for member_id, hours in rows})
    return result


@dataclass
class TrainingRow:
    form: str
    label: str
    courses: int = 0
    sessions: int = 0
    person_times: int = 0
    members: int = 0
    member_hours: Decimal = Decimal("0")


def training_figures(organization: Organization, year: int) -> list[TrainingRow]:
    """The annual report's training table: by form, courses, sessions, 人次, distinct members
    trained and member class hours, for courses held in the subtree; last row the total."""
    through = TrainingSession.participants.through
    base = through.objects.filter(
        trainingsession__on__year=year,
        trainingsession__in=TrainingSession.objects.within(organization),
    )
    courses = TrainingCourse.objects.within(organization).filter(sessions__on__year=year)
    rows = []
    for form in [*TrainingForm, None]:
        row_base = base if form is None else base.filter(trainingsession__course__form=form)
        row_courses = courses if form is None else courses.filter(form=form)
        figures = row_base.aggregate(
            person_times=Count("id"),
            members=Count("member_id", distinct=True),
            hours=Sum("trainingsession__hours"),
        )
        sessions = TrainingSession.objects.filter(
            on__year=year, course__in=row_courses.values("pk")
        ).count()
        rows.append(
            TrainingRow(
                form=form.value if form else "",
                label=str(form.label) if form else _("合计"),
                courses=row_courses.distinct().count(),
                sessions=sessions,
                person_times=figures["person_times"],
                members=figures["members"],
                member_hours=figures["hours"] or Decimal("0"),
            )
        )
    return rows


def scoped_courses(user: Any) -> QuerySet[TrainingCourse]:
    return TrainingCourse.objects.restrict(user).select_related("organization")


# --- the committee dashboard ---------------------------------------------------------------


def compliance_dashboard(
    organization: Organization, previous: Period, current: Period, *, on: dt.date, limit: int = 8
) -> dict[str, Any]:
    """The weakest organizations by compliance, as JSON for the figure cache.

    For the last complete period (`previous`): each child organization with branches below it
    (when there are two or more such), its branches, how many met every requirement, and kinds
    held against required summed over its branches (weakest first); the `limit` branches with the largest shortfall and what
    they lack. For the period under way (`current`), the meetings held so far against those
    required so far (progress, not a verdict: a quarterly meeting may still come).
    """
    before, now = compliance_by_branch_many(organization, [previous, current], on=on)
    children: dict[int, dict[str, Any]] = {}
    for pk, name, kind in (
        Organization.objects.filter(parent=organization, dissolved_on__isnull=True)
        .order_by("path")
        .values_list("id", "name", "kind")
    ):
        children[pk] = {
            "id": pk,
            "name": name,
            "branch": kind in BRANCH_KINDS,
            "branches": 0,
            "met": 0,
            "held": 0,
            "required": 0,
        }
    names: dict[int, tuple[str, str]] = {
        pk: (name, path)
        for pk, name, path in Organization.objects.filter(pk__in=list(before)).values_list(
            "id", "name", "path"
        )
    }
    shortfalls: list[dict[str, Any]] = []
    for branch_id, counts in before.items():
        name, path = names[branch_id]
        child_pk = child_on_path(organization.path, path)
        child = children.get(child_pk) if child_pk is not None else None
        held = sum(c.held for c in counts)
        required = sum(c.required for c in counts)
        met = all(c.met for c in counts)
        if child is not None:
            child["branches"] += 1
            child["met"] += met
            child["held"] += held
            child["required"] += required
        if not met:
            shortfalls.append(
                {
                    "id": branch_id,
                    "name": name,
                    "held": held,
                    "required": required,
                    "missing": [[c.kind, c.held, c.required] for c in counts if not c.met],
                }
            )
    shortfalls.sort(key=lambda r: (r["held"] - r["required"], r["held"] / max(1, r["required"])))
    # The chart compares organizations that have branches of their own (townships, general
    # branches); the branches themselves are in the list of the furthest behind.
    ranked = [c for c in children.values() if c["branches"] and not c["branch"]]
    ranked.sort(key=lambda c: (c["held"] / c["required"] if c["required"] else 1.0, c["name"]))
    return {
        # Dates, not labels: the cache is shared by readers of every language.
        "period": previous.start.isoformat(),
        "current": current.start.isoformat(),
        "branches": len(before),
        "met": sum(1 for counts in before.values() if all(c.met for c in counts)),
        "held_now": sum(c.held for counts in now.values() for c in counts),
        "required_now": sum(c.required for counts in now.values() for c in counts),
        "children": ranked if len(ranked) > 1 else [],
        "weakest": shortfalls[:limit],
    }


# --- training coverage ------------------------------------------------------------------------

# Class hours a year, by group (DANGJIAN_RULES["training_hours_required"] overrides each):
# 党员教育管理工作条例 (2019): 党员每年集中学习培训时间一般不少于32学时. The same floor for
# secretaries and party-affairs staff by default; local plans often ask more (configurable).
TRAINING_GROUPS = ("SECRETARY", "STAFF", "MEMBER")
DEFAULT_TRAINING_HOURS = {"SECRETARY": Decimal(32), "STAFF": Decimal(32), "MEMBER": Decimal(32)}


def training_group_label(group: str) -> str:
    return {
        "SECRETARY": _("党组织书记"),
        "STAFF": _("党务干部"),
        "MEMBER": _("党员"),
    }[group]


def training_required() -> dict[str, Decimal]:
    from django.conf import settings

    configured = getattr(settings, "DANGJIAN_RULES", {}).get("training_hours_required", {})
    return {g: Decimal(str(configured.get(g, DEFAULT_TRAINING_HOURS[g]))) for g in TRAINING_GROUPS}


@dataclass
class TrainingPerson:
    member_id: int
    name: str
    organization: str
    hours: Decimal


@dataclass
class TrainingGroup:
    group: str
    label: str
    required: Decimal
    people: int = 0
    trained: int = 0
    met: int = 0
    untrained: list[TrainingPerson] = field(default_factory=list)

    @property
    def untrained_count(self) -> int:
        return self.people - self.trained


@dataclass
class TrainingOrganizationRow:
    organization_id: int
    name: str
    members: int = 0
    untrained_members: int = 0
    below_required: int = 0
    secretary_trained: bool | None = None  # None: no secretary in office


@dataclass
class TrainingCoverage:
    year: int
    on: dt.date
    groups: list[TrainingGroup]
    organizations: list[TrainingOrganizationRow]

    def group(self, key: str) -> TrainingGroup:
        return next(g for g in self.groups if g.group == key)


def training_coverage(
    organization: Organization, year: int, on: dt.date | None = None
) -> TrainingCoverage:
    """Who has had training this year and who has not, by group and by organization: members on
    the roster of the subtree on `on`; secretaries (an open 书记 position in the subtree); party-
    affairs staff (an open 副书记 or 委员 position, or an account with an administrator's or
    secretary's role). Hours are the member's class hours of the year (`training_hours`)."""
    from dangjian.accounts.choices import Role
    from dangjian.accounts.models import RoleAssignment
    from dangjian.members.choices import PositionTitle

    day = min(on or today(), dt.date(year, 12, 31))
    roster = list(
        roster_on(organization, day).values_list(
            "member_id", "member__name", "organization_id", "organization__name"
        )
    )
    names = {m: n for m, n, _o, _on in roster}
    home = {m: (o, on_name) for m, _n, o, on_name in roster}
    positions = list(
        Position.objects.within(organization)
        .filter(started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .values_list("member_id", "title", "organization_id")
    )
    secretaries = {m for m, title, _o in positions if title == PositionTitle.SECRETARY}
    secretary_of = {o: m for m, title, o in positions if title == PositionTitle.SECRETARY}
    staff_users = RoleAssignment.objects.filter(
        role__in=[Role.ADMINISTRATOR, Role.SECRETARY]
    ).values("user_id")
    staff = {m for m, title, _o in positions if title != PositionTitle.SECRETARY}
    staff |= home.keys() & set(
        Member.objects.filter(user_id__in=staff_users).values_list("pk", flat=True)
    )
    staff -= secretaries
    members = set(home)
    leaders = (secretaries | staff) - members  # a leader off this roster (e.g. moved away)
    if leaders:
        for pk, name in Member.objects.filter(pk__in=leaders).values_list("pk", "name"):
            names[pk] = name
    everyone = sorted(members | secretaries | staff)
    hours: dict[int, Decimal] = {}
    for start in range(0, len(everyone), 5000):  # a county's roster: keep under SQLite's limit
        hours.update(training_hours(everyone[start : start + 5000], year, until=day))
    required = training_required()
    groups = []
    for key, people in (("SECRETARY", secretaries), ("STAFF", staff), ("MEMBER", members)):
        group = TrainingGroup(key, training_group_label(key), required[key], people=len(people))
        for member_id in sorted(people, key=lambda m: (home.get(m, (0, ""))[1], names[m])):
            got = hours.get(member_id, Decimal(0))
            group.trained += got > 0
            group.met += got >= group.required
            if got == 0:
                group.untrained.append(
                    TrainingPerson(
                        member_id, names[member_id], home.get(member_id, (0, ""))[1], got
                    )
                )
        groups.append(group)
    rows: dict[int, TrainingOrganizationRow] = {}
    for member_id, (organization_id, organization_name) in home.items():
        row = rows.setdefault(
            organization_id, TrainingOrganizationRow(organization_id, organization_name)
        )
        got = hours.get(member_id, Decimal(0))
        row.members += 1
        row.untrained_members += got == 0
        row.below_required += got < required["MEMBER"]
    for organization_id, row in rows.items():
        secretary = secretary_of.get(organization_id)
        if secretary is not None:
            row.secretary_trained = hours.get(secretary, Decimal(0)) > 0
    ordered = sorted(rows.values(), key=lambda r: (-r.untrained_members, r.name))
    return TrainingCoverage(year, day, groups, ordered)


def training_group_counts(
    organization: Organization, year: int, on: dt.date | None = None
) -> list[TrainingGroup]:
    """`training_coverage`'s groups without the names (people, trained, met; `untrained` left
    empty), counted in the database: the annual report's table reads only these, and at a
    province's scale fetching every member's row and hours into Python took most of the report
    (issue 20, decision 0277). Same groups and the same hours as `training_coverage`."""
    from dangjian.accounts.choices import Role
    from dangjian.accounts.models import RoleAssignment
    from dangjian.members.choices import PositionTitle

    day = min(on or today(), dt.date(year, 12, 31))
    positions = (
        Position.objects.within(organization)
        .filter(started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    )
    secretaries = positions.filter(title=PositionTitle.SECRETARY).values("member_id")
    staff_users = RoleAssignment.objects.filter(
        role__in=[Role.ADMINISTRATOR, Role.SECRETARY]
    ).values("user_id")
    # The party affairs staff: other positions or a staff account, in one UNION of the few
    # candidates (an OR of the two made PostgreSQL scan a province's member table).
    staff = (
        positions.exclude(title=PositionTitle.SECRETARY)
        .order_by()
        .values("member_id")
        .union(
            roster_on(organization, day)
            .filter(member__user_id__in=staff_users)
            .order_by()
            .values("member_id")
        )
    )
    people = {"STAFF": Q(pk__in=staff) & ~Q(pk__in=secretaries)}
    # Members by their hours of the year up to the day (as `training_hours`), as subqueries.
    hours = (
        TrainingSession.participants.through.objects.filter(
            trainingsession__on__year=year, trainingsession__on__lte=day
        )
        .values("member_id")
        .annotate(total=Sum("trainingsession__hours"))
    )
    required = training_required()
    groups = []
    for key in ("SECRETARY", "STAFF", "MEMBER"):
        trained = hours.filter(Q(total__gt=0)).values("member_id")
        met = hours.filter(Q(total__gte=required[key])).values("member_id")
        if key == "MEMBER":
            # The roster's rows themselves, one per member on the day (as the report's member
            # tables count them): no pass over the member table, 1.1 GB of a province's.
            counts = roster_on(organization, day).aggregate(
                people=Count("id"),
                trained=Count("id", filter=Q(member_id__in=trained)),
                met=Count("id", filter=Q(member_id__in=met)),
            )
        elif key == "SECRETARY":
            # The secretaries' position rows, each member once: no pass over the member table.
            counts = (
                positions.filter(title=PositionTitle.SECRETARY)
                .order_by()
                .aggregate(
                    people=Count("member_id", distinct=True),
                    trained=Count("member_id", distinct=True, filter=Q(member_id__in=trained)),
                    met=Count("member_id", distinct=True, filter=Q(member_id__in=met)),
                )
            )
        else:
            counts = Member.objects.filter(people[key]).aggregate(
                people=Count("pk"),
                trained=Count("pk", filter=Q(pk__in=trained)),
                met=Count("pk", filter=Q(pk__in=met)),
            )
        groups.append(
            TrainingGroup(
                key,
                training_group_label(key),
                required[key],
                people=counts["people"],
                trained=counts["trained"],
                met=counts["met"],
            )
        )
    return groups
