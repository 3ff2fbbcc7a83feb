"""The one account of a member's months (`selectors.dues_accounts`): months nobody generated are
owed all the same, and a payment keeps the months it paid when it was recorded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from dangjian.dues import rules, selectors, services
from dangjian.dues.choices import DuesCategory
from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved
from dangjian.site.testing import system_user

from .conftest import generate, pay

JAN, SEP, OCT, NOV, DEC = (dt.date(2026, m, 1) for m in (1, 9, 10, 11, 12))
MONTHLY = Decimal("32.00")  # 张三: employed, 3200


def _paid_through_september(dues):
    generate(dues, *rules.months_between(JAN, SEP))
    pay(dues.zhang, str(MONTHLY * 9), dt.date(2026, 9, 10))


def test_months_without_a_ledger_are_owed(dues):
    """Paid through September, ledger generated through September: on 15 December October and
    November are owed (December is still open), whether or not anyone generated them."""
    _paid_through_september(dues)
    member_page = selectors.member_dues(dues.zhang, dt.date(2026, 12, 15))
    assert (member_page.unpaid_months, member_page.outstanding) == (2, MONTHLY * 2)
    account = selectors.dues_accounts([dues.zhang.pk], on=dt.date(2026, 12, 15))[dues.zhang.pk]
    assert account.paid_through == SEP
    assert [line.month for line in account.arrears] == [OCT, NOV]


def test_a_month_is_in_arrears_from_the_day_after_it_ends(dues):
    """The boundary: on 30 November only October is overdue; on its last day November is too."""
    _paid_through_september(dues)

    def owed(day: dt.date) -> int:
        return selectors.dues_accounts([dues.zhang.pk], on=day)[dues.zhang.pk].unpaid_months

    assert owed(dt.date(2026, 11, 29)) == 1
    assert owed(dt.date(2026, 11, 30)) == 2


def test_a_member_owes_nothing_after_leaving_the_roster(dues):
    """Removed on 1 November: October (on the roster at its end) is owed, November is not."""
    _paid_through_september(dues)
    member_services.member_remove(
        actor=system_user(),
        member=dues.zhang,
        how_removed=HowRemoved.DIED,
        on=dt.date(2026, 11, 1),
        reason="病故",
    )
    account = selectors.dues_accounts([dues.zhang.pk], on=dt.date(2026, 12, 20))[dues.zhang.pk]
    assert [line.month for line in account.arrears] == [OCT]


def test_a_recorded_payment_keeps_its_months_when_the_ledger_is_generated_later(dues):
    """Paid for October to December in October; December's ledger generated in December: the
    payment still paid October to December on the member page, in the archive and in storage."""
    generate(dues, *rules.months_between(JAN, SEP))
    with time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=dt.UTC), tick=False):
        pay(dues.zhang, str(MONTHLY * 9), dt.date(2026, 10, 12))  # January to September
        payment = pay(dues.zhang, str(MONTHLY * 3), dt.date(2026, 10, 12))
    assert selectors.payment_months(payment) == (OCT, DEC)
    entry = dues.zhang.archive.order_by("-pk").first()
    assert "2026-10 至 2026-12" in entry.summary
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC), tick=False):
        generate(dues, DEC)
        detail = selectors.member_dues(dues.zhang)
    assert detail.payments[0][0] == payment
    assert detail.payments[0][1:] == (OCT, DEC)
    assert detail.paid_through == DEC
    assert selectors.payment_months(payment) == (OCT, DEC)


def test_a_base_raised_afterwards_leaves_the_months_and_shows_the_difference_owed(dues):
    _paid_through_september(dues)
    with time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=dt.UTC), tick=False):
        payment = pay(dues.zhang, str(MONTHLY * 3), dt.date(2026, 10, 12))
    services.profile_set(
        actor=system_user(),
        member=dues.zhang,
        category=DuesCategory.EMPLOYED,
        base=Decimal("5400"),  # 81.00 a month from October
        effective_from=OCT,
    )
    from dangjian.dues.models import PaymentMonth  # the stored months (new in decision 0071)

    assert list(PaymentMonth.objects.filter(payment=payment).values_list("month", "amount")) == [
        (OCT, MONTHLY),
        (NOV, MONTHLY),
        (DEC, MONTHLY),
    ]
    account = selectors.dues_accounts([dues.zhang.pk], on=dt.date(2026, 12, 15))[dues.zhang.pk]
    assert account.paid_through == SEP
    assert account.outstanding == (Decimal("81.00") - MONTHLY) * 2  # October and November
    # The next payment fills the oldest difference first.
    pay(dues.zhang, str(Decimal("81.00") - MONTHLY), dt.date(2026, 11, 15))
    assert selectors.dues_paid_until(dues.zhang) == OCT


def test_the_art9_run_counts_months_nobody_generated(dues):
    """Nothing paid since May, ledger only through June: on 1 December the run June–November is
    six months (listed); on 30 November it is five (July's alert boundary, not listed)."""
    generate(dues, *rules.months_between(JAN, dt.date(2026, 6, 1)))
    pay(dues.zhang, str(MONTHLY * 5), dt.date(2026, 5, 10))  # January to May
    names = lambda day: [m.name for m in selectors.members_with_unpaid_months(dues.east, day)]  # noqa: E731
    assert "张三" in names(dt.date(2026, 12, 1))
    assert "张三" not in names(dt.date(2026, 11, 29))
    (zhang,) = [
        m
        for m in selectors.members_with_unpaid_months(dues.east, dt.date(2026, 12, 1))
        if m.name == "张三"
    ]
    assert (zhang.unpaid_months, zhang.unpaid_since) == (6, dt.date(2026, 6, 1))  # type: ignore[attr-defined]


def test_the_report_lists_the_long_unpaid_from_its_own_arrears(
    client, dues, django_capture_on_commit_callbacks
):
    """The report's 6-month list and its arrears table come from the same accounts: never the
    sentence "没有…" above a table of members owing twelve months."""
    generate(dues, JAN)  # the ledger stops in January; nobody pays
    with time_machine.travel(dt.datetime(2026, 12, 20, 9, tzinfo=dt.UTC), tick=False):
        client.force_login(dues.county_admin)
        page = client.get(f"/dues/org/{dues.county.pk}/report/", {"year": 2026}).content.decode()
        report = selectors.organization_report(dues.county, 2026)
    (li,) = [r for r in report.arrears if r.name == "李四"]
    assert (li.unpaid_months, li.unpaid_run) == (11, 11)
    assert {r.name for r in report.long_unpaid(6)} == {"张三", "李四"}
    assert 'data-testid="long-unpaid"' in page
    assert "没有连续6个月以上未交党费的党员" not in page
    # A year with nothing long unpaid says so.
    with time_machine.travel(dt.datetime(2026, 12, 20, 9, tzinfo=dt.UTC), tick=False):
        # The payments drop the county's cached report when they commit (decision 0260).
        with django_capture_on_commit_callbacks(execute=True):
            pay(dues.li, str(Decimal("50.00") * 11), dt.date(2026, 12, 20))
            pay(dues.zhang, str(MONTHLY * 7), dt.date(2026, 12, 20))  # four months still owed
        page = client.get(f"/dues/org/{dues.county.pk}/report/", {"year": 2026}).content.decode()
    assert "没有连续6个月以上未交党费的党员" in page
