from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _drop_figures(using: str = "default", **kwargs: Any) -> None:
    """A deploy runs migrate: figures cached by the previous code may have another shape."""
    from .models import Figure

    Figure.objects.using(using).all().delete()


class CoreConfig(AppConfig):
    name = "dangjian.core"
    verbose_name = _("基础")

    def ready(self) -> None:
        post_migrate.connect(_drop_figures, sender=self)

        from . import exports, tasks

        tasks.register()
        exports.register()
