from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Keys of member-page panels that also belong on the member's portal page.
PORTAL_SECTIONS = {"activities-life", "dues", "transfers"}


class PortalConfig(AppConfig):
    name = "dangjian.portal"
    verbose_name = _("党员之家")

    def ready(self) -> None:
        from dangjian.core.extensions import (
            NavItem,
            Panel,
            member_panels,
            register_nav,
            register_panel,
        )
        from dangjian.members import hooks

        from . import activation, panels, tasks

        tasks.register()

        # The account follows the member (not signals: members.hooks, as certificates do).
        hooks.register_on_left(activation.on_member_left)
        hooks.register_on_moved(activation.on_member_moved)

        register_nav(
            NavItem(_("我的"), "portal:home", 10, lambda scope: scope.self_user_id is not None)
        )
        register_nav(
            NavItem(_("更正申请"), "portal:corrections", 800, lambda scope: scope.manages_anything)
        )
        register_panel(
            "organization",
            Panel(
                "portal-corrections",
                5,
                "portal/panel_corrections.html",
                panels.organization_corrections,
            ),
        )
        register_panel(
            "organization",
            Panel("portal-accounts", 6, "portal/panel_accounts.html", panels.organization_accounts),
        )
        register_panel(
            "portal",
            Panel("certificate", 10, "portal/panel_certificate.html", panels.my_certificate),
        )
        # The member's own organizational life, dues and transfer: the same sections the member
        # page shows, registered by those apps (installed, and so ready, before the portal).
        for panel in member_panels():
            if panel.key in PORTAL_SECTIONS:
                register_panel(
                    "portal",
                    Panel(
                        f"portal-{panel.key}", 20 + panel.order, panel.template_name, panel.context
                    ),
                )
        # The member's own: keeping in touch (mobile members), help, volunteering, who looked.
        register_panel(
            "portal",
            Panel("keep-in-touch", 5, "portal/panel_keep_in_touch.html", panels.my_keep_in_touch),
        )
        register_panel("portal", Panel("help", 70, "portal/panel_help.html", panels.my_help))
        register_panel(
            "portal",
            Panel("volunteer", 75, "portal/panel_volunteer.html", panels.my_volunteering),
        )
        register_panel(
            "portal", Panel("who-looked", 80, "portal/panel_who_looked.html", panels.my_lookers)
        )
        register_panel(
            "organization",
            Panel("portal-notices", 90, "portal/panel_notices.html", panels.organization_notices),
        )
