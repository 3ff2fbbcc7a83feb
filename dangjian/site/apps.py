from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The top floor: home and dashboards, navigation, the demo county, user and key commands."""

    name = "dangjian.site"
    label = "site"
    verbose_name = _("站点")
