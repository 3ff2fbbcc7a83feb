"""The member portal's own records: correction requests, branch notices, and the member
accounts (invitations, activation codes)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.members.models import Member
from dangjian.organizations.models import Organization


class CorrectionStatus(models.TextChoices):
    PENDING = "PENDING", _("待处理")
    APPROVED = "APPROVED", _("已更正")
    REJECTED = "REJECTED", _("未采纳")


class CorrectionRequest(models.Model):
    """A member asks the branch to correct their record; members never edit it themselves."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="correction_requests")
    field = models.CharField(_("要更正的项目"), max_length=40)
    current_value = models.CharField(_("当前内容"), max_length=200, blank=True)
    proposed_value = models.CharField(_("应更正为"), max_length=200)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("更正申请")
        verbose_name_plural = _("更正申请")
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.member} {self.field}"

    @property
    def field_label(self) -> str:
        if self.field == "other":
            return str(_("其他"))
        field = Member._meta.get_field(self.field)
        return str(getattr(field, "verbose_name", self.field))


class Notice(models.Model):
    """A notice from a branch to its members (meeting notices…). No reading receipts."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notices")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=2000)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class InvitationStatus(models.TextChoices):
    RUNNING = "RUNNING", _("正在生成")
    DONE = "DONE", _("已生成")
    FAILED = "FAILED", _("失败")


class InvitationBatch(models.Model):
    """One invitation: activation letters for the members of an organization's subtree who have
    no account yet (or one member whose password is reset). Large subtrees run in the background
    and the page shows `done` of `total`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发放时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.RUNNING
    )
    total = models.PositiveIntegerField(_("人数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    background = models.BooleanField(_("后台运行"), default=False)
    # Where the QR codes point: the address the inviter used (this deployment as seen outside).
    base_url = models.CharField(_("网址"), max_length=200)
    message = models.CharField(_("结果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("账号邀请")
        verbose_name_plural = _("账号邀请")

    def __str__(self) -> str:
        return f"{self.organization} {self.created_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("accounts-invite:batch", args=[self.public_id])

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)


class CodePurpose(models.TextChoices):
    INVITE = "INVITE", _("开通账号")
    RESET = "RESET", _("重置密码")


class ActivationCode(models.Model):
    """A one-time code that lets a member set the password of their account.

    Found by its HMAC (`code_hash`, never the code). The code itself is also kept encrypted
    (Fernet, as ID numbers are) so that the inviter can print the letters again until the code is
    used or revoked; then the copy is erased. One open code per member: a new one revokes the old.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="activation_codes"
    )
    batch = models.ForeignKey(
        InvitationBatch, on_delete=models.CASCADE, related_name="codes", null=True, blank=True
    )
    purpose = models.CharField(_("用途"), max_length=10, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    code_encrypted = models.TextField(blank=True)
    username = models.CharField(_("登录名"), max_length=150)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发放时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("输错次数"), default=0)

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="activation_code_one_open_per_member",
                violation_error_message=_("该党员已有一个未使用的激活码。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_purpose_display()}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None


class ActivationAttempt(models.Model):
    """One try at the activation page, for throttling per client (the audit has the details)."""

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["ip_address", "at"], name="activation_attempt_ip_at")]

    def __str__(self) -> str:
        return f"{self.ip_address} {self.at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"
