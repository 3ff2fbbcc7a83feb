"""A township administrator opens the dashboard, follows an alert to its fix and sees it resolved."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from dangjian.alerts.models import Alert, AlertStatus
from dangjian.alerts.services import alerts_recompute
from dangjian.members.models import Member

pytestmark = pytest.mark.browser


def test_township_dashboard_alert_to_fix_to_resolved(page, county, sign_in):
    Member.objects.filter(pk=county.li.pk).update(joined_on=dt.date(1990, 1, 1))  # aged 14
    alerts_recompute(root=county.county)
    alert = Alert.objects.get(rule="data_quality", subject=f"member:{county.li.pk}")
    sign_in(page, "east")
    dashboard = page.get_by_test_id("dashboard-alerts")
    expect(dashboard).to_contain_text("李四 的档案有误：入党时未满18岁")
    dashboard.get_by_role("link", name="李四 的档案有误：入党时未满18岁。").click()
    expect(page.get_by_test_id("alert-history")).to_contain_text("发现")
    page.get_by_role("link", name="去处理").click()
    page.get_by_label("入党日期").fill("2005-07-01")
    page.get_by_label("原因").fill("核对入党志愿书，原录入有误")
    page.get_by_role("button", name="保存").click()
    page.goto(f"/alerts/{alert.pk}")
    page.get_by_role("button", name="重新检查").click()
    expect(page.locator(".alert-success")).to_contain_text("预警已消除")
    expect(page.get_by_test_id("alert-history")).to_contain_text("已消除")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
