from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _record_export(**kwargs: Any) -> None:
    from .choices import AuditAction
    from .services import audit_record

    audit_record(action=AuditAction.EXPORT, **kwargs)


class AuditConfig(AppConfig):
    name = "dangjian.audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        # Background exports (core, below this floor) are audited when asked for and downloaded.
        from dangjian.core import exports

        exports.register_auditor(_record_export)
