from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "dangjian.organizations"
    verbose_name = _("党组织")

    def ready(self) -> None:
        from . import caching  # noqa: F401 - connects the figure invalidation receivers
