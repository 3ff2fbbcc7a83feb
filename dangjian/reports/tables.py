"""The tables of the annual statistics (党内统计), computed from the records for any subtree as of
any date, and the registry that lists them.

Every member table is read from one grouped query (the "cube", `ReportData.cube`): the roster as
of the date, grouped by every dimension the tables use. Each table is then a few sums in Python.
Organization tables read the organization tree. A table is one function registered with
`@register_table(key, order)`; see docs/statistics.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from dangjian.core.dates import add_years
from dangjian.members.choices import (
    EDUCATION_BANDS,
    AgeBand,
    EducationBand,
    Ethnicity,
    HowAdded,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    Occupation,
    Sex,
)
from dangjian.members.models import Membership, Position, membership_last_change
from dangjian.members.selectors import roster_is_today, roster_members
from dangjian.organizations.choices import (
    BRANCH_KINDS,
    COMMITTEE_KINDS,
    GRASSROOTS_KINDS,
    OrgKind,
    UnitKind,
)
from dangjian.organizations.models import Organization

# --- the shape of a table --------------------------------------------------------------------


@dataclass
class Column:
    label: str
    # Member-list filters this column adds to the row's (None: the column cannot be listed).
    filters: dict[str, str] | None = field(default_factory=dict)


@dataclass
class Row:
    key: str
    label: str
    values: list[int]
    # Member-list filters that select the members behind this row (None: not listable).
    filters: dict[str, str] | None = None


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": [{"label": c.label, "filters": c.filters} for c in self.columns],
            "rows": [
                {"key": r.key, "label": r.label, "values": r.values, "filters": r.filters}
                for r in self.rows
            ],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        return cls(
            key=data["key"],
            title=data["title"],
            columns=[Column(c["label"], c["filters"]) for c in data["columns"]],
            rows=[Row(r["key"], r["label"], r["values"], r["filters"]) for r in data["rows"]],
            note=data.get("note", ""),
        )

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)


# --- bands ---------------------------------------------------------------------------------------

# Join-date bands (RULES.md): the founding of the PRC, the Third Plenum of the 11th CC, the 18th
# Congress. (key, label, first day or None, last day or None)
JOIN_BANDS: list[tuple[str, StrOrPromise, dt.date | None, dt.date | None]] = [
    ("before-1949-10", gettext_lazy("1949年10月1日以前"), None, dt.date(1949, 9, 30)),
    (
        "1949-10-1978-12",
        gettext_lazy("1949年10月至1978年12月"),
        dt.date(1949, 10, 1),
        dt.date(1978, 12, 31),
    ),
    (
        "1979-01-2012-10",
        gettext_lazy("1979年1月至2012年10月"),
        dt.date(1979, 1, 1),
        dt.date(2012, 10, 31),
    ),
    ("2012-11-", gettext_lazy("2012年11月以后"), dt.date(2012, 11, 1), None),
]

EDUCATION_BAND_OF = {code: band for band, codes in EDUCATION_BANDS.items() for code in codes}
COLLEGE_AND_ABOVE = (
    EducationBand.POSTGRADUATE,
    EducationBand.BACHELOR,
    EducationBand.JUNIOR_COLLEGE,
)


# The member's fields from a membership row (`member__`) or from the member row itself ('').
def age_band_case(as_of: dt.date, member: str = "member__") -> Case:
    """The age band of each member on `as_of`, in SQL (a member aged exactly 30 is in 0-30)."""
    whens = []
    for band in AgeBand:
        _low, high = band.bounds
        if high is None:
            continue
        # aged `high` or younger on as_of: born after as_of minus (high + 1) years
        born_after = {f"{member}birth_date__gt": add_years(as_of, -(high + 1))}
        whens.append(When(**born_after, then=Value(band)))
    return Case(*whens, default=Value(AgeBand.FROM_61), output_field=CharField())


def join_band_case(member: str = "member__") -> Case:
    whens = [
        When(**{f"{member}joined_on__lte": last}, then=Value(key))
        for key, _label, _first, last in JOIN_BANDS
        if last is not None
    ]
    return Case(*whens, default=Value(JOIN_BANDS[-1][0]), output_field=CharField())


def category_case(as_of: dt.date, member: str = "member__") -> Case:
    """Full member on `as_of` when full membership began on or before it (so a report dated
    before a conversion counts the member as probationary)."""
    return Case(
        When(**{f"{member}full_member_on__lte": as_of}, then=Value(MemberCategory.FULL)),
        default=Value(MemberCategory.PROBATIONARY),
        output_field=CharField(),
    )


def roster_on(path: str, as_of: dt.date) -> QuerySet[Membership]:
    """Membership rows in the subtree on a date: started on or before it and not ended by then
    (periods are half-open), so a member moved before the date counts at the new organization."""
    return (
        Membership.objects.within(path)
        .filter(started_on__lte=as_of)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
    )


def roster_readings(path: str, as_of: dt.date) -> list[tuple[QuerySet[Any], str, int]]:
    """The roster on `as_of` as readings whose counts, times their sign, add up to it; each
    with the prefix of its members' fields. Today's is one: the member rows (`roster_members`,
    ''). Another day's is three (decision 0294): today's member rows, less those of the members
    with a membership row that began or ended after the day (`membership_last_change`,
    indexed), plus those members' membership rows on the day (`roster_on`, 'member__'). A
    member unchanged since was where the member row says, and on the roster exactly when they
    are today. At a province's scale the first is the one parallel pass of today's report and
    the others a few thousand rows, where joining every membership row with its member cost
    twice as much (decision 0292)."""
    if roster_is_today(as_of):
        return [(roster_members(path), "", 1)]
    # A member's rows follow one another: whoever was or is in the subtree and changed after
    # the day has a row in the subtree that began or ended after it.
    changed = (
        Membership.objects.within(path)
        .alias(last_change=membership_last_change())
        .filter(last_change__gt=as_of)
        .values("member_id")
    )
    return [
        (roster_members(path), "", 1),
        (roster_members(path).filter(pk__in=changed), "", -1),
        (roster_on(path, as_of).filter(member_id__in=changed), "member__", 1),
    ]


def organizations_on(path: str, as_of: dt.date) -> QuerySet[Organization]:
    """Organizations in the subtree that existed on a date."""
    return Organization.objects.under(path).filter(
        Q(founded_on__isnull=True) | Q(founded_on__lte=as_of),
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of),
    )


CUBE_FIELDS = ("sex", "ethnicity", "age", "education", "occupation", "joined", "category", "status")


@dataclass(frozen=True)
class CubeRow:
    sex: str
    ethnicity: str
    age: str
    education: str
    occupation: str
    joined: str
    category: str
    status: str
    count: int


def added_up(
    path: str,
    as_of: dt.date,
    count: Callable[[QuerySet[Any], str], Iterable[tuple[Any, ...]]],
    keys: int,
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """`count(roster, prefix)`'s grouped rows (`keys` key columns, then counts) over each of
    the day's roster readings (`roster_readings`), times the reading's sign, added up; a key
    whose first count comes to zero is left out (a member counted today and taken back)."""
    # A key's first row is taken as it is: today's roster is one reading of distinct keys
    # (211,000 organizations at a province, where a loop over each row's counts and a dataclass
    # per organization cost 0.4 s more CPU than this and a tuple).
    totals: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for roster, member, sign in roster_readings(path, as_of):
        for row in count(roster, member):
            key, counts = tuple(row[:keys]), tuple(row[keys:])
            total = totals.get(key)
            if total is not None:
                totals[key] = tuple(a + sign * b for a, b in zip(total, counts, strict=True))
            else:
                totals[key] = counts if sign == 1 else tuple(-n for n in counts)
    return {key: total for key, total in totals.items() if total[0]}


def member_cube(path: str, as_of: dt.date) -> list[CubeRow]:
    """The roster on `as_of` grouped by every dimension of the member tables: one grouped
    query per reading (`roster_readings`: one for today, three for another day), added up."""

    def count(roster: QuerySet[Any], member: str) -> Iterable[tuple[Any, ...]]:
        return (
            roster.annotate(
                age=age_band_case(as_of, member),
                joined=join_band_case(member),
                cat=category_case(as_of, member),
            )
            .values_list(
                f"{member}sex",
                f"{member}ethnicity",
                "age",
                f"{member}education",
                f"{member}occupation",
                "joined",
                "cat",
                f"{member}status",
            )
            .annotate(n=Count("id"))
            .order_by()
        )

    return [CubeRow(*(*key, n)) for key, (n,) in added_up(path, as_of, count, keys=8).items()]


class OrganizationRoster(NamedTuple):
    """An organization's members on the report's date (`ReportData.roster_per_organization`;
    a tuple: a province's report makes 211,000 of them)."""

    path: str
    members: int
    full: int  # full members (转正 on or before the date)
    under_40: int
    young: int  # 35 or younger (members.selectors.YOUNG_AGE)
    women: int


@dataclass
class ReportData:
    """What the table functions read: the organization, the date and the shared queries."""

    organization: Organization
    as_of: dt.date

    @property
    def path(self) -> str:
        return self.organization.path

    @property
    def year_start(self) -> dt.date:
        return self.as_of.replace(month=1, day=1)

    @cached_property
    def cube(self) -> list[CubeRow]:
        return member_cube(self.path, self.as_of)

    @cached_property
    def roster_per_organization(self) -> list[OrganizationRoster]:
        """One pass over the roster on the date, per organization path: what the branches and
        the 党建带团建 tables read (at a province's scale a pass is 4.3 million rows: one, not
        two; of the member rows, with another day's few changed members read apart,
        `roster_readings`)."""
        from dangjian.members.selectors import YOUNG_AGE

        as_of = self.as_of

        def count(roster: QuerySet[Any], member: str) -> Iterable[tuple[Any, ...]]:
            path = "organization_path" if not member else "organization__path"
            return (
                roster.values(path)
                .annotate(
                    n=Count("id"),
                    full=Count("id", filter=Q(**{f"{member}full_member_on__lte": as_of})),
                    under_40=Count(
                        "id", filter=Q(**{f"{member}birth_date__gt": add_years(as_of, -40)})
                    ),
                    young=Count(
                        "id",
                        filter=Q(**{f"{member}birth_date__gt": add_years(as_of, -(YOUNG_AGE + 1))}),
                    ),
                    women=Count("id", filter=Q(**{f"{member}sex": Sex.FEMALE})),
                )
                .values_list(path, "n", "full", "under_40", "young", "women")
                .order_by()
            )

        return [
            OrganizationRoster(path, *counts)
            for (path,), counts in added_up(self.path, as_of, count, keys=1).items()
        ]

    @cached_property
    def organizations(self) -> list[tuple[int, str, str, str, dt.date | None]]:
        """(pk, path, kind, unit kind, term end) of every organization in the subtree on the
        date."""
        return list(
            organizations_on(self.path, self.as_of).values_list(
                "pk", "path", "kind", "unit_kind", "term_ends_on"
            )
        )

    @cached_property
    def unit_coverage(self) -> Any:
        """The unit registry of the subtree with members matched (units.selectors.coverage),
        read once for the coverage tables."""
        from dangjian.units.selectors import coverage

        return coverage(self.organization, self.as_of)

    @cached_property
    def margins(self) -> dict[str, dict[str, list[int]]]:
        """For each dimension and value: [members, women, minorities, probationary], summed
        from the cube in one pass (the member tables' columns)."""
        margins: dict[str, dict[str, list[int]]] = {name: {} for name in CUBE_FIELDS}
        for row in self.cube:
            columns = (
                row.count,
                row.count if row.sex == Sex.FEMALE else 0,
                row.count if row.ethnicity != Ethnicity.HAN else 0,
                row.count if row.category == MemberCategory.PROBATIONARY else 0,
            )
            for name in CUBE_FIELDS:
                cell = margins[name].setdefault(getattr(row, name), [0, 0, 0, 0])
                for i, value in enumerate(columns):
                    cell[i] += value
        return margins

    def margin(self, dimension: str, values: Iterable[str]) -> list[int]:
        cells = [self.margins[dimension].get(v, [0, 0, 0, 0]) for v in values]
        return [sum(cell[i] for cell in cells) for i in range(4)]

    def count(self, *constraints: dict[str, Any], **match: str | Iterable[str]) -> int:
        """Members in the cube whose dimensions match every constraint (a value, or any of
        several): `count(sex=Sex.FEMALE)`, `count({"age": "61-"}, {"sex": Sex.FEMALE})`."""
        checks = [*(c.items() for c in constraints), match.items()]
        total = 0
        for row in self.cube:
            if all(
                _matches(getattr(row, name), wanted) for items in checks for name, wanted in items
            ):
                total += row.count
        return total


def _matches(value: str, wanted: str | Iterable[str]) -> bool:
    return value == wanted if isinstance(wanted, str) else value in wanted


# --- the registry ----------------------------------------------------------------------------------

TableFunction = Callable[[ReportData], Table | None]


@dataclass(frozen=True)
class TableSpec:
    key: str
    order: int
    build: TableFunction


TABLES: list[TableSpec] = []


def register_table(key: str, order: int) -> Callable[[TableFunction], TableFunction]:
    """Add a table to the report. The function returns the table, or None to leave it out."""

    def decorate(function: TableFunction) -> TableFunction:
        if all(spec.key != key for spec in TABLES):
            TABLES.append(TableSpec(key, order, function))
            TABLES.sort(key=lambda s: s.order)
        return function

    return decorate


def build_tables(
    data: ReportData, progress: Callable[[int, int], None] | None = None
) -> list[Table]:
    """Every registered table; `progress(done, total)` is told after each (the background
    count of a large subtree shows it on the page)."""
    tables = []
    for done, spec in enumerate(TABLES, start=1):
        if (table := spec.build(data)) is not None:
            tables.append(table)
        if progress is not None:
            progress(done, len(TABLES))
    return tables


# --- member tables -----------------------------------------------------------------------------------

MINORITY = "MINORITY"  # member-list filter value: every ethnicity but 汉族


def _member_columns() -> list[Column]:
    return [
        Column(_("合计"), {}),
        Column(_("女"), {"sex": Sex.FEMALE}),
        Column(_("少数民族"), {"ethnicity": MINORITY}),
        Column(_("预备党员"), {"category": MemberCategory.PROBATIONARY}),
    ]


def _member_row(
    data: ReportData, key: str, label: str, filters: dict[str, str] | None, **match: Any
) -> Row:
    """A row of a member table: members matching one dimension (`age="61-"`, or any of several
    values), then those of them who are women, minorities and probationary."""
    if not match:
        return Row(key, label, data.margin("sex", list(Sex.values)), filters)
    ((dimension, wanted),) = match.items()
    values = [wanted] if isinstance(wanted, str) else list(wanted)
    return Row(key, label, data.margin(dimension, values), filters)


@register_table("members", order=10)
def members_table(data: ReportData) -> Table:
    """党员基本情况: totals by sex and category."""
    rows = [_member_row(data, "total", _("党员总数"), {})]
    rows += [
        _member_row(data, f"sex-{code}", str(label), {"sex": code}, sex=code)
        for code, label in Sex.choices
    ]
    rows += [
        _member_row(data, f"category-{code}", str(label), {"category": code}, category=code)
        for code, label in MemberCategory.choices
    ]
    return Table("members", _("党员基本情况"), _member_columns(), rows)


@register_table("ethnicity", order=20)
def ethnicity_table(data: ReportData) -> Table:
    """By ethnicity (GB 3304): 汉族, then every minority present, then 少数民族 as a subtotal."""
    present = Counter[str]()
    for row in data.cube:
        present[row.ethnicity] += row.count
    rows = [
        _member_row(
            data, Ethnicity.HAN, _("汉族"), {"ethnicity": Ethnicity.HAN}, ethnicity=Ethnicity.HAN
        )
    ]
    minorities = [code for code in Ethnicity.values if code != Ethnicity.HAN]
    rows.append(
        _member_row(data, MINORITY, _("少数民族"), {"ethnicity": MINORITY}, ethnicity=minorities)
    )
    rows += [
        _member_row(
            data, code, "　" + str(Ethnicity(code).label), {"ethnicity": code}, ethnicity=code
        )
        for code in minorities
        if present[code]
    ]
    return Table("ethnicity", _("民族"), _member_columns(), rows)


@register_table("age", order=30)
def age_table(data: ReportData) -> Table:
    rows = [
        _member_row(data, band.value, str(band.label), {"age_band": band.value}, age=band.value)
        for band in AgeBand
    ]
    return Table(
        "age",
        _("年龄"),
        _member_columns(),
        rows,
        note=_("年龄按统计截止日计算；30岁及以下含30岁，61岁及以上含61岁。"),
    )


@register_table("education", order=40)
def education_table(data: ReportData) -> Table:
    college = [code for band in COLLEGE_AND_ABOVE for code in EDUCATION_BANDS[band]]
    rows = [_member_row(data, "college", _("大专及以上"), None, education=college)]
    rows += [
        _member_row(
            data,
            band.value,
            str(band.label),
            {"education_band": band.value},
            education=EDUCATION_BANDS[band],
        )
        for band in EducationBand
    ]
    return Table("education", _("学历"), _member_columns(), rows)


@register_table("occupation", order=50)
def occupation_table(data: ReportData) -> Table:
    rows = [
        _member_row(data, code, str(label), {"occupation": code}, occupation=code)
        for code, label in Occupation.choices
    ]
    return Table("occupation", _("工作岗位(职业)"), _member_columns(), rows)


@register_table("joined", order=60)
def joined_table(data: ReportData) -> Table:
    rows = []
    for key, label, first, last in JOIN_BANDS:
        filters = {}
        if first:
            filters["joined_from"] = first.isoformat()
        if last:
            filters["joined_to"] = last.isoformat()
        rows.append(_member_row(data, key, str(label), filters, joined=key))
    return Table("joined", _("入党时间"), _member_columns(), rows)


@register_table("status", order=70)
def status_table(data: ReportData) -> Table:
    """流动党员 and the other statuses on the roster. Destinations are not recorded yet."""
    statuses = [MemberStatus.MOBILE, MemberStatus.LOST_CONTACT, MemberStatus.ABROAD]
    rows = [
        _member_row(data, code, str(MemberStatus(code).label), {"status": code}, status=code)
        for code in statuses
    ]
    return Table(
        "status",
        _("流动、失联和出国出境党员"),
        _member_columns(),
        rows,
        note=_("按党员当前的党籍状态统计；流入地待组织关系转接模块登记后分列。"),
    )


# --- members added and removed in the year ------------------------------------------------------------


def changes_in_year(data: ReportData) -> tuple[Counter[str], Counter[str]]:
    """增加 and 减少 in the subtree from 1 January to the date, by way.

    A move between two organizations of the subtree is neither; a move into it from elsewhere in
    the system counts as 转入 and a move out as 转出, whatever the rows say.
    """
    path, start, end = data.path, data.year_start, data.as_of
    inside = Membership.objects.within(path)
    started = list(
        inside.filter(started_on__gte=start, started_on__lte=end).values_list(
            "member_id", "started_on", "how_added"
        )
    )
    ended = list(
        inside.filter(ended_on__gte=start, ended_on__lte=end).values_list(
            "member_id", "ended_on", "how_removed"
        )
    )
    # Neighbouring rows of the same members: the row a started row follows, the row an ended
    # row leads to (a move closes one row and opens the next on the same day).
    in_year = Q(ended_on__gte=start, ended_on__lte=end) | Q(
        started_on__gte=start, started_on__lte=end
    )
    members = inside.filter(in_year).values("member_id")
    neighbours = Membership.objects.filter(in_year, member_id__in=members)
    closed: dict[tuple[int, dt.date], bool] = {}
    opened: dict[tuple[int, dt.date | None], bool] = {}
    for member_id, started_on, ended_on, org_path in neighbours.values_list(
        "member_id", "started_on", "ended_on", "organization__path"
    ):
        here = org_path.startswith(path)
        if ended_on is not None:
            closed[(member_id, ended_on)] = here
        opened[(member_id, started_on)] = here
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for member_id, on, how in started:
        before = closed.get((member_id, on))
        if before is True:
            continue  # moved within the subtree
        added[HowAdded.TRANSFERRED_IN if before is False else how] += 1
    for member_id, ended_on, how in ended:
        after = opened.get((member_id, ended_on))
        if after is True:
            continue
        removed[
            HowRemoved.TRANSFERRED_OUT if after is False or how == HowRemoved.MOVED_WITHIN else how
        ] += 1
    return added, removed


@register_table("changes", order=80)
def changes_table(data: ReportData) -> Table:
    added, removed = changes_in_year(data)
    rows = [Row("added", _("增加党员"), [sum(added.values())])]
    rows += [Row(f"added-{c}", "　" + str(label), [added[c]]) for c, label in HowAdded.choices]
    rows.append(Row("removed", _("减少党员"), [sum(removed.values())]))
    rows += [
        Row(f"removed-{c}", "　" + str(label), [removed[c]])
        for c, label in HowRemoved.choices
        if c != HowRemoved.MOVED_WITHIN
    ]
    return Table(
        "changes",
        _("%(year)d年党员增减情况") % {"year": data.as_of.year},
        [Column(_("人数"), None)],
        rows,
        note=_("%(start)s 至 %(end)s；本组织内部调整不计增减。")
        % {"start": data.year_start.isoformat(), "end": data.as_of.isoformat()},
    )


# --- organization tables ---------------------------------------------------------------------------

KIND_ORDER = [
    OrgKind.PARTY_COMMITTEE,
    OrgKind.WORKING_COMMITTEE,
    OrgKind.GENERAL_BRANCH,
    OrgKind.BRANCH,
    OrgKind.JOINT_BRANCH,
    OrgKind.TEMPORARY_BRANCH,
]


@register_table("organizations", order=110)
def organizations_table(data: ReportData) -> Table:
    """Grassroots organizations by kind and by the kind of unit they sit in."""
    counts: Counter[tuple[str, str]] = Counter()
    for _pk, _path, kind, unit_kind, _term in data.organizations:
        if kind in GRASSROOTS_KINDS:
            counts[(unit_kind, kind)] += 1

    def row(key: str, label: str, units: list[str]) -> Row:
        def n(kinds: Iterable[str]) -> int:
            return sum(counts[(u, k)] for u in units for k in kinds)

        return Row(
            key,
            label,
            [
                n(GRASSROOTS_KINDS),
                n(COMMITTEE_KINDS),
                n([OrgKind.GENERAL_BRANCH]),
                n(BRANCH_KINDS),
            ],
        )

    rows = [row("total", _("基层党组织合计"), list(UnitKind.values))]
    rows += [row(code, "　" + str(label), [code]) for code, label in UnitKind.choices]
    return Table(
        "organizations",
        _("基层党组织"),
        [
            Column(_("合计"), None),
            Column(_("党委"), None),
            Column(_("党总支"), None),
            Column(_("党支部"), None),
        ],
        rows,
        note=_("党委含党工委；党支部含联合党支部、临时党支部。"),
    )


@register_table("organization_kinds", order=120)
def organization_kinds_table(data: ReportData) -> Table:
    counts = Counter(kind for _pk, _path, kind, _u, _t in data.organizations)
    rows = [Row(kind, str(OrgKind(kind).label), [counts[kind]]) for kind in KIND_ORDER]
    return Table("organization_kinds", _("党组织类别"), [Column(_("个数"), None)], rows)


def branch_figures(data: ReportData) -> dict[str, int]:
    """Branches with a committee, those that should have one, and those without young members."""
    limits = settings.DANGJIAN_RULES
    branches = {pk for pk, _path, kind, _u, _t in data.organizations if kind in BRANCH_KINDS}
    ids = {path: pk for pk, path, _k, _u, _t in data.organizations}
    positions = (
        Position.objects.within(data)
        .filter(organization__kind__in=BRANCH_KINDS, started_on__lte=data.as_of)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=data.as_of))
        .values("organization_id")
        .annotate(n=Count("id"))
        .filter(n__gte=limits["committee_min_positions"])
        .values_list("organization_id", flat=True)
    )
    with_committee = set(positions) & branches
    # Full members and members under 40 of each organization (the report's one pass).
    large: set[int] = set()
    young: set[int] = set()
    for row in data.roster_per_organization:
        organization_id = ids.get(row.path)
        if organization_id is None:  # not standing on the date: not a branch of the table
            continue
        if row.full >= limits["committee_from_full_members"]:
            large.add(organization_id)
        if row.under_40:
            young.add(organization_id)
    large &= branches
    return {
        "branches": len(branches),
        "with_committee": len(with_committee),
        "should_have_committee": len(large),
        "missing_committee": len(large - with_committee),
        "without_young": len(branches - young),
    }


@register_table("branches", order=130)
def branches_table(data: ReportData) -> Table:
    figures = branch_figures(data)
    rows = [
        Row("branches", _("党支部(含联合、临时党支部)"), [figures["branches"]]),
        Row("with_committee", _("设支部委员会的"), [figures["with_committee"]]),
        Row("should_have_committee", _("正式党员7名以上的"), [figures["should_have_committee"]]),
        Row("missing_committee", _("应设未设支部委员会的"), [figures["missing_committee"]]),
        Row("without_young", _("没有40岁以下党员的"), [figures["without_young"]]),
    ]
    return Table("branches", _("党支部设置"), [Column(_("个数"), None)], rows)


@register_table("terms", order=140)
def terms_table(data: ReportData) -> Table:
    """换届: terms already run out on the date, and those running out by the end of its year."""
    year_end = data.as_of.replace(month=12, day=31)
    overdue = Counter[str]()
    due = Counter[str]()
    for _pk, _path, kind, _u, term_ends_on in data.organizations:
        if kind not in GRASSROOTS_KINDS or term_ends_on is None:
            continue
        group = (
            "committee"
            if kind in COMMITTEE_KINDS
            else ("general" if kind == OrgKind.GENERAL_BRANCH else "branch")
        )
        if term_ends_on < data.as_of:
            overdue[group] += 1
        elif term_ends_on <= year_end:
            due[group] += 1
    groups = [("committee", _("党委")), ("general", _("党总支")), ("branch", _("党支部"))]
    rows = [Row(g, str(label), [due[g], overdue[g]]) for g, label in groups]
    rows.insert(0, Row("total", _("合计"), [sum(due.values()), sum(overdue.values())]))
    return Table(
        "terms",
        _("换届情况"),
        [Column(_("年内届满"), None), Column(_("已届满未换届"), None)],
        rows,
    )


# --- members over the years ------------------------------------------------------------------------

YEARS_SHOWN = 10


@register_table("years", order=90)
def years_table(data: ReportData) -> Table:
    """Members on the roster at the end of each of the last ten years, and on the date."""
    days = [dt.date(year, 12, 31) for year in range(data.as_of.year - YEARS_SHOWN, data.as_of.year)]
    days.append(data.as_of)
    rows_in_subtree = Membership.objects.within(data).filter(started_on__lte=data.as_of)
    counts = rows_in_subtree.aggregate(
        **{
            f"d{i}": Count(
                "id",
                filter=Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day)),
            )
            for i, day in enumerate(days)
        }
    )
    rows = [Row(day.isoformat(), day.isoformat(), [counts[f"d{i}"]]) for i, day in enumerate(days)]
    return Table("years", _("历年党员数"), [Column(_("党员数"), None)], rows)


# --- recruitment and discipline (from the domain apps) ----------------------------------------------


@register_table("recruitment", order=100)
def recruitment_table(data: ReportData) -> Table:
    """发展党员: people at each stage at the end of the year, and what happened in the year."""
    from dangjian.recruitment.selectors import pipeline_counts

    counts = pipeline_counts(data.organization, data.as_of.year)
    rows = [
        Row("applied", _("年内递交入党申请"), [counts.applied]),
        Row("admitted", _("年内发展党员"), [counts.admitted]),
        Row("converted", _("年内预备党员转正"), [counts.converted]),
        Row("applicants", _("入党申请人"), [counts.applicants]),
        Row("activists", _("入党积极分子"), [counts.activists]),
        Row("candidates", _("发展对象"), [counts.candidates]),
        Row("probationary", _("预备党员（发展纪实中）"), [counts.probationary]),
    ]
    return Table("recruitment", _("发展党员情况"), [Column(_("人数"), None)], rows)


@register_table("discipline", order=110)
def discipline_table(data: ReportData) -> Table:
    """党纪处分 in the year: people disciplined, of them rural members (the seed report's figures)."""
    from dangjian.care.selectors import commendation_counts, discipline_counts

    discipline = discipline_counts(data.organization, data.as_of.year)
    honours = commendation_counts(data.organization, data.as_of.year)
    rows = [
        Row("disciplined", _("年内受党纪处分"), [discipline["people"]]),
        Row("disciplined-farmers", _("其中农牧渔民"), [discipline["farmers"]]),
        *(
            Row(f"commended-{code}", str(label), [honours.get(code, 0)])
            for code, label in _commendation_titles()
        ),
    ]
    return Table("discipline", _("表彰和处分"), [Column(_("人数/个数"), None)], rows)


def _commendation_titles() -> list[tuple[str, str]]:
    from dangjian.care.models import CommendationTitle

    return [(str(code), str(label)) for code, label in CommendationTitle.choices]


@register_table("mobile", order=95)
def mobile_table(data: ReportData) -> Table:
    """流动党员 by destination province: outflows open on the date from the subtree."""
    from collections import Counter as Tally

    from django.db.models import Q as Where

    from dangjian.transfers.models import Outflow
    from dangjian.transfers.regions import province_of, region_name

    codes = (
        Outflow.objects.within(data, via="home_organization__path")
        .filter(left_on__lte=data.as_of)
        .filter(Where(returned_on__isnull=True) | Where(returned_on__gt=data.as_of))
        .values_list("region_code", flat=True)
    )
    counts = Tally(province_of(code) for code in codes)
    rows = [Row(f"province-{code}", region_name(code), [n]) for code, n in counts.most_common()]
    rows.insert(0, Row("total", _("流出党员"), [sum(counts.values())]))
    return Table("mobile", _("流动党员流向"), [Column(_("人数"), None)], rows)


@register_table("review", order=105)
def review_table(data: ReportData) -> Table:
    """民主评议党员: grades given in the year's review rounds of the subtree."""
    from dangjian.activities.choices import Grade
    from dangjian.activities.models import ReviewEntry

    grades = dict(
        ReviewEntry.objects.within(data)
        .filter(review__year=data.as_of.year)
        .exclude(grade="")
        .values_list("grade")
        .annotate(n=Count("id"))
        .values_list("grade", "n")
    )
    rows = [
        Row(f"grade-{code}", str(label), [grades.get(code, 0)]) for code, label in Grade.choices
    ]
    rows.insert(0, Row("reviewed", _("参加评议"), [sum(grades.values())]))
    return Table("review", _("民主评议党员"), [Column(_("人数"), None)], rows)


@register_table("rectification", order=150)
def rectification_table(data: ReportData) -> Table:
    """整顿软弱涣散基层党组织: the year's review in the subtree and what became of its cases."""
    from dangjian.rectification.selectors import year_figures

    figures = year_figures(data.organization, data.as_of.year)
    rows = [
        Row("candidates", _("排查候选党组织"), [figures.candidates]),
        Row("listed", _("确定为整顿对象"), [figures.listed]),
        Row("not-listed", _("研判不列入"), [figures.not_listed]),
        Row("pending", _("尚未研判"), [figures.pending]),
        Row("closed", _("已销号"), [figures.closed]),
        Row("closed-recovered", _("其中指标恢复后销号"), [figures.closed_recovered]),
        Row("closed-overridden", _("其中经研究未达标销号"), [figures.closed_overridden]),
        Row("open", _("整顿中"), [figures.open]),
    ]
    return Table("rectification", _("整顿软弱涣散基层党组织"), [Column(_("个数"), None)], rows)


@register_table("recruitment_plan", order=101)
def recruitment_plan_table(data: ReportData) -> Table:
    """发展党员计划 against the year's admissions in the subtree, with the seed's mix. The plan
    column is the organization's own plan for the year (0 where it made none)."""
    from dangjian.recruitment.models import RecruitmentPlan
    from dangjian.recruitment.selectors import plan_needed, plan_progress

    progress = plan_progress(data.organization, data.as_of.year, data.as_of)
    plan = RecruitmentPlan.objects.filter(committee=data.organization, year=data.as_of.year).first()

    rows = [
        Row("admitted", _("发展党员"), [plan.admitted if plan else 0, progress.admitted]),
        Row(
            "under-45",
            _("其中45周岁以下"),
            [plan_needed(plan, plan.under_45_percent) if plan else 0, progress.under_45],
        ),
        Row(
            "educated",
            _("其中高中以上文化程度"),
            [plan_needed(plan, plan.educated_percent) if plan else 0, progress.educated],
        ),
        Row(
            "migrant-workers",
            _("其中外出务工经商人员"),
            [plan.migrant_workers if plan else 0, progress.migrant_workers],
        ),
        Row("two-new", _("其中两新组织"), [plan.two_new if plan else 0, progress.two_new]),
    ]
    return Table(
        "recruitment_plan",
        _("发展党员计划完成情况"),
        [Column(_("计划"), None), Column(_("实际"), None)],
        rows,
        note="" if plan is not None else _("本级未制定本年度发展党员计划。"),
    )


@register_table("training_coverage", order=106)
def training_coverage_table(data: ReportData) -> Table:
    """党员教育培训 coverage: by group, the people, those trained in the year, the untrained and
    those with the class hours required (activities.selectors.training_group_counts: the
    groups of training_coverage, counted in the database)."""
    from dangjian.activities.selectors import training_group_counts

    groups = training_group_counts(data.organization, data.as_of.year, data.as_of)
    rows = [
        Row(
            f"group-{group.group.lower()}",
            group.label,
            [group.people, group.trained, group.untrained_count, group.met],
        )
        for group in groups
    ]
    required = _("、").join(f"{g.label} {g.required}" for g in groups)
    return Table(
        "training_coverage",
        _("党员教育培训覆盖"),
        [
            Column(_("人数"), None),
            Column(_("年内参训"), None),
            Column(_("未参训"), None),
            Column(_("达到学时要求"), None),
        ],
        rows,
        note=_("学时要求：%(required)s") % {"required": required},
    )


@register_table("funds", order=160)
def funds_table(data: ReportData) -> Table:
    """党组织工作经费 in the subtree for the year, in whole yuan: the standard, what was received
    by source, what was spent by category, the balance, and organizations below the standard."""
    from decimal import ROUND_HALF_UP, Decimal

    from dangjian.funds.choices import ALLOCATION_CATEGORIES, SPENDING_CATEGORIES, Category
    from dangjian.funds.selectors import per_member_standard, subtree_totals

    # The sums of funds.subtree_summary, counted in the database (decision 0278).
    summary = subtree_totals(data.organization, data.as_of.year, data.as_of)
    total = summary.total

    def yuan(amount: Decimal) -> int:
        return int(amount.quantize(Decimal(1), ROUND_HALF_UP))

    rows = [
        Row("standard", _("应拨付（标准）"), [yuan(total.standard)]),
        Row("received", _("收到拨付"), [yuan(total.received_total)]),
        *(
            Row(
                f"received-{c.value.lower()}",
                _("其中%(what)s") % {"what": c.label},
                [yuan(total.received.get(c, Decimal(0)))],
            )
            for c in Category
            if c in ALLOCATION_CATEGORIES
        ),
        Row("spent", _("支出"), [yuan(total.spent_total)]),
        *(
            Row(
                f"spent-{c.value.lower()}",
                _("其中%(what)s") % {"what": c.label},
                [yuan(total.spent.get(c, Decimal(0)))],
            )
            for c in Category
            if c in SPENDING_CATEGORIES
        ),
        Row("balance", _("结余"), [yuan(total.balance)]),
        Row("below", _("低于标准的党组织（个）"), [summary.below]),
    ]
    return Table(
        "funds",
        _("党组织工作经费"),
        [Column(_("金额（元）"), None)],
        rows,
        note=_("标准：党员每年人均 %(per)s 元，按各党组织直属党员计。")
        % {"per": per_member_standard()},
    )


@register_table("retained_dues", order=161)
def retained_dues_table(data: ReportData) -> Table | None:
    """党费留存与使用 in the subtree for the year, in whole yuan like the funds table: the dues collected, the
    share kept below, what was used by the 2008 rules' uses, the balance (earlier years too)."""
    from decimal import ROUND_HALF_UP, Decimal

    from dangjian.funds.choices import DuesUse
    from dangjian.funds.selectors import retained_share, retained_totals

    # The sums of funds.retained_summary, the uses counted in the database (decision 0278).
    kept = retained_totals(data.organization, data.as_of.year, data.as_of)
    if not kept.has_rows:
        return None
    total = kept.total

    def yuan(amount: Decimal) -> int:
        return int(amount.quantize(Decimal(1), ROUND_HALF_UP))

    rows = [
        Row("collected", _("收缴党费"), [yuan(total.collected)]),
        Row("retained", _("按比例留存"), [yuan(total.retained)]),
        Row("used", _("已使用"), [yuan(total.used_total)]),
        *(
            Row(
                f"used-{use.value.lower()}",
                _("其中%(what)s") % {"what": use.label},
                [yuan(total.used.get(use, Decimal(0)))],
            )
            for use in DuesUse
        ),
        Row("balance", _("留存党费结余"), [yuan(total.balance)]),
    ]
    return Table(
        "retained_dues",
        _("党费留存与使用"),
        [Column(_("金额（元）"), None)],
        rows,
        note=_("留存比例 %(share)s%%（本地做法）；用途依据中组发〔2008〕3号第十九条。")
        % {"share": retained_share() * 100},
    )


@register_table("coverage", order=145)
def coverage_table(data: ReportData) -> Table | None:
    """党组织覆盖 by unit kind: the registered units of the subtree, those with a party
    organization, and those with enough full members for a branch but none (单独组建)."""
    found = data.unit_coverage
    if not found.rows:
        return None
    standalone = {r.unit.pk for r in found.standalone}
    rows = [
        Row(
            f"kind-{k.kind.lower()}",
            k.label,
            [
                k.units,
                k.covered,
                sum(1 for r in found.rows if r.unit.kind == k.kind and r.unit.pk in standalone),
            ],
        )
        for k in found.kinds
    ]
    rows.append(
        Row(
            "total",
            _("合计"),
            [len(found.rows), sum(k.covered for k in found.kinds), len(standalone)],
        )
    )
    return Table(
        "coverage",
        _("党组织覆盖（按单位类别）"),
        [Column(_("单位"), None), Column(_("已建党组织"), None), Column(_("应单独组建未建"), None)],
        rows,
    )


@register_table("league", order=108)
def league_table(data: ReportData) -> Table:
    """党建带团建: youth league and women's organizations of the villages and units, and the young
    and women party members they grow from (decision 0231). 团青比例 = party members aged 35 or
    younger on the date ÷ party members on the roster (the seed: "团青比例不到10%")."""
    from dangjian.members.selectors import (
        YOUNG_SHARE_FLOOR_PERCENT,
        MassFigures,
        mass_organization_totals,
    )

    # Young members and women counted on the report's date, with the report's other
    # per-organization figures (the members' page counts them at the year's end or today).
    roster = {row.path: (row.members, row.young, row.women) for row in data.roster_per_organization}
    totals = mass_organization_totals(data.path, data.as_of.year, roster=roster)
    rows = [
        Row("reporting", _("填报群团组织情况的村（社区）、单位党组织"), [totals.reporting]),
        Row("with-league", _("其中建有团组织"), [totals.with_league]),
        Row("league-members", _("团员人数"), [totals.league_members]),
        Row("with-women", _("其中建有妇女组织"), [totals.with_women_organization]),
        Row("members", _("党员总数"), [totals.members]),
        Row("young", _("35岁及以下党员"), [totals.young_members]),
        Row("women", _("女党员"), [totals.women_members]),
        Row(
            "low-share",
            _("团青比例不到%(floor)d%%的党组织") % {"floor": YOUNG_SHARE_FLOOR_PERCENT},
            [totals.low_share],
        ),
    ]
    share = MassFigures(totals.members, totals.young_members, totals.women_members)
    note = _(
        "团青比例 = 35岁及以下党员 ÷ 党员总数 = %(share)s%%。团组织、团员和妇女组织由各党组织"
        "按年度填报，青年党员和女党员由党员名册统计。"
    ) % {"share": share.young_share_percent}
    return Table("league", _("党建带团建"), [Column(_("个数/人数"), None)], rows, note)


@register_table("unit_organizations", order=146)
def unit_organizations_table(data: ReportData) -> Table | None:
    """党内统计: grassroots organizations by the kind of unit they sit in (党委 with 党工委,
    党总支, 党支部 with joint and temporary branches), beside the registered units of that kind
    with and without a party organization (units.selectors.organizations_by_unit_kind)."""
    from dangjian.units.selectors import organizations_by_unit_kind

    units = [r.unit for r in data.unit_coverage.rows]
    if not units:
        return None
    kinds = organizations_by_unit_kind(
        [
            (kind, unit_kind)
            for _pk, _path, kind, unit_kind, _t in data.organizations
            if kind in GRASSROOTS_KINDS
        ],
        units,
    )

    def values(rows: list[Any]) -> list[int]:
        return [
            sum(r.organizations for r in rows),
            sum(r.committees for r in rows),
            sum(r.general_branches for r in rows),
            sum(r.branches for r in rows),
            sum(r.units for r in rows),
            sum(r.covered for r in rows),
            sum(r.uncovered for r in rows),
        ]

    rows = [Row("total", _("合计"), values(kinds))]
    rows += [Row(k.kind, "　" + k.label, values([k])) for k in kinds]
    return Table(
        "unit_organizations",
        _("基层党组织与单位建立党组织情况（按单位类别）"),
        [
            Column(_("基层党组织"), None),
            Column(_("党委"), None),
            Column(_("党总支"), None),
            Column(_("党支部"), None),
            Column(_("单位数"), None),
            Column(_("已建立党组织"), None),
            Column(_("未建立党组织"), None),
        ],
        rows,
        note=_(
            "党委含党工委；党支部含联合党支部、临时党支部；单位按单位名录，联合党支部覆盖的单位算已建立党组织。"
        ),
    )


@register_table("secretaries", order=107)
def secretaries_table(data: ReportData) -> Table | None:
    """党组织书记 of the subtree in office on the report's day: by age band, education band and
    years in the post, those trained this year, and last year's 述职评议 grades
    (leadership.selectors.secretary_counts: secretary_distribution counted in the database)."""
    from dangjian.leadership.selectors import label_rows, secretary_counts

    found = secretary_counts(data.organization, data.as_of)
    if not found.secretaries:
        return None
    rows = [Row("total", _("书记总数"), [found.secretaries])]
    prefixes = ("age", "education", "tenure", "report")
    for prefix, (title, entries) in zip(prefixes, label_rows(found), strict=True):
        rows += [
            Row(f"{prefix}-{key.lower()}", f"{title} · {label}", [count])
            for key, label, count in entries
        ]
    rows.append(Row("trained", _("本年参加培训"), [found.trained]))
    return Table(
        "secretaries",
        _("党组织书记队伍"),
        [Column(_("人数"), None)],
        rows,
        note=_("在任书记按统计截止日计；任职年限按任现职日期计；述职评议为上一年度。"),
    )
