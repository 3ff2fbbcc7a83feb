from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    """Where to attend: the host places of this deployment (branches that welcome guests,
    党员服务中心) and the signed directories of other deployments' places; a mobile member's
    portal page lists the places where they went, with the next activity day."""

    name = "dangjian.places"
    label = "places"
    verbose_name = _("活动场所")

    def ready(self) -> None:
        from dangjian.core.extensions import (
            DemoStep,
            NavItem,
            Panel,
            register_demo_step,
            register_nav,
            register_panel,
        )

        from . import demo, panels

        register_nav(
            NavItem(
                _("活动场所"),
                "places:list",
                54,
                visible=lambda scope: scope.manages_anything,
            )
        )
        register_panel(
            "portal", Panel("places", 15, "places/panel_portal.html", panels.portal_places)
        )
        # After the certificates (50): the neighbour's receipt credits the mobile members' cards.
        register_demo_step(DemoStep("活动场所", 55, demo.build_demo_places))
