"""Dues services: profiles, the monthly ledger, payments, 交至 and arrears."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.dues import rules, selectors, services
from dangjian.dues.choices import DuesCategory, Rule
from dangjian.dues.models import DuesProfile, LedgerEntry, Payment
from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved, MemberStatus
from dangjian.members.models import ArchiveEntry
from dangjian.site.testing import system_user

from .conftest import generate, pay

JAN, FEB, MAR, APR, MAY, JUN = (dt.date(2026, m, 1) for m in range(1, 7))
JUL, AUG, SEP, OCT, NOV, DEC = (dt.date(2026, m, 1) for m in range(7, 13))


def in_force(profiles: list[DuesProfile], month: dt.date) -> DuesProfile:
    profile = selectors.profile_in_force(profiles, month)
    assert profile is not None
    return profile


def due(member: Any, month: dt.date) -> Decimal:
    return LedgerEntry.objects.get(member=member, month=month).amount_due


def test_ledger_generation_is_idempotent(dues):
    """Running the month twice creates nothing the second time and changes nothing."""
    first, second = generate(dues, MAR, MAR)
    assert (first.created, first.without_profile) == (2, 3)  # 赵六 joins in June
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert LedgerEntry.objects.filter(month=MAR).count() == 2
    assert due(dues.zhang, MAR) == Decimal("32.00")
    assert due(dues.li, MAR) == Decimal("50.00")
    entry = LedgerEntry.objects.get(member=dues.zhang, month=MAR)
    assert (entry.rule, entry.rate, entry.organization) == (
        Rule.TIER,
        Decimal("0.01"),
        dues.east_village,
    )


def test_a_mid_year_base_change_affects_months_from_its_effective_month_only(dues):
    generate(dues, MAY, JUN, JUL, AUG)
    services.profile_set(
        actor=system_user(),
        member=dues.zhang,
        category=DuesCategory.EMPLOYED,
        base=Decimal("5400"),
        effective_from=dt.date(2026, 7, 20),  # the month the new wage is first paid
    )
    assert [due(dues.zhang, m) for m in (MAY, JUN, JUL, AUG)] == [
        Decimal("32.00"),
        Decimal("32.00"),
        Decimal("81.00"),
        Decimal("81.00"),
    ]
    (again,) = generate(dues, AUG)
    assert (again.created, again.updated) == (0, 0)


def test_probationary_members_owe_from_the_branch_meeting_date(dues):
    """赵六 joined (branch meeting) on 2026-06-01: nothing in May, dues from June."""
    services.profile_set(
        actor=system_user(),
        member=dues.zhao,
        category=DuesCategory.STUDENT,
        base=None,
        effective_from=JUN,
    )
    generate(dues, MAY, JUN)
    assert not LedgerEntry.objects.filter(member=dues.zhao, month=MAY).exists()
    assert due(dues.zhao, JUN) == Decimal("0.20")
    with pytest.raises(ValidationError) as error:
        services.profile_set(
            actor=system_user(),
            member=dues.zhao,
            category=DuesCategory.STUDENT,
            base=None,
            effective_from=MAY,
        )
    assert "effective_from" in error.value.message_dict


def test_exemption_needs_the_branch_decision_and_approval_and_owes_nothing(dues):
    with pytest.raises(ValidationError) as error:
        services.profile_set(
            actor=system_user(),
            member=dues.wang,
            category=DuesCategory.EMPLOYED,
            base=Decimal("2000"),
            effective_from=MAR,
            reduced_amount=Decimal("0"),
        )
    assert {"reduction_decision", "reduction_approved_by"} <= set(error.value.message_dict)
    services.profile_set(
        actor=system_user(),
        member=dues.wang,
        category=DuesCategory.EMPLOYED,
        base=Decimal("2000"),
        effective_from=MAR,
        reduced_amount=Decimal("0"),
        reduction_decision="2026-02-20 支部委员会决定",
        reduction_approved_by="东镇党委",
    )
    generate(dues, MAR, APR)
    entry = LedgerEntry.objects.get(member=dues.wang, month=MAR)
    assert (entry.amount_due, entry.rule) == (Decimal("0.00"), Rule.EXEMPT)
    # An exempt member is never in arrears.
    assert dues.wang not in selectors.members_with_unpaid_months(
        dues.county, dt.date(2026, 11, 1), 1
    )


def test_a_reduction_above_the_standard_amount_is_refused(dues):
    with pytest.raises(ValidationError) as error:
        services.profile_set(
            actor=system_user(),
            member=dues.wang,
            category=DuesCategory.EMPLOYED,
            base=Decimal("2000"),
            effective_from=MAR,
            reduced_amount=Decimal("50"),
            reduction_decision="支部决定",
            reduction_approved_by="东镇党委",
        )
    assert "reduced_amount" in error.value.message_dict


def test_farmers_pay_the_branch_setting_within_range(dues):
    services.farmer_amount_set(
        actor=system_user(), organization=dues.east_village, amount=Decimal("0.50")
    )
    with pytest.raises(ValidationError):
        services.farmer_amount_set(
            actor=system_user(), organization=dues.east_village, amount=Decimal("1.50")
        )
    services.profile_set(
        actor=system_user(),
        member=dues.wang,
        category=DuesCategory.FARMER,
        base=None,
        effective_from=MAR,
    )
    generate(dues, MAR)
    assert due(dues.wang, MAR) == Decimal("0.50")


def test_paid_through_moves_with_payments_and_arrears_are_filled_first(dues):
    generate(dues, JAN, FEB, MAR, APR)
    assert selectors.dues_paid_until(dues.zhang) is None
    pay(dues.zhang, "64.00", dt.date(2026, 2, 10))
    assert selectors.dues_paid_until(dues.zhang) == FEB
    pay(dues.zhang, "16.00", dt.date(2026, 3, 10))  # half of March: not yet paid through March
    assert selectors.dues_paid_until(dues.zhang) == FEB
    pay(dues.zhang, "48.00", dt.date(2026, 4, 10))
    assert selectors.dues_paid_until(dues.zhang) == APR
    assert selectors.dues_paid_until_many([dues.zhang.pk, dues.li.pk]) == {
        dues.zhang.pk: APR,
        dues.li.pk: None,
    }


def test_prepayment_across_a_year_boundary(dues):
    """Paying four months in November covers November to February of the next year."""
    generate(dues, *rules.months_between(JAN, NOV))
    pay(dues.zhang, str(Decimal("32.00") * 10))  # January to October
    assert selectors.dues_paid_until(dues.zhang) == OCT
    assert selectors.amount_for_months(dues.zhang, 5) == Decimal("160.00")
    pay(dues.zhang, "160.00")  # 预交 November to March
    assert selectors.dues_paid_until(dues.zhang) == dt.date(2027, 3, 1)
    detail = selectors.member_dues(dues.zhang)
    assert detail.payments[0][1:] == (NOV, dt.date(2027, 3, 1))
    assert detail.outstanding == 0


def test_paid_through_does_not_depend_on_the_order_payments_were_entered(dues):
    generate(dues, JAN, FEB, MAR, APR, MAY, JUN)
    pay(dues.zhang, "96.00", dt.date(2026, 6, 5))  # entered first, dated later
    pay(dues.zhang, "64.00", dt.date(2026, 2, 5))  # entered second, dated earlier
    assert selectors.dues_paid_until(dues.zhang) == MAY
    detail = selectors.member_dues(dues.zhang)
    # Listed newest first; each paid the oldest months open when it was recorded, and keeps
    # them (decision 0071): the one entered first paid January to March.
    assert [p[1:] for p in detail.payments] == [(JAN, MAR), (APR, MAY)]


def test_a_payment_beyond_two_years_ahead_is_refused_and_nothing_is_written(dues):
    generate(dues, JAN)
    before = (Payment.objects.count(), ArchiveEntry.objects.count())
    with pytest.raises(ValidationError) as error:
        pay(dues.zhang, "100000")
    assert "amount" in error.value.message_dict
    assert (Payment.objects.count(), ArchiveEntry.objects.count()) == before


def test_voluntary_payments_of_1000_or_more_go_to_the_central_level(dues):
    generate(dues, JAN)
    small = pay(dues.zhang, "32.00", voluntary_amount=Decimal("999.99"))
    large = pay(dues.zhang, "0", voluntary_amount=Decimal("1000.00"))
    assert (small.to_central, large.to_central) == (False, True)
    # Voluntary money does not move 交至.
    assert selectors.dues_paid_until(dues.zhang) == JAN
    report = selectors.organization_report(dues.county, 2026, 11)
    assert report.to_central == Decimal("1000.00")
    assert report.voluntary == Decimal("1999.99")


def test_payment_records_method_receipt_recorder_archive_and_audit(dues):
    generate(dues, JAN)
    payment = pay(
        dues.zhang, "32.00", method="TRANSFER", receipt_number="R-001", actor=dues.east_secretary
    )
    assert (payment.method, payment.receipt_number, payment.recorded_by) == (
        "TRANSFER",
        "R-001",
        dues.east_secretary,
    )
    assert payment.organization == dues.east_village
    entry = dues.zhang.archive.order_by("-pk").first()
    assert "32.00" in entry.summary
    assert "2026-01" in entry.summary
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_id=str(payment.pk)).exists()
    with pytest.raises(ValidationError) as error:
        pay(dues.zhang, "32.00", receipt_number="R-001")
    assert "receipt_number" in error.value.message_dict


def test_a_payment_needs_a_dues_profile_first(dues):
    with pytest.raises(ValidationError) as error:
        pay(dues.wang, "10.00")
    assert "党费档案" in error.value.message_dict["amount"][0]


def test_bad_payments_get_field_errors(dues):
    with pytest.raises(ValidationError) as error:
        pay(dues.zhang, "0", paid_on=dt.date(2026, 12, 1), method="CHEQUE")
    assert {"amount", "paid_on", "method"} <= set(error.value.message_dict)


def test_out_of_scope_actors_cannot_write(dues):
    generate(dues, JAN)
    with pytest.raises(PermissionDenied):
        pay(dues.zhang, "32.00", actor=dues.west_admin)
    with pytest.raises(PermissionDenied):
        services.ledger_generate(actor=dues.west_admin, organization=dues.east, month=JAN)
    with pytest.raises(PermissionDenied):
        services.profile_set(
            actor=dues.east_observer,
            member=dues.zhang,
            category=DuesCategory.STUDENT,
            base=None,
            effective_from=JAN,
        )
    assert not Payment.objects.exists()


def test_members_with_six_consecutive_months_unpaid(dues):
    generate(dues, *rules.months_between(JAN, OCT))
    pay(dues.zhang, str(Decimal("32.00") * 5))  # January to May: June–October unpaid (5)
    on = dt.date(2026, 11, 15)
    listed = selectors.members_with_unpaid_months(dues.county, on)
    assert [m.name for m in listed] == ["李四"]  # paid nothing: ten months
    assert (listed[0].unpaid_months, listed[0].unpaid_since) == (10, JAN)  # type: ignore[attr-defined]
    assert [m.name for m in selectors.members_with_unpaid_months(dues.county, on, months=5)] == [
        "李四",
        "张三",
    ]
    # Out of the subtree: nobody.
    assert selectors.members_with_unpaid_months(dues.west, on) == []


def test_arrears_never_change_membership_status(dues):
    generate(dues, *rules.months_between(JAN, OCT))
    selectors.members_with_unpaid_months(dues.county, dt.date(2026, 11, 15))
    dues.li.refresh_from_db()
    assert dues.li.status == MemberStatus.NORMAL


def test_a_member_who_left_cannot_pay_but_keeps_their_paid_through(dues):
    generate(dues, JAN, FEB)
    pay(dues.zhang, "64.00")
    member_services.member_remove(
        actor=system_user(),
        member=dues.zhang,
        how_removed=HowRemoved.DIED,
        on=dt.date(2026, 11, 1),
        reason="病故",
    )
    with pytest.raises(ValidationError):
        pay(dues.zhang, "32.00")
    assert selectors.dues_paid_until(dues.zhang) == FEB


def test_report_due_collected_and_arrears(dues):
    generate(dues, *rules.months_between(JAN, DEC))
    pay(dues.zhang, str(Decimal("32.00") * 12))
    # On 15 November the year runs: due through November, arrears through October.
    report = selectors.organization_report(dues.east, 2026)
    assert report.due == Decimal("32.00") * 11 + Decimal("50.00") * 11
    assert report.collected == Decimal("384.00")
    assert [(r.name, r.outstanding, r.unpaid_months) for r in report.arrears] == [
        ("李四", Decimal("500.00"), 10)
    ]
    # Once the year is over, the report is taken at its end: all twelve months.
    ended = selectors.organization_report(dues.east, 2026, on=dt.date(2027, 3, 1))
    assert ended.due == Decimal("32.00") * 12 + Decimal("50.00") * 12
    assert [(r.name, r.outstanding, r.unpaid_months) for r in ended.arrears] == [
        ("李四", Decimal("600.00"), 12)
    ]
    assert selectors.organization_report(dues.west, 2026).due == 0


def test_base_confirmation_confirms_or_changes_everyone_in_one_pass(dues):
    rows = selectors.confirmation_rows(dues.east_village, 2027)
    assert [r["member"].name for r in rows if r["last_year"]] == ["李四", "张三"]
    count = services.base_confirm(
        actor=dues.east_secretary,
        organization=dues.east_village,
        year=2027,
        rows=[
            (dues.zhang, DuesCategory.EMPLOYED, Decimal("3500")),
            (dues.li, DuesCategory.RETIRED, Decimal("5000.01")),
        ],
    )
    assert count == 2
    profiles = selectors.profiles_by_member([dues.zhang.pk, dues.li.pk])
    jan = dt.date(2027, 1, 1)
    assert in_force(profiles[dues.zhang.pk], jan).base == Decimal("3500")
    assert in_force(profiles[dues.li.pk], jan).confirmed_year == 2027
    # The old base still holds for December.
    assert in_force(profiles[dues.zhang.pk], DEC).base == Decimal("3200")


def test_base_confirmation_is_all_or_nothing(dues):
    with pytest.raises(ValidationError):
        services.base_confirm(
            actor=dues.east_secretary,
            organization=dues.east_village,
            year=2027,
            rows=[
                (dues.zhang, DuesCategory.EMPLOYED, Decimal("3500")),
                (dues.li, DuesCategory.RETIRED, None),
            ],
        )
    profiles = selectors.profiles_by_member([dues.zhang.pk])
    assert in_force(profiles[dues.zhang.pk], dt.date(2027, 1, 1)).base == Decimal("3200")


def test_export_is_audited(dues):
    generate(dues, JAN)
    data = services.report_export(
        actor=dues.east_admin, organization=dues.east, year=2026, month=None
    )
    assert data[:2] == b"PK"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=dues.east_admin).exists()
    with pytest.raises(PermissionDenied):
        services.report_export(actor=dues.west_admin, organization=dues.east, year=2026, month=None)
