"""The demo county's annual report reproduces the seed report's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.reports.report import report_compute
from dangjian.reports.tables import ReportData, member_cube
from dangjian.site import demo

SEED_SENTENCE = (
    "共有基层党组织913个(其中:党委40个、党总支24个、党支部849个);共有党员28682名。"
    "其中:男25334名,占88.3%;女3348名,占11.7%"
)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """Build the county once for this module (about 20 s) in a transaction rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.build_demo_county()
        yield Organization.objects.get(kind=OrgKind.LOCAL_COMMITTEE)
        transaction.set_rollback(True)


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_report_reproduces_the_seed_figures(built):
    """913 / 40 / 24 / 849 / 28682 / 25334 / 3348, and every member table adds up to the total."""
    report = report_compute(built, demo.REFERENCE_DAY)
    assert report.opening_sentence == SEED_SENTENCE
    assert report.summary.startswith(SEED_SENTENCE + ";少数民族")
    assert report.table("organizations").row("total").values == [913, 40, 24, 849]
    total = report.value("members", "total")
    assert total == 28_682
    for key in ("age", "occupation", "joined"):
        assert sum(row.values[0] for row in report.table(key).rows) == total, key
    education = report.table("education")
    assert sum(r.values[0] for r in education.rows if r.key != "college") == total
    # An aging rural membership: over a quarter aged 61 and over (the seed report's concern).
    assert report.value("age", "61-") / total > 0.25
    assert "没有40岁以下的党员" in report.summary
    assert "流动党员" in report.summary


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_cube_is_one_query(built, django_assert_num_queries):
    """Every member table of the county is read from one grouped query."""
    with django_assert_num_queries(1):
        rows = member_cube(built.path, demo.REFERENCE_DAY)
    assert sum(r.count for r in rows) == 28_682
    data = ReportData(organization=built, as_of=dt.date(2026, 10, 1))
    assert data.margin("sex", ["1"])[0] == 25_334
