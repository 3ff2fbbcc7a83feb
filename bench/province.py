"""A province shaped like the demo county, written with COPY: the generator shared by
`statistics_report.py` (the annual report) and `province_build.py` (the load test's database).

RULES.md, "Scale": Hunan 2023, 4.274 million members and 212,000 organizations. Counties have
the demo county's size (28,682 members; ages, sexes, education, occupations and statuses drawn
by the demo's own functions) with branches of about 20 members, so that 149 counties reach the
province's 212,000 organizations; they are grouped into 14 cities. Only members, organizations,
memberships and each branch's secretary are written (no services: this is load, not
behaviour); the history of a county (activities, dues, transfers, alerts…) comes from the demo
county itself, which `province_build.py` puts in the province beside the generated ones.
"""

# ruff: noqa: S608 (the SQL here is built from constants and generated numbers, never input)
from __future__ import annotations

import datetime as dt
import functools
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

PROVINCE_MEMBERS = 4_274_000
PROVINCE_ORGANIZATIONS = 212_000
COUNTY_MEMBERS = 28_682
COUNTIES_AT_FULL_SIZE = round(PROVINCE_MEMBERS / COUNTY_MEMBERS)  # 149
CITIES_AT_FULL_SIZE = 14
ORGS_PER_COUNTY = PROVINCE_ORGANIZATIONS // COUNTIES_AT_FULL_SIZE  # about 1,420

Node = tuple[int, str, int]  # (pk, path, depth) of an organization


class Copier:
    """Rows for one model, in the order of its concrete columns, written with COPY."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.defaults = {}
        for f in self.fields:
            if f.has_default() and not callable(f.default):
                self.defaults[f.attname] = f.default
            elif f.null:
                self.defaults[f.attname] = None
            elif f.get_internal_type() in ("CharField", "TextField"):
                self.defaults[f.attname] = ""
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0
        self.seconds = 0.0  # time spent in COPY

    def add(self, **values: Any) -> None:
        merged = {**self.defaults, **values}
        self.rows.append(tuple(merged[f.attname] for f in self.fields))

    def flush(self, cursor: Any) -> int:
        if not self.rows:
            return 0
        started = time.perf_counter()
        table = self.model._meta.db_table
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in self.rows:
                copy.write_row(row)
        count = len(self.rows)
        self.rows = []
        self.written += count
        self.seconds += time.perf_counter() - started
        return count


def counties_for(factor: float) -> tuple[int, int]:
    """(counties, cities) for a share of the province."""
    counties = max(1, round(COUNTIES_AT_FULL_SIZE * factor))
    cities = max(1, min(CITIES_AT_FULL_SIZE, round(CITIES_AT_FULL_SIZE * factor * 4), counties))
    return counties, cities


class ProvinceWriter:
    """Writes organizations, members, memberships and secretaries with COPY, numbering rows
    after the highest ids already in the database (so a real county may already be there)."""

    def __init__(self, as_of: dt.date, *, seed: int = 4274) -> None:
        from django.db import connection
        from django.utils import timezone

        from dangjian.members.models import Member, Membership, Position
        from dangjian.organizations.models import Organization

        self.as_of = as_of
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.models = {
            "org": Organization,
            "member": Member,
            "membership": Membership,
            "position": Position,
        }
        self.copiers = {kind: Copier(model) for kind, model in self.models.items()}
        # Names drawn as the demo's (surname and one or two given characters), with their
        # pinyin keys as the services write them: a search of the province meets the names of
        # real counties (a few thousand distinct names, so cached).
        from dangjian.members.pinyin import pinyin_keys

        self.pinyin = functools.lru_cache(maxsize=None)(pinyin_keys)
        self.ids: dict[str, int] = {}
        with connection.cursor() as cursor:
            for kind, model in self.models.items():
                cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{model._meta.db_table}"')
                self.ids[kind] = cursor.fetchone()[0]
        self.first_ids = dict(self.ids)
        self.generate_seconds = 0.0  # Python time building rows (COPY time is in the copiers)

    def next_id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def written(self, kind: str) -> int:
        return self.ids[kind] - self.first_ids[kind]

    def org(self, parent: Node | None, name: str, kind: str, unit_kind: str) -> Node:
        from dangjian.core.dates import add_years
        from dangjian.organizations.choices import UnitRelation, term_years

        rng = self.rng
        pk = self.next_id("org")
        path = (parent[1] if parent else "/") + f"{pk}/"
        depth = parent[2] + 1 if parent else 0
        years = term_years(kind, unit_kind)
        term_start = self.as_of - dt.timedelta(days=rng.randint(30, years * 365 - 30))
        if rng.random() < 0.04:
            term_start = add_years(term_start, -years)
        self.copiers["org"].add(
            id=pk,
            name=name,
            code=f"B{pk:010d}",
            kind=kind,
            unit_kind=unit_kind,
            unit_relation=UnitRelation.LEGAL_PERSON,
            parent_id=parent[0] if parent else None,
            path=path,
            depth=depth,
            founded_on=dt.date(rng.randint(1950, 2015), 1, 1),
            term_started_on=term_start,
            term_ends_on=add_years(term_start, years),
            created_at=self.now,
            updated_at=self.now,
        )
        return pk, path, depth

    def top(self, cities: int) -> tuple[Node, list[Node]]:
        """The province committee and its cities."""
        from dangjian.organizations.choices import OrgKind, UnitKind

        province = self.org(None, "示范省委", OrgKind.LOCAL_COMMITTEE, UnitKind.OTHER)
        city_nodes = [
            self.org(province, f"第{c + 1}市委", OrgKind.LOCAL_COMMITTEE, UnitKind.OTHER)
            for c in range(cities)
        ]
        return province, city_nodes

    def county(self, city: Node, number: int) -> Node:
        """One county of the demo county's size, rows queued (call `flush`)."""
        from dangjian.core.dates import add_years
        from dangjian.members.choices import (
            Ethnicity,
            HowAdded,
            MemberCategory,
            MemberStatus,
            PositionTitle,
            Sex,
        )
        from dangjian.organizations.choices import OrgKind, UnitKind
        from dangjian.site import demo

        started = time.perf_counter()
        rng, as_of, now = self.rng, self.as_of, self.now
        members = self.copiers["member"]
        memberships = self.copiers["membership"]
        positions = self.copiers["position"]
        profiles = [(UnitKind.VILLAGE, "village")] * 11 + [
            (UnitKind.COMMUNITY, "community"),
            (UnitKind.COMMUNITY, "community"),
            (UnitKind.ORGAN, "office"),
            (UnitKind.ORGAN, "office"),
            (UnitKind.SCHOOL, "school"),
            (UnitKind.HOSPITAL, "hospital"),
            (UnitKind.STATE_ENTERPRISE, "enterprise"),
            (UnitKind.PRIVATE_ENTERPRISE, "enterprise"),
        ]
        county = self.org(city, f"第{number}县委", OrgKind.LOCAL_COMMITTEE, UnitKind.OTHER)
        # 40 committees (2 working committees), 24 general branches, the rest branches.
        branches: list[tuple[Node, str]] = []
        committees = []
        for k in range(40):
            unit_kind, profile = profiles[k % len(profiles)]
            kind = OrgKind.WORKING_COMMITTEE if k >= 38 else OrgKind.PARTY_COMMITTEE
            committees.append((self.org(county, f"党委{k}", kind, unit_kind), unit_kind, profile))
        parents = []
        for g in range(24):
            committee, unit_kind, profile = committees[g % 40]
            parents.append(
                (
                    self.org(committee, f"总支{g}", OrgKind.GENERAL_BRANCH, unit_kind),
                    unit_kind,
                    profile,
                )
            )
        parents += committees
        branch_count = ORGS_PER_COUNTY - 64
        for b in range(branch_count):
            parent, unit_kind, profile = parents[b % len(parents)]
            kind = OrgKind.JOINT_BRANCH if b % 40 == 39 else OrgKind.BRANCH
            branches.append((self.org(parent, f"支部{b}", kind, unit_kind), profile))
        # Members: the county's 28,682 spread over its branches.
        per_branch = [COUNTY_MEMBERS // branch_count] * branch_count
        for i in range(COUNTY_MEMBERS - sum(per_branch)):
            per_branch[i] += 1
        for (branch, profile), size in zip(branches, per_branch, strict=True):
            secretary_done = False
            for _n in range(size):
                pk = self.next_id("member")
                sex = Sex.FEMALE if rng.random() < 0.1167 else Sex.MALE
                birth = demo._birth_date(rng, profile, as_of)
                age = (as_of - birth).days // 365
                earliest = add_years(birth, 18) + dt.timedelta(days=30)
                latest_full = as_of - dt.timedelta(days=400)
                probationary = (rng.random() < 0.025 and age < 45) or earliest > latest_full
                if probationary:
                    joined = max(earliest, as_of - dt.timedelta(days=rng.randint(20, 360)))
                    full_on = None
                else:
                    span = (latest_full - earliest).days
                    joined = earliest + dt.timedelta(days=int(span * rng.betavariate(1.6, 2.4)))
                    full_on = add_years(joined, 1)
                status = MemberStatus.NORMAL
                if profile in ("village", "community") and age < 55 and rng.random() < 0.13:
                    status = MemberStatus.MOBILE
                members.add(
                    id=pk,
                    public_id=uuid.UUID(int=pk),
                    name=(name := demo._name(rng, sex)),
                    name_pinyin=(keys := self.pinyin(name))[0],
                    name_initials=keys[1],
                    sex=sex,
                    ethnicity=Ethnicity.HAN if rng.random() < 0.985 else Ethnicity.TUJIA,
                    id_number_encrypted="-",
                    id_number_hash=f"{pk:064x}",
                    birth_date=birth,
                    education=demo._education(rng, profile, age),
                    occupation=demo._occupation(rng, profile, age),
                    category=MemberCategory.PROBATIONARY if probationary else MemberCategory.FULL,
                    joined_on=joined,
                    full_member_on=full_on,
                    status=status,
                    in_hardship=False,
                    is_retired=False,
                    is_migrant_worker=False,
                    created_at=now,
                    updated_at=now,
                    organization_path=branch[1],  # what the membership trigger would set
                )
                memberships.add(
                    id=self.next_id("membership"),
                    member_id=pk,
                    organization_id=branch[0],
                    started_on=joined,
                    how_added=HowAdded.NEWLY_ADMITTED,
                    is_latest=True,
                )
                if not secretary_done and not probationary:
                    positions.add(
                        id=self.next_id("position"),
                        organization_id=branch[0],
                        member_id=pk,
                        title=PositionTitle.SECRETARY,
                        started_on=as_of - dt.timedelta(days=400),
                    )
                    secretary_done = True
        self.generate_seconds += time.perf_counter() - started
        return county

    def flush(self, cursor: Any) -> None:
        """COPY the queued rows, parents first."""
        for kind in ("org", "member", "membership", "position"):
            self.copiers[kind].flush(cursor)

    def finish(self, cursor: Any) -> None:
        """Move the id sequences past the rows written."""
        for kind, model in self.models.items():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), %s)",
                [max(1, self.ids[kind])],
            )

    def timings(self) -> list[tuple[str, int, float]]:
        """(table, rows, seconds in COPY) per table."""
        return [
            (self.models[kind]._meta.db_table, copier.written, copier.seconds)
            for kind, copier in self.copiers.items()
        ]


def generate(factor: float, as_of: dt.date, progress: Callable[[str], None]) -> dict[str, Any]:
    """A whole province at `factor` (1.0 = 149 counties) into an empty database."""
    from django.db import connection

    counties, cities = counties_for(factor)
    writer = ProvinceWriter(as_of)
    started = time.perf_counter()
    county_nodes: list[Node] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        province, city_nodes = writer.top(cities)
        for c in range(counties):
            county_nodes.append(writer.county(city_nodes[c % cities], c + 1))
            writer.flush(raw)
            progress(
                f"  县 {c + 1}/{counties}: {writer.written('member'):,} 名党员, "
                f"{writer.written('org'):,} 个组织, {time.perf_counter() - started:.0f} s"
            )
        writer.finish(cursor)
        cursor.execute("ANALYZE")
    return {
        "province": province[0],
        "city": city_nodes[0][0],
        "county": county_nodes[0][0],
        "members": writer.written("member"),
        "organizations": writer.written("org"),
        "counties": counties,
        "cities": cities,
        "seconds": time.perf_counter() - started,
        "timings": writer.timings(),
        "generate_seconds": writer.generate_seconds,
    }
