"""The unit registry and coverage: credit codes checked, members matched by 工作单位, units with
3 full members and no organization (单独组建), fewer (联合组建), coverage by kind; scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.members.models import Member
from dangjian.organizations.choices import UnitKind
from dangjian.units import selectors, services

CODE = "91110000600037341L"  # a valid unified social credit code (GB 32100)


def unit(county: Any, name: str, **fields: Any) -> Any:
    return services.unit_create(
        actor=county.east_admin,
        area=county.east,
        name=name,
        kind=fields.pop("kind", UnitKind.PRIVATE_ENTERPRISE),
        **fields,
    )


def works_at(name: str, *members: Any) -> None:
    Member.objects.filter(pk__in=[m.pk for m in members]).update(work_unit=name)


def test_credit_codes_are_checked_and_registered_once(county: Any) -> None:
    saved = unit(county, "宏达建材", credit_code="9111 0000 6000 3734 1l")
    assert saved.credit_code == CODE
    with pytest.raises(ValidationError) as refused:
        unit(county, "另一家", credit_code=CODE)
    assert refused.value.error_dict["credit_code"][0].code == "credit_code_taken"
    with pytest.raises(ValidationError) as refused:
        unit(county, "错码公司", credit_code="91110000600037341M")  # wrong check character
    assert refused.value.error_dict["credit_code"][0].code == "credit_code"
    assert unit(county, "未领照", credit_code="").credit_code == ""
    with pytest.raises(PermissionDenied):
        services.unit_create(
            actor=county.west_admin, area=county.east, name="x", kind=UnitKind.OTHER
        )
    with pytest.raises(ValidationError) as refused:
        unit(county, "越界", organization=county.west_village)
    assert refused.value.error_dict["organization"][0].code == "organization_outside"
    assert AuditEvent.objects.filter(target_type="units.unit").count() == 2


def test_three_full_members_and_no_organization_is_a_standalone_branch(county: Any) -> None:
    unit(county, "宏达建材")
    unit(county, "顺通物流")
    unit(county, "东村合作社", organization=county.east_village, kind=UnitKind.OTHER)
    works_at("宏达 建材", county.zhang, county.li, county.wang)  # spaces do not matter
    works_at("顺通物流", county.qian, county.zhao)  # 赵六 is probationary
    found = selectors.coverage(county.east, dt.date(2026, 11, 30))
    assert [r.unit.name for r in found.standalone] == ["宏达建材"]
    assert [(r.unit.name, r.full_members, r.members) for r in found.joint] == [("顺通物流", 1, 2)]
    kinds = {k.kind: (k.units, k.covered, k.rate) for k in found.kinds}
    assert kinds == {UnitKind.PRIVATE_ENTERPRISE: (2, 0, 0), UnitKind.OTHER: (1, 1, 100)}
    # Two full members only: no longer standalone but joint.
    works_at("", county.wang)
    found = selectors.coverage(county.east, dt.date(2026, 11, 30))
    assert found.standalone == []
    assert {r.unit.name for r in found.joint} == {"宏达建材", "顺通物流"}


def test_the_report_table_and_the_pages_in_and_out_of_scope(county: Any) -> None:
    from dangjian.reports.report import report_compute

    unit(county, "宏达建材", credit_code=CODE)
    unit(county, "东村合作社", organization=county.east_village, kind=UnitKind.OTHER)
    works_at("宏达建材", county.zhang, county.li, county.wang)
    table = report_compute(county.east, dt.date(2026, 11, 30)).table("coverage")
    assert table is not None
    assert table.row("total").values == [2, 1, 1]
    assert report_compute(county.west, dt.date(2026, 11, 30)).find_table("coverage") is None
    client = Client()
    client.force_login(county.east_admin)
    page = client.get(reverse("units:index"), {"org": county.east.pk}).content.decode()
    assert "宏达建材" in page
    assert CODE in page
    api = client.get(f"/api/v1/units/{county.east.code}").json()
    assert api["standalone"] == ["宏达建材"]
    client.force_login(county.west_admin)
    assert client.get(reverse("units:index"), {"org": county.east.pk}).status_code == 404
    assert "宏达建材" not in client.get(reverse("units:index")).content.decode()
    assert client.get(f"/api/v1/units/{county.east.code}").status_code == 404
    client.force_login(county.east_secretary)  # a branch reads units of its own area only
    assert client.get(reverse("units:index"), {"org": county.east.pk}).status_code == 404
