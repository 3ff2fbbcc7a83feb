from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "dangjian.api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role
        from dangjian.core.extensions import NavItem, register_nav

        def holds_a_role(scope: object) -> bool:
            """Anyone but a member alone may create tokens for their own account."""
            return any(role != Role.MEMBER for role, _org in getattr(scope, "roles", ()))

        register_nav(NavItem(_("接口令牌"), "api-tokens:list", 900, holds_a_role))
