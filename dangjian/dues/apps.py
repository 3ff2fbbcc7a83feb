from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def _member_panel(request: HttpRequest, member: Any) -> dict[str, Any] | None:
    from dangjian.accounts.scope import scope_for

    from . import selectors

    organization = selectors.member_organization(member)  # the member page's rows, no query
    scope = scope_for(request.user)
    return {
        "dues": selectors.member_dues(member),
        "can_manage": organization is not None and scope.can_manage_path(organization.path),
    }


def _organization_panel(request: HttpRequest, organization: Any) -> dict[str, Any] | None:
    # The figures load with htmx after the page: sums over a county's ledger must not hold up
    # the organization page (and its query budget).
    return {}


def _rates_changed(**_kwargs: Any) -> None:
    from django.db import transaction

    from dangjian.core import figures

    transaction.on_commit(figures.invalidate_all)


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    verbose_name = _("党费")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from dangjian.core.extensions import (
            DemoStep,
            NavItem,
            Panel,
            TodoSource,
            register_demo_step,
            register_figures,
            register_nav,
            register_panel,
            register_todo,
        )
        from dangjian.members.caching import invalidate_on_change
        from dangjian.members.hooks import register_on_updated

        from . import demo, panels, rules, selectors, services, tasks, todo
        from .models import Payment, RateTable, RateTier

        invalidate_on_change(Payment)  # the dashboards' dues figure counts payments
        # A profile that follows the occupation follows its changes (overrides stay).
        register_on_updated(services.profile_follow_occupation)

        for model in (RateTable, RateTier):
            post_save.connect(rules.forget_tables, sender=model, dispatch_uid=f"dues-{model}-save")
            post_delete.connect(
                rules.forget_tables, sender=model, dispatch_uid=f"dues-{model}-delete"
            )
            # Every cached dues figure was counted with the old rates.
            for signal in (post_save, post_delete):
                signal.connect(
                    _rates_changed, sender=model, dispatch_uid=f"dues-{model}-{signal}-figures"
                )
        post_migrate.connect(rules.forget_tables, dispatch_uid="dues-tables-migrate")

        register_nav(NavItem(label=_("党费"), url_name="dues:index", order=40))
        register_panel(
            "member",
            Panel(
                key="dues",
                order=40,
                template_name="dues/panel_member.html",
                context=_member_panel,
            ),
        )
        register_panel(
            "organization",
            Panel(
                key="dues",
                order=40,
                template_name="dues/panel_organization.html",
                context=_organization_panel,
            ),
        )
        register_panel("home", Panel("dues", 30, "dues/panel_home.html", panels.home))
        tasks.register()
        register_todo(TodoSource("dues", 20, todo.todo))
        register_demo_step(DemoStep(name="党费", order=40, run=demo.build))
        # The funds app works out the dues organizations keep from these (a sibling floor).
        register_figures("dues_remittable", selectors.remittable_by_organization)
        # The same for a whole subtree and several periods in one pass (the annual report).
        register_figures("dues_remittable_within", selectors.remittable_within)
