from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupConfig(AppConfig):
    """Statistics up the tree: a deployment's annual statistics as a signed package, and the
    deployment above, which imports its children's packages and reports the sum."""

    name = "dangjian.rollup"
    label = "rollup"
    verbose_name = _("统计汇总")

    def ready(self) -> None:
        from dangjian.core.extensions import NavItem, register_nav

        register_nav(
            NavItem(
                _("统计汇总"),
                "rollup:index",
                95,
                visible=lambda scope: scope.manages_a_top_organization,
            )
        )
