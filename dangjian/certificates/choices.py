from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """What verifying a credential found: exactly one of these, on the page and in the API."""

    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期或尚未生效")
    REVOKED = "revoked", _("已撤销")
    BAD_SIGNATURE = "bad_signature", _("签名无效")
    UNKNOWN_ISSUER = "unknown_issuer", _("签发方不受信任")
    MALFORMED = "malformed", _("不是有效的电子活动证")


class RevocationReason(models.TextChoices):
    SUPERSEDED = "SUPERSEDED", _("已换发新证")
    MOVED = "MOVED", _("组织关系调整")
    TRANSFERRED_OUT = "TRANSFERRED_OUT", _("组织关系转出")
    LOST_CONTACT = "LOST_CONTACT", _("失去联系")
    SUSPENDED = "SUSPENDED", _("停止党籍")
    DECEASED = "DECEASED", _("死亡")
    LEFT = "LEFT", _("出党")
    OTHER = "OTHER", _("其他")
