from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "dangjian.units"
    verbose_name = _("单位与党组织覆盖")

    def ready(self) -> None:
        from dangjian.core.extensions import DemoStep, NavItem, register_demo_step, register_nav

        from .demo import build_demo_units

        register_demo_step(DemoStep("单位覆盖", 65, build_demo_units))
        register_nav(NavItem(_("覆盖"), "units:index", 46, lambda scope: scope.reads_anything))
