"""软弱涣散 (issue 19): the county administrator starts the year's review, reads the candidates
with their evidence, rule and source, lists one for rectification with a cadre, measures and a
deadline, is refused closing while the indicators have not recovered and closes it on a recorded
override."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from dangjian.core.dates import today
from dangjian.organizations.models import Organization
from dangjian.rectification.defaults import seed_criteria
from dangjian.rectification.models import Case, CaseStatus, Criterion

from .conftest import follow_nav

pytestmark = pytest.mark.browser


def test_county_lists_candidates_with_evidence_and_opens_and_closes_a_case(page, county, sign_in):
    seed_criteria(Criterion)  # a transactional test before this one flushed the seeded rows
    Criterion.objects.exclude(indicator__in=["term_overdue", "leadership"]).update(active=False)
    Organization.objects.filter(pk=county.south_village.pk).update(
        term_ends_on=dt.date(2025, 6, 30)
    )
    sign_in(page, "county")
    follow_nav(page, "软弱涣散")
    page.get_by_role("button", name="开展年度排查").click()
    first = page.get_by_test_id("candidate").first
    # South village: term overdue and no secretary, two criteria: ranked first.
    expect(first).to_contain_text("南村党支部")
    expect(first).to_contain_text("符合 2 项情形")
    expect(first).to_contain_text("本届任期至 2025-06-30")
    expect(first).to_contain_text("党章第三十一条")
    expect(first).to_contain_text("书记空缺 1 个")
    first.get_by_role("link", name="研判").click()
    page.get_by_label("确定为整顿对象").check()
    page.get_by_label("理由").fill("换届逾期一年以上，书记空缺")
    page.get_by_label("联系指导干部").fill("县委组织部 陈干部")
    page.get_by_label("整顿措施").fill("三个月内选出书记并完成换届")
    page.get_by_label("整顿时限").fill((today() + dt.timedelta(days=90)).isoformat())
    page.get_by_role("button", name="保存研判结果").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录研判结果")
    page.get_by_test_id("candidate").first.get_by_role("link", name="整顿情况").click()
    expect(page.get_by_test_id("case-status")).to_have_text("整顿中")
    expect(page.get_by_test_id("case-check")).to_contain_text("未恢复")
    page.get_by_role("button", name="销号").click()
    expect(page.locator(".alert-danger")).to_contain_text("以下指标尚未恢复，不能销号")
    expect(page.get_by_test_id("case-status")).to_have_text("整顿中")
    page.get_by_label("未达标销号理由").fill("经县委常委会研究：已并入东村党支部")
    page.get_by_role("button", name="销号").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已销号")
    expect(page.get_by_role("main")).to_contain_text("经县委常委会研究：已并入东村党支部")
    case = Case.objects.get()
    assert case.status == CaseStatus.CLOSED
    assert case.override_reason == "经县委常委会研究：已并入东村党支部"
