"""The audit log: append-only in the application and (PostgreSQL) in the database; the
administrators' page shows what happened in their subtree and nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.audit.services import audit_record
from dangjian.members import services as member_services

pytestmark = pytest.mark.django_db


def test_audit_rows_cannot_be_changed_or_deleted_through_the_application(county: Any) -> None:
    """save() of an existing row, delete(), queryset update() and delete() all refuse."""
    event = audit_record(actor=county.east_admin, action=AuditAction.EXPORT, summary="导出名册")
    event.summary = "改过的"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="改过的")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"summary": "x"})
    assert AuditEvent.objects.get(pk=event.pk).summary == "导出名册"


def test_the_database_refuses_raw_changes_on_postgresql(county: Any) -> None:
    """Raw SQL past the model is stopped by a trigger on PostgreSQL."""
    event = audit_record(actor=county.east_admin, action=AuditAction.EXPORT, summary="导出名册")
    if connection.vendor != "postgresql":
        pytest.skip(
            "the trigger exists only on PostgreSQL (SQLite's test runner empties with DELETE)"
        )
    for sql in (
        "UPDATE audit_auditevent SET summary = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == "导出名册"


def _page(client: Any, user: Any, **params: str) -> Any:
    client.force_login(user)
    return client.get(reverse("ops:audit"), params)


def test_administrator_sees_their_subtree_only(county: Any, client: Any) -> None:
    """The east administrator sees what the east secretary did, not what the west one did."""
    member_services.member_update(
        actor=county.east_secretary, member=county.li, changes={"post": "村主任"}
    )
    member_services.member_update(
        actor=county.west_admin, member=county.sun, changes={"post": "会计"}
    )
    response = _page(client, county.east_admin)
    assert response.status_code == 200
    body = response.content.decode()
    assert "李四" in body
    assert "孙八" not in body
    assert "西镇" not in body


def test_filters_narrow_the_list(county: Any, client: Any) -> None:
    """By action, by actor and by date; an empty result says how to widen it."""
    audit_record(actor=county.east_secretary, action=AuditAction.EXPORT, summary="导出东村名册")
    audit_record(actor=county.east_secretary, action=AuditAction.REVEAL, summary="查看李四身份证")
    body = _page(client, county.east_admin, action="EXPORT").content.decode()
    assert "导出东村名册" in body
    assert "查看李四身份证" not in body
    body = _page(client, county.east_admin, actor="secretary", q="李四").content.decode()
    assert "查看李四身份证" in body
    assert "导出东村名册" not in body
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    body = _page(client, county.east_admin, date_from=tomorrow).content.decode()
    assert "没有符合条件的审计记录" in body
    bad = _page(client, county.east_admin, date_from="2026-05-02", date_to="2026-05-01")
    assert "截止日期不能早于起始日期" in bad.content.decode()


def test_htmx_gets_only_the_results(county: Any, client: Any) -> None:
    client.force_login(county.county_admin)
    response = client.get(reverse("ops:audit"), {"action": "CREATE"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<nav" not in body


@pytest.mark.parametrize("who", ["east_secretary", "east_observer", "member_user"])
def test_non_administrators_get_404(county: Any, client: Any, who: str) -> None:
    assert _page(client, getattr(county, who)).status_code == 404


def test_audit_list_query_count_does_not_grow(
    county: Any, client: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        audit_record(actor=county.east_secretary, action=AuditAction.REVEAL, summary=f"查看 {n}")
    client.force_login(county.east_admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("ops:audit")).status_code == 200
