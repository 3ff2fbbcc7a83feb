"""Rules over the domain apps' records, through the selectors each app provides for alerts.

Each is registered like the base rules; its tests sit beside the app's own in
dangjian/alerts/tests/test_domain_rules.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.organizations.models import Organization

from .engine import Case, Rule, register_rule

RECRUITMENT_RULES = gettext_lazy("《中国共产党发展党员工作细则》")


def recruitment_deadlines(root: Organization, on: dt.date) -> Iterator[Case]:
    from dangjian.recruitment.selectors import deadlines

    for item in deadlines(root, on):
        if not item.overdue:
            continue
        applicant = item.applicant
        yield Case(
            organization_id=applicant.organization_id,
            subject=f"applicant:{applicant.pk}:{int(item.step)}",
            message=_("%(name)s 的“%(step)s”应于 %(due)s 前完成，已逾期。")
            % {"name": applicant.name, "step": item.step.label, "due": item.due_on.isoformat()},
            fix=_("按规定时限办理并在发展党员纪实中登记（%(rule)s，%(source)s）。")
            % {"rule": item.rule, "source": item.source},
            url=applicant.get_absolute_url(),
        )


register_rule(
    Rule(
        "recruitment_deadline",
        gettext_lazy("发展党员时限"),
        RECRUITMENT_RULES,
        recruitment_deadlines,
    )
)
