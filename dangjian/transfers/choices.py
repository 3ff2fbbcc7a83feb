"""Coded values of transfers and mobile members (RULES.md, "Transfers and mobile members")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferKind(models.TextChoices):
    WITHIN = "WITHIN", _("本系统内转接")
    OUTBOUND = "OUTBOUND", _("转往其他系统")
    INBOUND = "INBOUND", _("从其他系统转入")


class TransferState(models.TextChoices):
    DRAFT = "DRAFT", _("草稿")
    AWAITING_APPROVAL = "AWAITING_APPROVAL", _("待转出方审批")
    APPROVED = "APPROVED", _("已审批，待开介绍信")
    IN_TRANSIT = "IN_TRANSIT", _("转接中")
    RECEIVED = "RECEIVED", _("已接收")
    RETURNED = "RETURNED", _("已退回")
    CANCELLED = "CANCELLED", _("已撤销")
    EXPIRED = "EXPIRED", _("已过期")


# A member has at most one transfer in these states (a database constraint).
OPEN_STATES = frozenset(
    {
        TransferState.DRAFT,
        TransferState.AWAITING_APPROVAL,
        TransferState.APPROVED,
        TransferState.IN_TRANSIT,
    }
)
CLOSED_STATES = frozenset(set(TransferState) - OPEN_STATES)


class OutflowReason(models.TextChoices):
    WORK = "WORK", _("务工")
    BUSINESS = "BUSINESS", _("经商")
    STUDY = "STUDY", _("求学")
    OTHER = "OTHER", _("其他")
