"""Alert rules over the domain apps' records, on both sides of each threshold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.alerts.engine import RULES
from dangjian.alerts.models import Alert
from dangjian.alerts.services import alerts_recompute
from dangjian.recruitment.tests.helpers import new_applicant


def test_recruitment_deadline_alerts_the_day_after_it_passes(county: Any) -> None:
    applicant = new_applicant(county)  # applied 2022-01-10: first talk due by 2022-02-10
    find = RULES["recruitment_deadline"].find
    assert list(find(county.county, dt.date(2022, 2, 10))) == []
    cases = list(find(county.county, dt.date(2022, 2, 11)))
    assert [c.subject for c in cases] == [f"applicant:{applicant.pk}:2"]
    assert cases[0].organization_id == applicant.organization_id
    assert "2022-02-10" in cases[0].message
    alerts_recompute(root=county.county, on=dt.date(2022, 2, 11), only=["recruitment_deadline"])
    assert Alert.objects.filter(rule="recruitment_deadline", status="OPEN").count() == 1
