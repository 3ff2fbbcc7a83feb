"""What organizational life adds to the member page and the organization page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.extensions import TodoItem
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Member
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import kept, periods, selectors
from .choices import ActivityKind, FrequencyPeriod

MEMBER_PANEL_LIMIT = 30
# A number no activity's key is, reversed once and replaced by each row's key.
_URL_MARK = 987654321987
# Each kind's label (lazy: translated when the panel is rendered).
_KIND_LABELS = dict(ActivityKind.choices)


def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    """The member's organizational life: every activity attended, anywhere (the member page
    has already checked that the viewer may see this member)."""
    scope = scope_for(request.user)
    # Only the fields the panel shows: each of the rows built three model instances in full.
    rows = list(
        selectors.member_life(member).only(
            "is_guest",
            "activity__on",
            "activity__kind",
            "activity__topic",
            "activity__organization__name",
            "activity__organization__path",
        )[: MEMBER_PANEL_LIMIT + 1]
    )
    year = today().year
    # One URL reversed for the page, not one per row (30 reversals were a tenth of the panel).
    url = reverse("activities:detail", args=[_URL_MARK])
    for row in rows:
        # The label from one table: `get_kind_display` builds the table of labels again for
        # each row, translating every one of them (a tenth of the member page's CPU).
        row.kind_label = _KIND_LABELS.get(row.activity.kind, row.activity.kind)  # type: ignore[attr-defined]
        if scope.can_read_path(row.activity.organization.path):
            row.url = url.replace(str(_URL_MARK), str(row.activity_id))  # type: ignore[attr-defined]
    on = today()
    exemption = next((e for e in selectors.life_exemptions(member) if e.runs_on(on)), None)
    membership = member_selectors.open_membership(member)
    elsewhere = list(selectors.member_life_elsewhere(member)[:MEMBER_PANEL_LIMIT])
    for life in elsewhere:
        life.kind_label = _KIND_LABELS.get(life.kind, life.kind)  # type: ignore[attr-defined]
    latest = ([rows[0].activity.on] if rows else []) + ([elsewhere[0].on] if elsewhere else [])
    last = max(latest, default=None)
    return {
        "exemption": exemption,
        "can_manage": membership is not None
        and scope.can_manage_path(membership.organization.path),
        "rows": rows[:MEMBER_PANEL_LIMIT],
        "more": len(rows) > MEMBER_PANEL_LIMIT,
        "limit": MEMBER_PANEL_LIMIT,
        "last": last,
        "elsewhere": elsewhere,
        "year": year,
        "hours": selectors.training_hours([member.pk], year)[member.pk],
    }


def organization_panel(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    if organization.kind == "PARTY_GROUP":
        return None
    # A big subtree's from its kept figure (decision 0283): two quarters of a province's
    # activities must not hold up the organization page. None while the worker counts one
    # never counted (decision 0287).
    quarters = kept.organization_panel(organization, refresh=figures.wants_refresh(request))
    if quarters is None:
        last_quarter = periods.quarter_of(periods.quarter_of(today()).start - dt.timedelta(days=1))
        return {"kept": figures.PENDING, "year": last_quarter.start.year}
    quarter, last = quarters
    return {"quarter": quarter, "previous": last, "year": last.period.start.year}


def home_panel(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    """A committee's dashboard: the weakest organizations by compliance last quarter, from the
    figure cache (a county's roll-up reads a year of activities)."""
    if organization.kind in BRANCH_KINDS:
        return None  # a branch sees what it still has to hold under 本月待办
    value = kept.dashboard(organization, refresh=figures.wants_refresh(request))
    if value is None:  # the worker counts a big subtree's never counted (decision 0287)
        return {"kept": figures.PENDING, "year": today().year}
    if not value["branches"]:
        return None
    period = value["period"]
    value["period"] = periods.quarter_of(dt.date.fromisoformat(period)).label
    value["current"] = periods.quarter_of(dt.date.fromisoformat(value["current"])).label
    for row in value["children"]:
        row["percent"] = round(100 * row["held"] / row["required"]) if row["required"] else 100
    for row in value["weakest"]:
        row["missing_text"] = _("、").join(
            _("%(kind)s %(held)d/%(required)d")
            % {"kind": selectors.KindCount(kind).label, "held": held, "required": required}
            for kind, held, required in row["missing"]
        )
    return {"compliance": value, "year": dt.date.fromisoformat(period).year}


def todo(request: HttpRequest, organization: Organization, on: dt.date) -> list[TodoItem]:
    """A branch's organizational life still to hold this month, this quarter and (from
    October) this year, from the frequency table."""
    if organization.kind not in BRANCH_KINDS:
        return []
    rules = selectors.frequency_rules()
    wanted = {
        FrequencyPeriod.MONTH: (periods.month(on.year, on.month), _("本月")),
        FrequencyPeriod.QUARTER: (periods.quarter_of(on), _("本季度")),
    }
    if on.month >= 10:
        wanted[FrequencyPeriod.YEAR] = (periods.year(on.year), _("本年"))
    results = selectors.compliance_by_branch_many(
        organization, [period for period, _label in wanted.values()], on=on, rules=rules
    )
    url = reverse("activities:create") + f"?org={organization.pk}"
    items = []
    for (frequency, (_period, label)), by_branch in zip(wanted.items(), results, strict=True):
        missing = [
            c
            for c in by_branch.get(organization.pk, [])
            if rules[c.kind].period == frequency and not c.met
        ]
        if missing:
            kinds = _("、").join(
                _("%(kind)s（%(held)d/%(required)d）")
                % {"kind": c.label, "held": c.held, "required": c.required}
                for c in missing
            )
            link = url + (f"&kind={missing[0].kind}" if len(missing) == 1 else "")
            items.append(
                TodoItem(_("%(when)s还应召开：%(kinds)s") % {"when": label, "kinds": kinds}, link)
            )
    return items
