from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "dangjian.api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role
        from dangjian.core.extensions import NavItem, register_nav

        def is_administrator(scope: object) -> bool:
            return any(role == Role.ADMINISTRATOR for role, _org in getattr(scope, "roles", ()))

        register_nav(NavItem(_("接口令牌"), "api-tokens:list", 900, is_administrator))
