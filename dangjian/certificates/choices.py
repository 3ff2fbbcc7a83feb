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


class EntryOutcome(models.TextChoices):
    """What importing an attendance receipt did with one entry (docs/attendance-receipt.md)."""

    CREDITED = "credited", _("已记入")
    ALREADY_CREDITED = "already_credited", _("此前已记入")
    UNKNOWN_CARD = "unknown_card", _("本系统未签发此活动证")
    REVOKED = "revoked", _("活动证在活动之日已撤销")
    EXPIRED = "expired", _("活动之日不在活动证有效期内")
    NOT_ON_ROSTER = "not_on_roster", _("该党员已不在本系统名册中")
