from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "dangjian.assessment"
    verbose_name = _("党组织考核")

    def ready(self) -> None:
        from dangjian.core.extensions import DemoStep, NavItem, register_demo_step, register_nav

        from . import sources  # noqa: F401 - registers the computed sources
        from .demo import build_demo_assessment

        register_demo_step(DemoStep("考核", 1100, build_demo_assessment))
        register_nav(
            NavItem(_("考核"), "assessment:list", 30, lambda scope: scope.manages_anything)
        )
