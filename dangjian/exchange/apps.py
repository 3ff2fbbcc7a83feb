from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Between deployments: the trust list of other deployments' keys, below every domain that
    signs or verifies a file (certificates, transfer packages and receipts)."""

    name = "dangjian.exchange"
    label = "exchange"
    verbose_name = _("系统间交换")
