from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadershipConfig(AppConfig):
    name = "dangjian.leadership"
    verbose_name = _("班子队伍")

    def ready(self) -> None:
        from dangjian.core.extensions import DemoStep, NavItem, register_demo_step, register_nav

        from .demo import build_demo_leadership

        register_demo_step(DemoStep("班子队伍", 62, build_demo_leadership))
        register_nav(
            NavItem(_("班子队伍"), "leadership:roster", 46, lambda scope: scope.reads_anything)
        )
