from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "dangjian.ops"
    verbose_name = _("运维")

    def ready(self) -> None:
        from . import tasks

        tasks.register()
        from dangjian.accounts.choices import Role
        from dangjian.core.extensions import NavItem, register_nav

        register_nav(
            NavItem(
                label=_("审计日志"),
                url_name="ops:audit",
                order=900,
                visible=lambda scope: (
                    any(role == Role.ADMINISTRATOR for role, _o in scope.roles)
                    or scope.reaches_everything
                ),
            )
        )
