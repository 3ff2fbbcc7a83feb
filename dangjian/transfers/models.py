"""Transfers of the organizational relationship (组织关系转接) and mobile members (流动党员)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.models import TimeStampedModel
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.transfers.error_codes import ErrorCode

from .choices import OPEN_STATES, OutflowReason, TransferKind, TransferState

year_month = RegexValidator(
    r"^\d{4}-(0[1-9]|1[0-2])$", _("请按“年-月”填写，例如 2026-05。"), code=ErrorCode.BAD_YEAR_MONTH
)
region_code = RegexValidator(r"^\d{6}$", _("地区代码应为 6 位数字（GB/T 2260）。"))


class Transfer(TimeStampedModel):
    """One transfer of a member's organizational relationship, with its introduction letter.

    Within the deployment both organizations are rows here; to or from another deployment the
    other side is named by its issuer and organization name. While the transfer is open the
    member stays with the sending organization (shown as 转出中); receipt moves the membership.
    """

    public_id = models.UUIDField(_("转接编号"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("转接类别"), max_length=20, choices=TransferKind.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=TransferState.choices, default=TransferState.DRAFT
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_organization = models.ForeignKey(
        Organization,
        verbose_name=_("转出党组织"),
        on_delete=models.PROTECT,
        related_name="outgoing_transfers",
        null=True,
        blank=True,
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name=_("接收党组织"),
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        null=True,
        blank=True,
    )
    counterpart_issuer = models.CharField(_("对方系统"), max_length=64, blank=True)
    counterpart_organization = models.CharField(_("对方党组织"), max_length=200, blank=True)
    reason = models.CharField(_("转接原因"), max_length=300, blank=True)
    letter_number = models.CharField(
        _("介绍信编号"), max_length=60, unique=True, null=True, blank=True
    )
    issued_on = models.DateField(_("开具日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    dues_paid_until = models.CharField(
        _("党费交至"), max_length=7, blank=True, validators=[year_month]
    )
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    closing_reason = models.CharField(_("退回或撤销原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    package_sha256 = models.CharField(_("转接包摘要"), max_length=64, blank=True)
    receipt = models.JSONField(_("回执"), default=dict, blank=True)
    # Which key signed what was imported: an inbound transfer's package, an outbound one's
    # receipt (the issuer is counterpart_issuer, checked on import).
    package_kid = models.CharField(_("转接包签名密钥"), max_length=16, blank=True)
    receipt_kid = models.CharField(_("回执签名密钥"), max_length=16, blank=True)
    # Inbound only: the member's organizations and positions at the sending deployment.
    history = models.JSONField(_("转入前的组织关系和职务"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    # A transfer belongs to both sides, and the member sees their own.
    scope_paths = ("from_organization__path", "to_organization__path")
    scope_self = "member__user_id"

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "valid_until"], name="transfer_state_valid_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="transfer_one_open_per_member",
                violation_error_message=_("该党员已有一项未办结的组织关系转接，请先办结或撤销。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=TransferKind.WITHIN)
                    & Q(from_organization__isnull=False)
                    & Q(to_organization__isnull=False)
                )
                | (Q(kind=TransferKind.OUTBOUND) & Q(from_organization__isnull=False))
                | (Q(kind=TransferKind.INBOUND) & Q(to_organization__isnull=False)),
                name="transfer_sides_match_kind",
                violation_error_message=_("转出和接收党组织与转接类别不符。"),
            ),
            models.CheckConstraint(
                condition=~Q(state=TransferState.IN_TRANSIT)
                | (Q(letter_number__isnull=False) & Q(valid_until__isnull=False)),
                name="transfer_in_transit_has_letter",
                violation_error_message=_("转接中的组织关系必须已开具介绍信。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.from_side_name} → {self.to_side_name}"

    def get_absolute_url(self) -> str:
        return reverse("transfers:detail", args=[self.pk])

    @property
    def from_side_name(self) -> str:
        if self.from_organization_id:
            return self.from_organization.name  # type: ignore[union-attr]
        return f"{self.counterpart_organization}（{self.counterpart_issuer}）"

    @property
    def to_side_name(self) -> str:
        if self.to_organization_id:
            return self.to_organization.name  # type: ignore[union-attr]
        return f"{self.counterpart_organization}（{self.counterpart_issuer}）"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # Guards: whether the state allows a step (Saleor's `can_cancel()`). Who may take it, and the
    # rules on dates and kinds, are the services' (`transfers.services.allowed_actions`).

    def can_submit(self) -> bool:
        """A draft goes to the committee for approval (where the deployment requires it)."""
        return self.state == TransferState.DRAFT

    def can_approve(self) -> bool:
        return self.state == TransferState.AWAITING_APPROVAL

    def can_issue(self, *, approval_required: bool) -> bool:
        """The letter is issued once approved, or straight from the draft without approval."""
        if approval_required:
            return self.state == TransferState.APPROVED
        return self.state in (TransferState.DRAFT, TransferState.APPROVED)

    def can_receive(self) -> bool:
        """The receiver accepts the letter (here, or by the other deployment's receipt)."""
        return self.state == TransferState.IN_TRANSIT

    def can_return(self) -> bool:
        return self.state == TransferState.IN_TRANSIT

    def can_cancel(self) -> bool:
        return self.is_open

    def can_expire(self) -> bool:
        """A letter in transit may expire; whether it is past its date is checked on a day."""
        return self.state == TransferState.IN_TRANSIT

    def can_export_package(self) -> bool:
        return self.state == TransferState.IN_TRANSIT

    def is_overdue(self, on: dt.date) -> bool:
        """The letter was valid until before `on`."""
        return self.valid_until is not None and self.valid_until < on


class TransferEvent(models.Model):
    """A step of a transfer: who moved it to which state, when, and why (Saleor's OrderEvent)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=20, choices=TransferState.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("转接记录")
        verbose_name_plural = _("转接记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.state}"


class Outflow(TimeStampedModel):
    """A member of this deployment working or living elsewhere (流出) without transferring."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="outflows"
    )
    home_organization = models.ForeignKey(
        Organization,
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="outflows",
    )
    region_code = models.CharField(
        _("流入地（行政区划）"), max_length=6, validators=[region_code], db_index=True
    )
    city = models.CharField(_("流入地详细地址"), max_length=100, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    left_on = models.DateField(_("外出日期"))
    reason = models.CharField(_("外出原因"), max_length=20, choices=OutflowReason.choices)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    host_organization = models.ForeignKey(
        Organization,
        verbose_name=_("流入地党组织"),
        on_delete=models.PROTECT,
        related_name="hosted_outflows",
        null=True,
        blank=True,
    )
    host_organization_name = models.CharField(_("流入地党组织名称"), max_length=200, blank=True)
    last_contact_on = models.DateField(_("最近联系日期"))
    returned_on = models.DateField(_("返回日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # Both the home organization and the host organization keep the mobile member.
    scope_paths = ("home_organization__path", "host_organization__path")

    class Meta:
        verbose_name = _("流出党员")
        verbose_name_plural = _("流出党员")
        ordering = ["-left_on", "-id"]
        indexes = [
            models.Index(fields=["home_organization", "returned_on"], name="outflow_home_open_idx"),
            models.Index(fields=["last_contact_on"], name="outflow_last_contact_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(returned_on__isnull=True),
                name="outflow_one_open_per_member",
                violation_error_message=_("该党员已登记为流出党员，请先登记返回。"),
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=models.F("left_on")),
                name="outflow_returns_after_leaving",
                violation_error_message=_("返回日期不能早于外出日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.region_code}"

    @property
    def is_open(self) -> bool:
        return self.returned_on is None


class OutflowReport(models.Model):
    """A mobile member's own report from where they are (近况报告), sent from /me/.

    The outflow record takes the reported place, work unit and contact; this row keeps what was
    reported and what it replaced, so the history stays. The home branch marks it read."""

    outflow = models.ForeignKey(
        Outflow, verbose_name=_("流出登记"), on_delete=models.CASCADE, related_name="reports"
    )
    reported_at = models.DateTimeField(_("报告时间"), auto_now_add=True, db_index=True)
    region_code = models.CharField(_("所在地（行政区划）"), max_length=6, validators=[region_code])
    city = models.CharField(_("详细地址"), max_length=100, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    contact = models.CharField(_("联系电话"), max_length=100, blank=True)
    well = models.BooleanField(_("一切安好"), default=True)
    note = models.CharField(_("想对支部说的话"), max_length=300, blank=True)
    # What the outflow record said before this report (region, city, work unit; not the contact).
    previous = models.JSONField(_("原登记"), default=dict, blank=True)
    seen_at = models.DateTimeField(_("查看时间"), null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查看人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    # The home organization reads the report; the member sees their own.
    scope_paths = ("outflow__home_organization__path",)
    scope_self = "outflow__member__user_id"

    class Meta:
        verbose_name = _("流动党员近况报告")
        verbose_name_plural = _("流动党员近况报告")
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["outflow", "seen_at"], name="outflow_report_seen_idx")]

    def __str__(self) -> str:
        return f"{self.outflow_id} {self.reported_at:%Y-%m-%d}"


class Inflow(TimeStampedModel):
    """A member from elsewhere taking part in a host organization's life here (流入)."""

    host_organization = models.ForeignKey(
        Organization,
        verbose_name=_("流入地党组织"),
        on_delete=models.PROTECT,
        related_name="inflows",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("本系统党员"),
        on_delete=models.PROTECT,
        related_name="inflows",
        null=True,
        blank=True,
    )
    name = models.CharField(_("姓名"), max_length=60)
    home_organization_name = models.CharField(_("组织关系所在党组织"), max_length=200)
    home_region_code = models.CharField(
        _("流出地（行政区划）"), max_length=6, validators=[region_code], blank=True
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    arrived_on = models.DateField(_("流入日期"))
    reason = models.CharField(_("外出原因"), max_length=20, choices=OutflowReason.choices)
    has_certificate = models.BooleanField(_("持有流动党员活动证"), default=False)
    last_contact_on = models.DateField(_("最近联系日期"))
    left_on = models.DateField(_("离开日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("host_organization__path",)

    class Meta:
        verbose_name = _("流入党员")
        verbose_name_plural = _("流入党员")
        ordering = ["-arrived_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("arrived_on")),
                name="inflow_leaves_after_arriving",
                violation_error_message=_("离开日期不能早于流入日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.host_organization_id}"
