from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "dangjian.recruitment"
    verbose_name = _("发展党员")

    def ready(self) -> None:
        from dangjian.core.extensions import (
            DemoStep,
            NavItem,
            Panel,
            TodoSource,
            register_demo_step,
            register_nav,
            register_panel,
            register_todo,
        )
        from dangjian.members.caching import invalidate_everything_on_change, invalidate_on_change

        from . import demo, panels
        from .models import Applicant, StepRecord, TimeRule

        # The to-do list's deadlines (core.extensions.kept_todo_items) read these rows.
        invalidate_on_change(Applicant)
        invalidate_on_change(StepRecord, _step_organizations)
        invalidate_everything_on_change(TimeRule)
        register_nav(NavItem(_("发展党员"), "recruitment:index", 40, visible=_reads_organizations))
        register_panel(
            "organization",
            Panel("recruitment", 40, "recruitment/panel_organization.html", panels.organization),
        )
        register_panel(
            "member", Panel("recruitment", 40, "recruitment/panel_member.html", panels.member)
        )
        register_todo(TodoSource("recruitment", 30, panels.todo))
        register_demo_step(DemoStep("recruitment", 40, demo.run))
        register_demo_step(DemoStep("recruitment plans", 45, demo.build_plans))


def _step_organizations(record: Any) -> list[int]:
    """The organization of a step record's applicant (none once the applicant is deleted: its
    own deletion invalidated it)."""
    from .models import Applicant

    return list(
        Applicant.objects.filter(pk=record.applicant_id).values_list("organization_id", flat=True)
    )


def _reads_organizations(scope: Any) -> bool:
    return scope.reads_anything
