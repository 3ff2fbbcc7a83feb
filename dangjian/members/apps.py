from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dangjian.members"
    verbose_name = _("党员")

    def ready(self) -> None:
        from . import caching  # noqa: F401 - connects the figure invalidation receivers
