from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "dangjian.rectification"
    verbose_name = _("整顿软弱涣散基层党组织")

    def ready(self) -> None:
        from dangjian.core.extensions import DemoStep, NavItem, register_demo_step, register_nav

        from . import indicators  # noqa: F401 - registers the indicators
        from .demo import build_demo_rectification

        # After the assessment (1100): the review reads its grades.
        register_demo_step(DemoStep("软弱涣散排查", 1150, build_demo_rectification))
        register_nav(
            NavItem(_("软弱涣散"), "rectification:list", 31, lambda scope: scope.manages_anything)
        )
