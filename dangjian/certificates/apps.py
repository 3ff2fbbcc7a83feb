from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "dangjian.certificates"
    verbose_name = _("电子活动证")

    def ready(self) -> None:
        from django.core import checks as django_checks

        from dangjian.core.extensions import (
            DemoStep,
            NavItem,
            Panel,
            register_demo_step,
            register_nav,
            register_panel,
        )
        from dangjian.members import hooks

        from . import checks, panels, services

        django_checks.register(checks.public_url_fits_the_qr)

        hooks.register_on_status_changed(services.on_member_status_changed)
        hooks.register_on_left(services.on_member_left)
        hooks.register_on_moved(services.on_member_moved)
        register_nav(
            NavItem(
                _("我的电子活动证"),
                "certificates:mine",
                50,
                visible=lambda scope: scope.self_user_id is not None,
            )
        )
        register_nav(NavItem(_("核验活动证"), "certificates:verify", 51))
        register_nav(
            NavItem(_("信任列表"), "certificates:trust", 52, visible=panels.is_top_administrator)
        )
        register_nav(
            NavItem(
                _("出席回执"),
                "certificates:receipts",
                53,
                visible=lambda scope: scope.manages_anything,
            )
        )
        register_panel(
            "member",
            Panel("certificate", 50, "certificates/panel_member.html", panels.member_panel),
        )
        register_panel(
            "organization",
            Panel(
                "certificates",
                50,
                "certificates/panel_organization.html",
                panels.organization_panel,
            ),
        )
        register_demo_step(DemoStep("certificates", 50, panels.demo_step))
