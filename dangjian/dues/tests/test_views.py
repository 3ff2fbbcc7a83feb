"""Dues pages and API: in-scope users see and act; out-of-scope users get 404 and no names."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.dues import selectors
from dangjian.dues.models import DuesProfile, Payment

from .conftest import generate, pay

JAN, FEB, MAR = (dt.date(2026, m, 1) for m in (1, 2, 3))


def test_calculator_page_is_public_and_answers_in_place(client: Client, db: Any) -> None:
    page = client.get("/dues/calculator/")
    assert page.status_code == 200
    answer = client.get(
        "/dues/calculator/",
        {"category": "employed", "base": "5400"},
        headers={"HX-Request": "true"},
    )
    text = answer.content.decode()
    assert "81.00" in text
    assert "1.5%" in text
    assert "<html" not in text
    missing = client.get("/dues/calculator/", {"category": "retired"}).content.decode()
    assert "请填写月基数" in missing


@pytest.mark.parametrize(
    ("category", "base", "amount", "rate", "rule"),
    [
        ("employed", "3000.01", "30.00", "0.01", "tier"),
        ("retired", "5000.01", "50.00", "0.01", "tier"),
        ("student", None, "0.20", None, "fixed"),
        ("farmer", None, "0.20", None, "farmer"),
    ],
)
def test_calculate_api_needs_no_sign_in(client, db, category, base, amount, rate, rule):
    params = {"category": category} | ({"base": base} if base else {})
    response = client.get("/api/v1/dues/calculate", params)
    assert response.status_code == 200
    body = response.json()
    assert (body["amount"], body["rule"]) == (amount, rule)
    assert body["rate"] == rate
    assert body["explanation"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "banker", "base": "1"}, "category"),
        ({"category": "employed"}, "base"),
        ({"category": "employed", "base": "-3"}, "base"),
    ],
)
def test_calculate_api_errors_say_what_to_fix(client, db, params, field):
    response = client.get("/api/v1/dues/calculate", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_member_dues_page_in_and_out_of_scope(client, dues):
    generate(dues, JAN, FEB)
    pay(dues.zhang, "32.00")
    client.force_login(dues.east_secretary)
    page = client.get(f"/dues/member/{dues.zhang.pk}/")
    assert page.status_code == 200
    assert "2026-01" in page.content.decode()
    client.force_login(dues.west_admin)
    assert client.get(f"/dues/member/{dues.zhang.pk}/").status_code == 404
    assert client.get(f"/dues/member/{dues.zhang.pk}/pay/").status_code == 404


def test_a_member_sees_their_own_dues_only(client, dues):
    client.force_login(dues.member_user)
    assert client.get("/dues/").url == f"/dues/member/{dues.zhang.pk}/"
    assert client.get(f"/dues/member/{dues.zhang.pk}/").status_code == 200
    assert client.get(f"/dues/member/{dues.li.pk}/").status_code == 404
    assert client.get(f"/dues/member/{dues.zhang.pk}/pay/").status_code == 403


def test_recording_three_months_moves_paid_through(client, dues):
    generate(dues, JAN, FEB, MAR)
    client.force_login(dues.east_secretary)
    response = client.post(
        f"/dues/member/{dues.zhang.pk}/pay/",
        {"months": "3", "paid_on": "2026-11-15", "method": "CASH", "receipt_number": "A1"},
    )
    assert response.status_code == 302
    assert selectors.dues_paid_until(dues.zhang) == MAR
    assert Payment.objects.get().amount == Decimal("96.00")


def test_a_bad_payment_shows_the_error_and_keeps_the_input(client, dues):
    client.force_login(dues.east_secretary)
    response = client.post(
        f"/dues/member/{dues.zhang.pk}/pay/",
        {"amount": "32", "paid_on": "2027-01-01", "method": "CASH", "receipt_number": "KEEP-1"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "交纳日期不能晚于今天" in text
    assert "KEEP-1" in text
    assert not Payment.objects.exists()


def test_organization_ledger_generate_and_scope(client, dues):
    client.force_login(dues.east_admin)
    response = client.post(f"/dues/org/{dues.east.pk}/generate/?month=2026-03")
    assert response.status_code == 302
    page = client.get(f"/dues/org/{dues.east.pk}/?month=2026-03").content.decode()
    assert "张三" in page
    assert "32.00" in page
    client.force_login(dues.west_admin)
    assert client.get(f"/dues/org/{dues.east.pk}/").status_code == 404
    assert client.post(f"/dues/org/{dues.east.pk}/generate/").status_code == 404
    assert "张三" not in client.get(f"/dues/org/{dues.west.pk}/?month=2026-03").content.decode()
    client.force_login(dues.east_observer)
    assert client.post(f"/dues/org/{dues.east.pk}/generate/?month=2026-04").status_code == 403
    assert not selectors.LedgerEntry.objects.filter(month=dt.date(2026, 4, 1)).exists()


def test_ledger_page_queries_do_not_grow_with_rows(client, dues, django_assert_max_num_queries):
    generate(dues, JAN)
    client.force_login(dues.county_admin)
    with django_assert_max_num_queries(20):
        assert client.get(f"/dues/org/{dues.county.pk}/?month=2026-01").status_code == 200


def test_base_confirmation_page_confirms_in_one_pass(client, dues):
    client.force_login(dues.east_secretary)
    url = f"/dues/org/{dues.east_village.pk}/confirm/?year=2027"
    page = client.get(url).content.decode()
    assert "3200.00" in page
    form = {
        f"category_{dues.zhang.pk}": "employed",
        f"base_{dues.zhang.pk}": "3600",
        f"category_{dues.li.pk}": "retired",
        f"base_{dues.li.pk}": "5000.01",
    }
    assert client.post(url, form).status_code == 302
    assert DuesProfile.objects.filter(confirmed_year=2027).count() == 2
    bad = client.post(url, form | {f"base_{dues.li.pk}": "五千"}).content.decode()
    assert "请填写数字金额" in bad
    client.force_login(dues.west_admin)
    assert client.get(url).status_code == 404


def test_report_page_and_audited_export(client, dues):
    generate(dues, JAN)
    client.force_login(dues.east_admin)
    page = client.get(f"/dues/org/{dues.east.pk}/report/?year=2026").content.decode()
    assert "李四" in page
    export = client.get(f"/dues/org/{dues.east.pk}/report.xlsx?year=2026&m=1")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1
    client.force_login(dues.west_admin)
    assert client.get(f"/dues/org/{dues.east.pk}/report.xlsx?year=2026").status_code == 404
    assert client.get(f"/dues/org/{dues.east.pk}/report/?year=2026").status_code == 404


def test_panels_on_the_member_and_organization_pages(client, dues):
    generate(dues, dt.date(2026, 11, 1))
    pay(dues.zhang, "32.00")
    client.force_login(dues.east_admin)
    member_page = client.get(f"/members/{dues.zhang.pk}/").content.decode()
    assert 'data-testid="dues-panel"' in member_page
    assert "2026-11" in member_page
    org_page = client.get(dues.east.get_absolute_url()).content.decode()
    assert 'data-testid="dues-org-panel"' in org_page
    figures = client.get(f"/dues/org/{dues.east.pk}/panel/").content.decode()
    assert "82.00" in figures  # 32.00 + 50.00 due in November
    assert "32.00" in figures  # collected
    client.force_login(dues.west_admin)
    assert client.get(f"/dues/org/{dues.east.pk}/panel/").status_code == 404


def test_member_dues_api_in_and_out_of_scope(client, dues):
    generate(dues, JAN)
    pay(dues.zhang, "32.00")
    client.force_login(dues.east_observer)
    body = client.get(f"/api/v1/dues/members/{dues.zhang.pk}").json()
    assert (body["paid_through"], body["monthly_amount"]) == ("2026-01-01", "32.00")
    client.force_login(dues.west_admin)
    response = client.get(f"/api/v1/dues/members/{dues.zhang.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_payment_api_retry_with_the_same_key_records_once(client, dues):
    generate(dues, JAN, FEB, MAR)
    client.force_login(dues.east_secretary)
    body = json.dumps(
        {"member_id": dues.zhang.pk, "paid_on": "2026-11-15", "method": "ONLINE", "months": 3}
    )
    headers = {"Idempotency-Key": "pay-zhang-1"}
    first = client.post(
        "/api/v1/dues/payments", body, content_type="application/json", headers=headers
    )
    again = client.post(
        "/api/v1/dues/payments", body, content_type="application/json", headers=headers
    )
    assert first.status_code == 201
    assert first.json()["paid_through"] == "2026-03-01"
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert selectors.dues_paid_until(dues.zhang) == MAR


def test_payment_api_scope_and_errors(client, dues):
    client.force_login(dues.west_admin)
    body = {"member_id": dues.zhang.pk, "paid_on": "2026-11-15", "method": "CASH", "amount": "32"}
    response = client.post("/api/v1/dues/payments", body, content_type="application/json")
    assert response.status_code == 404
    client.force_login(dues.east_observer)
    response = client.post("/api/v1/dues/payments", body, content_type="application/json")
    assert response.status_code == 403
    client.force_login(dues.east_secretary)
    response = client.post(
        "/api/v1/dues/payments", body | {"paid_on": "2030-01-01"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "paid_on" in response.json()["fields"]
    assert not Payment.objects.exists()


def test_report_api(client, dues):
    generate(dues, JAN)
    client.force_login(dues.county_admin)
    body = client.get(f"/api/v1/dues/organizations/{dues.east.pk}/report", {"year": 2026}).json()
    # January to November (15 November): months without a generated ledger are owed too.
    assert body["due"] == "902.00"
    assert {a["name"] for a in body["arrears"]} == {"张三", "李四"}
    client.force_login(dues.west_admin)
    assert (
        client.get(f"/api/v1/dues/organizations/{dues.east.pk}/report", {"year": 2026}).status_code
        == 404
    )


def test_profile_form_sets_a_new_base_from_a_month(client, dues):
    generate(dues, JAN, FEB, MAR)
    client.force_login(dues.east_secretary)
    url = f"/dues/member/{dues.zhang.pk}/profile/"
    assert "3200" in client.get(url).content.decode()
    response = client.post(
        url, {"category": "employed", "base": "5400", "effective_from": "2026-02"}
    )
    assert response.status_code == 302
    dues_now = selectors.member_dues(dues.zhang, dt.date(2026, 3, 15))
    assert dues_now.calculation is not None
    assert dues_now.calculation.amount == Decimal("81.00")
    account = selectors.dues_accounts([dues.zhang.pk], on=dt.date(2026, 3, 15))[dues.zhang.pk]
    assert [line.due for line in account.lines] == [
        Decimal("32.00"),
        Decimal("81.00"),
        Decimal("81.00"),
    ]
    missing = client.post(url, {"category": "retired", "effective_from": "2026-02"})
    assert "请填写月基数" in missing.content.decode()
    client.force_login(dues.east_observer)
    assert client.get(url).status_code == 403


def test_farmer_amount_form_keeps_within_range(client, dues):
    client.force_login(dues.east_secretary)
    url = f"/dues/org/{dues.east_village.pk}/farmer/"
    bad = client.post(url, {"farmer_amount": "1.20"}).content.decode()
    assert "0.20 至 1.00" in bad
    assert client.post(url, {"farmer_amount": "0.60"}).status_code == 302
    assert selectors.farmer_amount_of(dues.east_village) == Decimal("0.60")
    client.force_login(dues.west_admin)
    assert client.get(url).status_code == 404


def test_english_pages_are_translated(client, dues):
    client.force_login(dues.east_secretary)
    page = client.get(
        f"/dues/member/{dues.zhang.pk}/", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "Dues paid through" in page
    answer = client.get(
        "/api/v1/dues/calculate",
        {"category": "employed", "base": "3200"},
        headers={"Accept-Language": "en"},
    ).json()
    assert answer["explanation"].startswith("Monthly base 3,200.00 yuan × 1%")
