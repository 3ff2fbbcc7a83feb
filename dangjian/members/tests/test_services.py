"""Member services: each write keeps the membership ledger, the archive and the audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core import crypto
from dangjian.core.dates import add_years, today
from dangjian.members import selectors, services
from dangjian.members.choices import (
    ArchiveKind,
    HowAdded,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    PositionTitle,
    Sex,
)
from dangjian.members.idnumbers import make_id_number
from dangjian.members.models import ArchiveEntry, Member, Membership, Position
from dangjian.site.testing import member_record

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1990, 3, 7)
NUMBER = make_id_number("110101", BIRTH, 321, Sex.MALE)
OTHER_NUMBER = make_id_number("110102", BIRTH, 322, Sex.MALE)


record = member_record  # agrees with NUMBER


def create(
    county: Any, *, actor: User | None = None, number: str = NUMBER, **overrides: Any
) -> Member:
    """Register a member in 东村党支部, placed there on the joining date."""
    data = record(**overrides)
    return services.member_create(
        actor=actor or county.east_secretary,
        organization=county.east_village,
        data=data,
        id_number=number,
        how_added=HowAdded.NEWLY_ADMITTED,
        started_on=data["joined_on"],
        reason="支部大会通过",
    )


def codes(error: ValidationError) -> set[str | None]:
    """The codes of a ValidationError, whether it carries field errors or not."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def errors_of(call: Callable[[], Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def audit_events(target: Any, action: AuditAction | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    )
    if action is not None:
        events = events.filter(action=action)
    return list(events.order_by("id"))


def archive(member: Member, kind: ArchiveKind | None = None) -> list[ArchiveEntry]:
    entries = ArchiveEntry.objects.filter(member=member)
    if kind is not None:
        entries = entries.filter(kind=kind)
    return list(entries.order_by("id"))


def rows(member: Member) -> list[Membership]:
    return list(Membership.objects.filter(member=member).order_by("started_on", "id"))


def written() -> tuple[int, int, int, int, int]:
    """Row counts of everything a member service may write."""
    return (
        Member.objects.count(),
        Membership.objects.count(),
        Position.objects.count(),
        ArchiveEntry.objects.count(),
        AuditEvent.objects.count(),
    )


def remove(county: Any, member: Member, how: HowRemoved, on: dt.date) -> Member:
    return services.member_remove(
        actor=county.east_admin, member=member, how_removed=how, on=on, reason="党委决定"
    )


# --- member_create -----------------------------------------------------------------------


def test_member_create_opens_a_membership_row_with_how_added(county):
    """A new member is on the roster of the chosen branch from the start date, as added."""
    member = create(county)
    (row,) = rows(member)
    assert row.organization == county.east_village
    assert row.started_on == dt.date(2015, 7, 1)
    assert row.ended_on is None
    assert row.how_added == HowAdded.NEWLY_ADMITTED
    assert row.is_latest
    assert member.status == MemberStatus.NORMAL


def test_member_create_writes_a_created_archive_entry(county):
    """The archive starts with a CREATED entry naming the branch, the actor and the reason."""
    member = create(county)
    (entry,) = archive(member)
    assert entry.kind == ArchiveKind.CREATED
    assert entry.actor == county.east_secretary
    assert entry.effective_on == dt.date(2015, 7, 1)
    assert entry.after == {"organization": "东村党支部", "how_added": HowAdded.NEWLY_ADMITTED}
    assert entry.reason == "支部大会通过"
    assert "东村党支部" in entry.summary


def test_member_create_writes_a_create_audit_event(county):
    """Creating a member is audited with the actor and the organization."""
    member = create(county)
    (event,) = audit_events(member)
    assert event.action == AuditAction.CREATE
    assert event.actor == county.east_secretary
    assert event.detail == {"organization_id": county.east_village.pk}
    assert "周九" in event.summary


def test_member_create_keeps_the_id_number_encrypted_at_rest(county):
    """The plain ID number appears in no column of the member's row in the database."""
    member = create(county)
    table = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [member.pk])  # noqa: S608
        (row,) = cursor.fetchall()
    stored = " ".join(str(value) for value in row)
    assert NUMBER not in stored
    assert NUMBER[6:14] + NUMBER[14:] not in stored
    assert hashlib.sha256(NUMBER.encode()).hexdigest() not in stored
    assert crypto.decrypt_text(member.id_number_encrypted) == NUMBER


def test_member_create_stores_a_unique_keyed_lookup_hash(county):
    """Each number has its own keyed hash, and the database refuses two members sharing one."""
    member = create(county)
    assert member.id_number_hash == crypto.lookup_hash(NUMBER)
    assert member.id_number_hash != county.li.id_number_hash
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=county.li.pk).update(id_number_hash=member.id_number_hash)


def test_member_create_refuses_a_local_committee(county):
    """Members are registered in a grassroots organization, never directly in the county."""
    before = written()
    errors = errors_of(
        lambda: services.member_create(
            actor=county.county_admin,
            organization=county.county,
            data=record(),
            id_number=NUMBER,
        )
    )
    assert "organization" in errors
    assert written() == before


def test_member_create_refuses_a_start_before_joining(county):
    """A member cannot be placed in a branch before the date they joined the party."""
    errors = errors_of(
        lambda: services.member_create(
            actor=county.east_secretary,
            organization=county.east_village,
            data=record(),
            id_number=NUMBER,
            started_on=dt.date(2015, 6, 30),
        )
    )
    assert set(errors) == {"started_on"}


def test_member_create_computes_pinyin_keys(county):
    """The name is trimmed and its full pinyin and initials are stored for searching."""
    member = create(county, name=" 欧阳修远 ")
    assert member.name == "欧阳修远"
    assert member.name_pinyin == "ouyangxiuyuan"
    assert member.name_initials == "oyxy"


# --- date-order rules --------------------------------------------------------------------


def test_joining_before_eighteen_is_refused(county):
    """A member must have turned 18 on the joining date (党章 art. 1)."""
    errors = errors_of(
        lambda: create(county, joined_on=dt.date(2008, 3, 6), full_member_on=dt.date(2009, 3, 6))
    )
    assert "joined_on" in errors
    assert "18" in errors["joined_on"][0]


def test_joining_on_the_eighteenth_birthday_is_allowed(county):
    """Joining on the day one turns 18 is allowed."""
    member = services.member_create(
        actor=county.east_secretary,
        organization=county.east_village,
        data=record(joined_on=dt.date(2008, 3, 7), full_member_on=dt.date(2009, 3, 7)),
        id_number=NUMBER,
        started_on=dt.date(2008, 3, 7),
    )
    assert member.joined_on == dt.date(2008, 3, 7)


def test_full_membership_within_a_year_of_joining_is_refused(county):
    """Probation lasts one year: full membership earlier than a year after joining is refused."""
    errors = errors_of(lambda: create(county, full_member_on=dt.date(2016, 6, 30)))
    assert set(errors) == {"full_member_on"}
    assert "满一年" in errors["full_member_on"][0]
    assert create(county, full_member_on=dt.date(2016, 7, 1)).full_member_on == dt.date(2016, 7, 1)


def test_probationary_member_with_a_full_membership_date_is_refused(county):
    """A probationary member has no full-membership date yet."""
    errors = errors_of(lambda: create(county, category=MemberCategory.PROBATIONARY))
    assert set(errors) == {"full_member_on"}
    assert "预备党员" in errors["full_member_on"][0]


def test_full_member_without_a_full_membership_date_is_refused(county):
    """A full member must have the date of full membership."""
    errors = errors_of(lambda: create(county, full_member_on=None))
    assert "full_member_on" in errors


def test_future_joining_date_is_refused(county):
    """Dates in the future cannot be recorded."""
    tomorrow = today() + dt.timedelta(days=1)
    errors = errors_of(
        lambda: create(county, category=MemberCategory.PROBATIONARY, joined_on=tomorrow)
    )
    assert "joined_on" in errors
    assert "今天" in errors["joined_on"][0]


def test_future_full_membership_date_is_refused(county):
    """A full-membership date after today is refused."""
    joined = add_years(today(), -1) + dt.timedelta(days=-10)
    errors = errors_of(
        lambda: create(county, joined_on=joined, full_member_on=today() + dt.timedelta(days=1))
    )
    assert set(errors) == {"full_member_on"}
    assert "今天" in errors["full_member_on"][0]


def test_future_birth_date_is_refused(county):
    """A birth date after today is refused even when the ID number agrees with it."""
    tomorrow = today() + dt.timedelta(days=1)
    errors = errors_of(
        lambda: create(
            county,
            number=make_id_number("110101", tomorrow, 5, Sex.MALE),
            birth_date=tomorrow,
            category=MemberCategory.PROBATIONARY,
            joined_on=today(),
            full_member_on=None,
        )
    )
    assert "birth_date" in errors


def test_member_update_applies_the_date_rules(county):
    """Editing the joining date to before the 18th birthday is refused and changes nothing."""
    li = county.li
    errors = errors_of(
        lambda: services.member_update(
            actor=county.east_admin, member=li, changes={"joined_on": dt.date(1990, 1, 1)}
        )
    )
    assert "joined_on" in errors
    li.refresh_from_db()
    assert li.joined_on == dt.date(2005, 7, 1)
    assert archive(li, ArchiveKind.UPDATED) == []


# --- member_update -----------------------------------------------------------------------


def test_member_update_archives_before_after_and_reason(county):
    """A change keeps the old and new values and the reason in the archive, and is audited."""
    zhang = services.member_update(
        actor=county.east_secretary,
        member=county.zhang,
        changes={"phone": "13900002222", "work_unit": "东村村委会", "name": "张三"},
        reason="本人申请",
    )
    assert zhang.phone == "13900002222"
    (entry,) = archive(zhang, ArchiveKind.UPDATED)
    assert entry.plain_before() == {"phone": "13812345678", "work_unit": ""}
    assert entry.plain_after() == {"phone": "13900002222", "work_unit": "东村村委会"}
    assert entry.reason == "本人申请"
    assert entry.actor == county.east_secretary
    (event,) = audit_events(zhang, AuditAction.UPDATE)
    assert event.detail == {"fields": ["phone", "work_unit"]}


def test_member_update_archives_dates_as_text(county):
    """Changed dates are kept in the archive as ISO dates."""
    services.member_update(
        actor=county.east_admin,
        member=county.li,
        changes={"full_member_on": dt.date(2006, 9, 1)},
        reason="核对档案",
    )
    (entry,) = archive(county.li, ArchiveKind.UPDATED)
    assert entry.before == {"full_member_on": "2006-07-01"}
    assert entry.after == {"full_member_on": "2006-09-01"}


def test_member_update_without_a_change_writes_nothing(county):
    """Saving the same values writes no archive entry and no audit event."""
    before = written()
    services.member_update(
        actor=county.east_admin, member=county.zhang, changes={"phone": "13812345678"}
    )
    assert written() == before


def test_member_update_of_the_id_number_archives_only_sealed_values(county):
    """A corrected ID number is archived encrypted and shown masked; the plain numbers appear
    nowhere in the stored entry."""
    zhang = county.zhang
    old = zhang.id_number
    new = make_id_number("110102", zhang.birth_date, 77, Sex.MALE)
    services.member_update(
        actor=county.east_admin, member=zhang, changes={}, id_number=new, reason="号码录错"
    )
    (entry,) = archive(zhang, ArchiveKind.UPDATED)
    assert entry.plain_before() == {"id_number": old}
    assert entry.plain_after() == {"id_number": new}
    assert [(old_shown, new_shown) for _label, old_shown, new_shown in entry.changes()] == [
        (crypto.mask_id_number(old), crypto.mask_id_number(new))
    ]
    text = f"{entry.before} {entry.after} {entry.summary} {entry.reason}"
    assert old not in text
    assert new not in text
    event = audit_events(zhang, AuditAction.UPDATE)[0]
    assert new not in str(event.detail)
    zhang.refresh_from_db()
    assert zhang.id_number == new
    assert Member.objects.filter(id_number_hash=crypto.lookup_hash(new)).get() == zhang
    assert not Member.objects.filter(id_number_hash=crypto.lookup_hash(old)).exists()


def test_member_update_refuses_an_id_number_of_another_member(county):
    """Changing to a number another member holds is refused on the ID field."""
    errors = errors_of(
        lambda: services.member_update(
            actor=county.east_admin,
            member=county.zhang,
            changes={},
            id_number=county.sun.id_number,
        )
    )
    assert set(errors) == {"id_number"}


def test_member_update_refuses_an_id_number_disagreeing_with_the_record(county):
    """A new number whose birth date disagrees with the record is refused on birth_date."""
    new = make_id_number("110101", dt.date(1981, 5, 17), 3, Sex.MALE)
    errors = errors_of(
        lambda: services.member_update(
            actor=county.east_admin, member=county.zhang, changes={}, id_number=new
        )
    )
    assert set(errors) == {"birth_date"}
    county.zhang.refresh_from_db()
    assert county.zhang.id_number != new


def test_member_update_refuses_a_sex_disagreeing_with_the_stored_number(county):
    """Changing only the sex is checked against the stored ID number."""
    errors = errors_of(
        lambda: services.member_update(
            actor=county.east_admin, member=county.zhang, changes={"sex": Sex.FEMALE}
        )
    )
    assert set(errors) == {"sex"}


# --- member_change_status ----------------------------------------------------------------


def test_member_change_status_archives_and_audits(county):
    """Marking a member as mobile is archived with before, after and reason, and audited."""
    zhang = services.member_change_status(
        actor=county.east_secretary,
        member=county.zhang,
        status=MemberStatus.MOBILE,
        reason="外出务工",
    )
    assert zhang.status == MemberStatus.MOBILE
    (entry,) = archive(zhang, ArchiveKind.STATUS_CHANGED)
    assert entry.before == {"status": MemberStatus.NORMAL}
    assert entry.after == {"status": MemberStatus.MOBILE}
    assert entry.reason == "外出务工"
    (event,) = audit_events(zhang, AuditAction.UPDATE)
    assert event.detail == {"status": MemberStatus.MOBILE}
    # A mobile member stays on the roster of their branch.
    assert Membership.objects.get(member=zhang, ended_on__isnull=True).organization == (
        county.east_village
    )


def test_member_change_status_to_the_same_status_writes_nothing(county):
    """Choosing the current status again changes nothing."""
    before = written()
    services.member_change_status(
        actor=county.east_admin, member=county.zhang, status=MemberStatus.NORMAL
    )
    assert written() == before


def test_member_change_status_refuses_statuses_that_remove(county):
    """Statuses that take a member off the roster must go through member_remove."""
    before = written()
    for status in (
        MemberStatus.SUSPENDED,
        MemberStatus.DECEASED,
        MemberStatus.LEFT,
        MemberStatus.TRANSFERRED_OUT,
    ):
        with pytest.raises(ValidationError) as caught:
            services.member_change_status(
                actor=county.east_admin, member=county.zhang, status=status
            )
        assert codes(caught.value) == {"status_needs_removal"}, status
    county.zhang.refresh_from_db()
    assert county.zhang.status == MemberStatus.NORMAL
    assert written() == before


def test_member_change_status_refuses_a_removed_member(county):
    """A removed member comes back only through member_restore."""
    remove(county, county.zhang, HowRemoved.SUSPENDED, dt.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        services.member_change_status(
            actor=county.east_admin, member=county.zhang, status=MemberStatus.NORMAL
        )


# --- member_remove -----------------------------------------------------------------------


REMOVALS = [
    (HowRemoved.DIED, MemberStatus.DECEASED),
    (HowRemoved.EXPELLED, MemberStatus.LEFT),
    (HowRemoved.STRUCK_OFF, MemberStatus.LEFT),
    (HowRemoved.LAPSED, MemberStatus.LEFT),
    (HowRemoved.WITHDREW, MemberStatus.LEFT),
    (HowRemoved.PROBATION_CANCELLED, MemberStatus.LEFT),
    (HowRemoved.SUSPENDED, MemberStatus.SUSPENDED),
    (HowRemoved.TRANSFERRED_OUT, MemberStatus.TRANSFERRED_OUT),
]


@contextmanager
def undone() -> Iterator[None]:
    """A savepoint rolled back on exit, so one test can try several ways from the same state."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def test_member_remove_closes_the_open_row_and_sets_the_status(county):
    """Removal closes the membership row on the date with the way of removal, and the status
    follows the way: death → 已故, the ways of leaving → 出党, suspension, transfer out."""
    for how, status in REMOVALS:
        with undone():
            li = remove(county, county.li, how, dt.date(2024, 5, 6))
            (row,) = rows(li)
            assert (row.ended_on, row.how_removed) == (dt.date(2024, 5, 6), how)
            assert row.is_latest  # the branch that last held the member still sees them
            assert li.status == status, how
            assert not Membership.objects.filter(member=li, ended_on__isnull=True).exists()
    county.li.refresh_from_db()
    assert county.li.status == MemberStatus.NORMAL


def test_member_remove_archives_and_audits(county):
    """Removal is archived with the organization left, the reason and date, and audited."""
    li = services.member_remove(
        actor=county.east_admin,
        member=county.li,
        how_removed=HowRemoved.DIED,
        on=dt.date(2024, 5, 6),
        reason="病故",
    )
    (entry,) = archive(li, ArchiveKind.MEMBERSHIP_ENDED)
    assert entry.effective_on == dt.date(2024, 5, 6)
    assert entry.reason == "病故"
    assert entry.before == {"status": MemberStatus.NORMAL, "organization": "东村党支部"}
    assert entry.after == {"status": MemberStatus.DECEASED, "how_removed": HowRemoved.DIED}
    (event,) = audit_events(li, AuditAction.UPDATE)
    assert event.detail == {"how_removed": HowRemoved.DIED}
    assert event.actor == county.east_admin


def test_member_remove_needs_a_reason(county):
    """Removal without a reason or basis is refused."""
    errors = errors_of(
        lambda: services.member_remove(
            actor=county.east_admin,
            member=county.li,
            how_removed=HowRemoved.EXPELLED,
            on=dt.date(2024, 5, 6),
            reason="  ",
        )
    )
    assert set(errors) == {"reason"}


def test_member_remove_refuses_moves_within(county):
    """Moving within the deployment is membership_move, not a removal."""
    errors = errors_of(lambda: remove(county, county.li, HowRemoved.MOVED_WITHIN, today()))
    assert set(errors) == {"how_removed"}


def test_member_remove_refuses_dates_outside_the_membership(county):
    """Removal cannot predate the current row nor lie in the future."""
    before = written()
    for day in (dt.date(2005, 6, 30), today() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            remove(county, county.li, HowRemoved.DIED, day)
        assert set(caught.value.message_dict) == {"on"}, day
    assert written() == before


def test_member_remove_refuses_a_member_already_removed(county):
    """A member off the roster cannot be removed again."""
    remove(county, county.li, HowRemoved.DIED, dt.date(2024, 5, 6))
    with pytest.raises(ValidationError) as caught:
        remove(county, county.li, HowRemoved.EXPELLED, dt.date(2024, 6, 6))
    assert codes(caught.value) == {"not_on_roster"}


# --- member_restore ----------------------------------------------------------------------


def test_member_restore_reopens_a_suspended_member(county):
    """A suspended member is restored (恢复党籍) with a new open row; is_latest moves to it."""
    remove(county, county.li, HowRemoved.SUSPENDED, dt.date(2024, 1, 10))
    li = services.member_restore(
        actor=county.east_admin,
        member=county.li,
        organization=county.south_village,
        on=dt.date(2024, 9, 1),
        reason="本人申请恢复",
    )
    assert li.status == MemberStatus.NORMAL
    old, new = rows(li)
    assert (old.ended_on, old.is_latest) == (dt.date(2024, 1, 10), False)
    assert new.organization == county.south_village
    assert (new.started_on, new.ended_on, new.is_latest) == (dt.date(2024, 9, 1), None, True)
    assert new.how_added == HowAdded.RESTORED
    (entry,) = archive(li, ArchiveKind.MEMBERSHIP_STARTED)
    assert entry.after == {"organization": "南村党支部", "how_added": HowAdded.RESTORED}
    assert entry.effective_on == dt.date(2024, 9, 1)
    assert entry.reason == "本人申请恢复"
    assert [e.action for e in audit_events(li)] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.UPDATE,
    ]


def test_member_restore_after_leaving_is_not_counted_as_restoration(county):
    """Only a suspended member's return counts as 恢复党籍; other returns are 其他."""
    remove(county, county.li, HowRemoved.TRANSFERRED_OUT, dt.date(2024, 1, 10))
    services.member_restore(
        actor=county.east_admin,
        member=county.li,
        organization=county.east_village,
        on=dt.date(2024, 1, 10),
        reason="转出撤回",
    )
    assert rows(county.li)[-1].how_added == HowAdded.OTHER


def test_member_restore_refuses_a_member_on_the_roster(county):
    """A member still on the roster needs no restoring."""
    with pytest.raises(ValidationError) as caught:
        services.member_restore(
            actor=county.east_admin,
            member=county.li,
            organization=county.east_village,
            on=today(),
            reason="x",
        )
    assert codes(caught.value) == {"on_roster"}


def test_member_restore_refuses_a_date_before_the_removal(county):
    """Restoration cannot predate the removal it undoes."""
    remove(county, county.li, HowRemoved.SUSPENDED, dt.date(2024, 1, 10))
    errors = errors_of(
        lambda: services.member_restore(
            actor=county.east_admin,
            member=county.li,
            organization=county.east_village,
            on=dt.date(2024, 1, 9),
            reason="x",
        )
    )
    assert set(errors) == {"on"}


# --- membership_move ---------------------------------------------------------------------


def test_membership_move_closes_and_opens_on_the_same_date(county):
    """The old row closes and the new opens on the move date: one open row, is_latest moved."""
    on = dt.date(2024, 3, 1)
    new = services.membership_move(
        actor=county.east_admin,
        member=county.zhang,
        organization=county.south_village,
        on=on,
        reason="搬迁",
    )
    old, current = rows(county.zhang)
    assert current == new
    assert (old.organization, old.ended_on, old.how_removed) == (
        county.east_village,
        on,
        HowRemoved.MOVED_WITHIN,
    )
    assert (current.organization, current.started_on, current.how_added) == (
        county.south_village,
        on,
        HowAdded.TRANSFERRED_IN,
    )
    assert Membership.objects.filter(member=county.zhang, ended_on__isnull=True).count() == 1
    assert [r.is_latest for r in (old, current)] == [False, True]
    # The member belongs to exactly one branch on the day before and on the day of the move.
    for day, branch in (
        (on - dt.timedelta(days=1), county.east_village),
        (on, county.south_village),
    ):
        (row,) = selectors.roster_on(county.county, day).filter(member=county.zhang)
        assert row.organization == branch


def test_membership_move_archives_and_audits(county):
    """A move is archived with both organizations and the reason, and audited as MOVE."""
    services.membership_move(
        actor=county.county_admin,
        member=county.zhang,
        organization=county.west_village,
        on=dt.date(2024, 3, 1),
        reason="搬迁",
    )
    (entry,) = archive(county.zhang, ArchiveKind.MEMBERSHIP_STARTED)
    assert entry.before == {"organization": "东村党支部"}
    assert entry.after == {"organization": "西村党支部"}
    assert entry.reason == "搬迁"
    assert entry.effective_on == dt.date(2024, 3, 1)
    (event,) = audit_events(county.zhang, AuditAction.MOVE)
    assert event.detail == {"from": county.east_village.pk, "to": county.west_village.pk}


@pytest.mark.parametrize(
    ("actor", "organization", "on", "field"),
    [
        ("east_admin", "east_village", None, "organization"),
        ("county_admin", "county", None, "organization"),
        ("east_admin", "south_village", dt.date(2005, 6, 30), "on"),
    ],
    ids=["the-same-organization", "a-local-committee", "a-date-before-the-current-row"],
)
def test_membership_move_refuses(county, actor, organization, on, field):
    """A member is not moved to the branch they are in, nor to the county committee itself (a
    committee holds no members), nor on a day before their current membership began: the field
    is named and nothing is written."""
    before = written()
    errors = errors_of(
        lambda: services.membership_move(
            actor=getattr(county, actor),
            member=county.zhang,
            organization=getattr(county, organization),
            on=on or today(),
            reason="x",
        )
    )
    assert set(errors) == {field}
    assert written() == before


def test_membership_move_refuses_a_removed_member(county):
    """A member off the roster cannot be moved."""
    remove(county, county.li, HowRemoved.DIED, dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.membership_move(
            actor=county.east_admin,
            member=county.li,
            organization=county.south_village,
            on=dt.date(2024, 2, 1),
            reason="x",
        )
    assert codes(caught.value) == {"not_on_roster"}


# --- positions ---------------------------------------------------------------------------


def appoint(county: Any, member: Member, title: PositionTitle, **kwargs: Any) -> Position:
    return services.position_assign(
        actor=kwargs.get("actor", county.east_admin),
        organization=kwargs.get("organization", county.east_village),
        member=member,
        title=title,
        started_on=kwargs.get("started_on", dt.date(2023, 1, 1)),
    )


def test_position_assign_archives_and_audits(county):
    """An appointment is recorded as a position, in the member's archive, and in the audit."""
    position = appoint(county, county.zhang, PositionTitle.SECRETARY)
    assert (position.organization, position.member, position.ended_on) == (
        county.east_village,
        county.zhang,
        None,
    )
    (entry,) = archive(county.zhang, ArchiveKind.POSITION_STARTED)
    assert entry.after == {"organization": "东村党支部", "title": PositionTitle.SECRETARY}
    assert entry.effective_on == dt.date(2023, 1, 1)
    (event,) = audit_events(position, AuditAction.CREATE)
    assert event.actor == county.east_admin


def test_only_one_secretary_at_a_time(county):
    """A second secretary is refused until the first is relieved."""
    first = appoint(county, county.zhang, PositionTitle.SECRETARY)
    with pytest.raises(ValidationError) as caught:
        appoint(county, county.li, PositionTitle.SECRETARY)
    assert "已有在任书记" in caught.value.messages[0]
    services.position_end(actor=county.east_admin, position=first, ended_on=dt.date(2024, 1, 1))
    second = appoint(county, county.li, PositionTitle.SECRETARY, started_on=dt.date(2024, 1, 1))
    assert second.ended_on is None


def test_a_committee_may_have_several_members_beside_the_secretary(county):
    """Deputy secretaries and committee members sit beside the one secretary."""
    appoint(county, county.zhang, PositionTitle.SECRETARY)
    appoint(county, county.li, PositionTitle.DEPUTY_SECRETARY)
    appoint(county, county.wang, PositionTitle.COMMITTEE_MEMBER)
    appoint(county, county.zhao, PositionTitle.COMMITTEE_MEMBER)
    assert Position.objects.filter(organization=county.east_village).count() == 4


def test_a_member_holds_one_open_position_per_organization(county):
    """The same member cannot hold two open positions in one organization."""
    appoint(county, county.zhang, PositionTitle.SECRETARY)
    with pytest.raises(ValidationError) as caught:
        appoint(county, county.zhang, PositionTitle.COMMITTEE_MEMBER)
    assert "已在本组织任职" in caught.value.messages[0]


def test_a_committee_may_appoint_members_of_its_subtree(county):
    """A township committee may appoint a member of one of its branches."""
    position = appoint(county, county.zhang, PositionTitle.SECRETARY, organization=county.east)
    assert position.organization == county.east


def test_only_members_of_the_subtree_may_be_appointed(county):
    """A member of another township cannot be appointed in this branch."""
    before = written()
    with pytest.raises(ValidationError) as caught:
        appoint(county, county.sun, PositionTitle.SECRETARY, actor=county.county_admin)
    assert codes(caught.value) == {"position_outsider"}
    assert written() == before


def test_a_removed_member_cannot_be_appointed(county):
    """A member off the roster cannot be appointed, even where they last belonged."""
    remove(county, county.li, HowRemoved.DIED, dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as caught:
        appoint(county, county.li, PositionTitle.COMMITTEE_MEMBER)
    assert codes(caught.value) == {"position_outsider"}


def test_position_end_archives_and_audits(county):
    """Relieving a member of a position dates it, and is archived and audited once."""
    position = appoint(county, county.zhang, PositionTitle.SECRETARY)
    ended = services.position_end(
        actor=county.east_admin, position=position, ended_on=dt.date(2024, 6, 30), reason="换届"
    )
    assert ended.ended_on == dt.date(2024, 6, 30)
    (entry,) = archive(county.zhang, ArchiveKind.POSITION_ENDED)
    assert (entry.effective_on, entry.reason) == (dt.date(2024, 6, 30), "换届")
    assert [e.action for e in audit_events(position)] == [AuditAction.CREATE, AuditAction.UPDATE]
    # Ending it again changes nothing.
    services.position_end(actor=county.east_admin, position=position, ended_on=dt.date(2025, 1, 1))
    assert len(archive(county.zhang, ArchiveKind.POSITION_ENDED)) == 1
    position.refresh_from_db()
    assert position.ended_on == dt.date(2024, 6, 30)


def test_position_end_refuses_a_date_before_the_start(county):
    """A position cannot end before it started."""
    position = appoint(county, county.zhang, PositionTitle.SECRETARY)
    errors = errors_of(
        lambda: services.position_end(
            actor=county.east_admin, position=position, ended_on=dt.date(2022, 12, 31)
        )
    )
    assert set(errors) == {"ended_on"}


# --- member_reveal -----------------------------------------------------------------------


def test_member_reveal_returns_the_value_and_audits_it(county):
    """A secretary sees the full numbers, and each reveal is audited with its field."""
    number = services.member_reveal(
        actor=county.east_secretary, member=county.zhang, field="id_number"
    )
    phone = services.member_reveal(actor=county.east_admin, member=county.zhang, field="phone")
    assert (number, phone) == (county.zhang.id_number, "13812345678")
    first, second = audit_events(county.zhang, AuditAction.REVEAL)
    assert (first.actor, first.detail) == (county.east_secretary, {"field": "id_number"})
    assert (second.actor, second.detail) == (county.east_admin, {"field": "phone"})
    assert number not in first.summary


def test_member_reveal_refuses_roles_that_may_not_see(county):
    """An observer, an administrator elsewhere and a plain member get PermissionDenied."""
    for user in ("east_observer", "west_admin", "member_user"):
        for field in ("id_number", "phone"):
            with pytest.raises(PermissionDenied):
                services.member_reveal(
                    actor=getattr(county, user), member=county.zhang, field=field
                )
    assert audit_events(county.zhang, AuditAction.REVEAL) == []


# --- scope -------------------------------------------------------------------------------


def _position(county: Any) -> Position:
    return appoint(county, county.zhang, PositionTitle.SECRETARY)


WRITES: dict[str, Callable[[Any, Any], Any]] = {
    "member_create": lambda county, actor: create(county, actor=actor),
    "member_update": lambda county, actor: services.member_update(
        actor=actor, member=county.zhang, changes={"phone": "13000000000"}
    ),
    "member_change_status": lambda county, actor: services.member_change_status(
        actor=actor, member=county.zhang, status=MemberStatus.MOBILE
    ),
    "member_remove": lambda county, actor: services.member_remove(
        actor=actor,
        member=county.zhang,
        how_removed=HowRemoved.DIED,
        on=dt.date(2024, 1, 1),
        reason="x",
    ),
    "member_restore": lambda county, actor: services.member_restore(
        actor=actor,
        member=remove(county, county.zhang, HowRemoved.SUSPENDED, dt.date(2024, 1, 1)),
        organization=county.west_village,
        on=dt.date(2024, 6, 1),
        reason="x",
    ),
    "membership_move": lambda county, actor: services.membership_move(
        actor=actor,
        member=county.zhang,
        organization=county.west_village,
        on=dt.date(2024, 1, 1),
        reason="x",
    ),
    "position_assign": lambda county, actor: services.position_assign(
        actor=actor,
        organization=county.east_village,
        member=county.zhang,
        title=PositionTitle.SECRETARY,
        started_on=dt.date(2024, 1, 1),
    ),
    "position_end": lambda county, actor: services.position_end(
        actor=actor, position=_position(county), ended_on=dt.date(2024, 1, 1)
    ),
}


@pytest.mark.parametrize("service", sorted(WRITES))
def test_write_services_refuse_users_out_of_scope(county, service):
    """Another township's administrator, an observer and a member may not write."""
    for user in ("west_admin", "east_observer", "member_user"):
        actor = getattr(county, user)
        with pytest.raises(PermissionDenied), transaction.atomic():
            WRITES[service](county, actor)
        assert not ArchiveEntry.objects.filter(actor=actor).exists(), user
        assert not AuditEvent.objects.filter(actor=actor).exists(), user
    county.zhang.refresh_from_db()
    assert county.zhang.phone == "13812345678"
    assert rows(county.zhang)[-1].organization == county.east_village


def test_a_secretary_writes_only_in_their_own_branch(county):
    """A branch secretary cannot move a member into a neighbouring branch."""
    with pytest.raises(PermissionDenied):
        services.membership_move(
            actor=county.east_secretary,
            member=county.zhang,
            organization=county.south_village,
            on=dt.date(2024, 1, 1),
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        services.member_update(actor=county.east_secretary, member=county.qian, changes={})


def test_restore_into_an_organization_out_of_scope_is_refused(county):
    """An administrator cannot restore a member into another township."""
    remove(county, county.li, HowRemoved.SUSPENDED, dt.date(2024, 1, 1))
    with pytest.raises(PermissionDenied):
        services.member_restore(
            actor=county.east_admin,
            member=county.li,
            organization=county.west_village,
            on=dt.date(2024, 6, 1),
            reason="x",
        )
    (row,) = rows(county.li)
    assert row.ended_on == dt.date(2024, 1, 1)


# --- bulk registration and appointments ----------------------------------------------------


def new_member(
    county: Any, name: str, serial: int, id_number: str = "", **overrides: Any
) -> services.NewMember:
    """A row of a batch for 南村党支部; the number is made from `serial` unless given."""
    return services.NewMember(
        organization=county.south_village,
        data=record(name=name, **overrides),
        id_number=id_number or make_id_number("110105", BIRTH, serial, Sex.MALE),
        how_added=HowAdded.NEWLY_ADMITTED,
    )


def test_member_bulk_create_registers_each_member_with_archive_and_one_audit_event(county):
    """A batch puts every member on the roster with a CREATED entry, audited once."""
    before = AuditEvent.objects.count()
    created = services.member_bulk_create(
        actor=county.east_admin,
        entries=[new_member(county, "甲一", 1), new_member(county, "乙二", 2)],
        reason="年度导入",
    )
    assert [m.name for m in created] == ["甲一", "乙二"]
    for member in created:
        (row,) = rows(member)
        assert (row.organization, row.started_on, row.how_added, row.is_latest) == (
            county.south_village,
            dt.date(2015, 7, 1),
            HowAdded.NEWLY_ADMITTED,
            True,
        )
        (entry,) = archive(member)
        assert (entry.kind, entry.actor, entry.reason) == (
            ArchiveKind.CREATED,
            county.east_admin,
            "年度导入",
        )
        assert member.id_number not in member.id_number_encrypted
        assert member.name_initials
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.detail["count"]) == (AuditAction.CREATE, 2)


def test_member_bulk_create_is_all_or_nothing_with_row_numbers(county):
    """One bad row stops the whole batch, and the message names the row and the field."""
    before = written()
    with pytest.raises(ValidationError) as caught:
        services.member_bulk_create(
            actor=county.east_admin,
            entries=[
                new_member(county, "甲一", 1),
                new_member(county, "乙二", 2, full_member_on=dt.date(2015, 12, 1)),
            ],
        )
    (message,) = caught.value.messages
    assert message.startswith("第 2 行 转正日期")
    assert written() == before


def test_member_bulk_create_reports_duplicates_in_the_batch_and_the_database(county):
    """A number repeated in the file, or already registered, is named by row."""
    repeated = make_id_number("110105", BIRTH, 9, "1")
    with pytest.raises(ValidationError) as caught:
        services.member_bulk_create(
            actor=county.east_admin,
            entries=[
                new_member(county, "甲一", 0, id_number=repeated),
                new_member(county, "乙二", 0, id_number=repeated),
                new_member(
                    county,
                    "丙三",
                    0,
                    id_number=county.qian.id_number,
                    birth_date=county.qian.birth_date,
                    joined_on=county.qian.joined_on,
                    full_member_on=county.qian.full_member_on,
                ),
            ],
        )
    messages = caught.value.messages
    assert any(m.startswith("第 2 行") and "与第 1 行" in m for m in messages)
    assert any(m.startswith("第 3 行") and "已登记" in m for m in messages)
    assert not any(m.startswith("第 1 行") for m in messages)


def test_member_bulk_create_keeps_each_invalid_numbers_own_message(county):
    """Two rows with malformed numbers are each told what is wrong, not that they repeat."""
    with pytest.raises(ValidationError) as caught:
        services.member_bulk_create(
            actor=county.east_admin,
            entries=[
                new_member(county, "甲一", 0, id_number="123"),
                new_member(county, "乙二", 0, id_number="4567"),
            ],
        )
    assert caught.value.messages == [
        "第 1 行 公民身份号码：身份证号码应为18位，当前为3位，请核对。",
        "第 2 行 公民身份号码：身份证号码应为18位，当前为4位，请核对。",
    ]


def test_member_bulk_create_refuses_an_organization_out_of_scope(county):
    """An administrator cannot register members in another township, even in a batch."""
    before = written()
    with pytest.raises(PermissionDenied):
        services.member_bulk_create(
            actor=county.west_admin, entries=[new_member(county, "甲一", 1)]
        )
    assert written() == before


def test_position_bulk_assign_archives_each_and_audits_once(county):
    """Appointing several leaders at once archives each appointment and audits the batch."""
    before = AuditEvent.objects.count()
    count = services.position_bulk_assign(
        actor=county.east_admin,
        assignments=[
            (county.east_village, county.zhang, PositionTitle.SECRETARY, dt.date(2023, 1, 1)),
            (county.east, county.li, PositionTitle.COMMITTEE_MEMBER, dt.date(2023, 1, 1)),
        ],
    )
    assert count == 2
    assert Position.objects.filter(ended_on__isnull=True).count() == 2
    assert len(archive(county.zhang, ArchiveKind.POSITION_STARTED)) == 1
    assert len(archive(county.li, ArchiveKind.POSITION_STARTED)) == 1
    assert AuditEvent.objects.count() == before + 1


def test_position_bulk_assign_refuses_outsiders_and_other_townships(county):
    """The batch follows the same rules: members of the subtree only, in scope only."""
    with pytest.raises(ValidationError) as caught:
        services.position_bulk_assign(
            actor=county.county_admin,
            assignments=[
                (county.east_village, county.sun, PositionTitle.SECRETARY, dt.date(2023, 1, 1))
            ],
        )
    assert codes(caught.value) == {"position_outsider"}
    with pytest.raises(PermissionDenied):
        services.position_bulk_assign(
            actor=county.west_admin,
            assignments=[
                (county.east_village, county.zhang, PositionTitle.SECRETARY, dt.date(2023, 1, 1))
            ],
        )
    assert not Position.objects.exists()
