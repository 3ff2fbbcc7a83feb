"""Dues (党费): the rate tables, each member's dues profile, the monthly ledger and payments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .choices import DuesCategory, PaymentMethod, Rounding, Rule, Schedule


class RateTable(models.Model):
    """A dues rate table in force from a month on (the 2008 table is seeded as the default).

    The table in force for a month is the one with the latest `effective_from` on or before it.
    Its fixed amounts, rounding and the threshold for remittance to the central level are data
    too, so a change of regulations is a new row, not a code change.
    """

    name = models.CharField(_("名称"), max_length=100)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    effective_from = models.DateField(_("执行起始月"), unique=True)
    fixed_amount = models.DecimalField(
        _("固定数额（学生、下岗失业等）"), max_digits=12, decimal_places=2
    )
    farmer_min = models.DecimalField(_("农民党员最低数额"), max_digits=12, decimal_places=2)
    farmer_max = models.DecimalField(_("农民党员最高数额"), max_digits=12, decimal_places=2)
    rounding = models.CharField(
        _("取整方式"), max_length=20, choices=Rounding.choices, default=Rounding.HALF_UP
    )
    central_threshold = models.DecimalField(
        _("一次性自愿多交上缴中央的起点"), max_digits=12, decimal_places=2
    )

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__day=1),
                name="dues_table_starts_on_first",
                violation_error_message=_("执行起始日期须是某月1日。"),
            ),
            models.CheckConstraint(
                condition=Q(farmer_min__lte=F("farmer_max")),
                name="dues_table_farmer_range",
                violation_error_message=_("农民党员最低数额不能高于最高数额。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RateTier(models.Model):
    """One line of a table: bases up to and including `up_to` (empty: no limit) pay `rate`."""

    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="tiers")
    schedule = models.CharField(_("适用"), max_length=20, choices=Schedule.choices)
    up_to = models.DecimalField(
        _("基数上限（含）"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4)

    class Meta:
        verbose_name = _("党费比例档次")
        verbose_name_plural = _("党费比例档次")
        ordering = ["table", "schedule", F("up_to").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "schedule", "up_to"],
                name="dues_tier_unique",
                violation_error_message=_("同一标准中不能有两个相同上限的档次。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.schedule} ≤{self.up_to}: {self.rate}"


class OrganizationDuesSetting(models.Model):
    """What a branch decides locally: the farmers' monthly amount (0.2–1 yuan)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="dues_setting"
    )
    farmer_amount = models.DecimalField(_("农民党员每月党费"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("党费设置")
        verbose_name_plural = _("党费设置")

    def __str__(self) -> str:
        return f"{self.organization} {self.farmer_amount}"


class DuesProfile(models.Model):
    """A member's dues category and monthly base from a month on (党费基数), dated like the
    membership: the profile in force for a month is the latest one starting on or before it.

    The category follows the member's occupation unless `category_overridden` (the secretary
    chose another one, with a reason): then it stays when the occupation changes.

    An approved reduction or exemption (`reduced_amount`, 0 for 免交) carries the branch's
    decision and the approving level, as the rules require.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_profiles")
    category = models.CharField(_("党费类别"), max_length=20, choices=DuesCategory.choices)
    base = models.DecimalField(_("月基数"), null=True, blank=True, max_digits=12, decimal_places=2)
    effective_from = models.DateField(_("起始月份"))
    # The category follows the member's occupation (`choices.category_for_occupation`) unless
    # the secretary chose another one: an override, kept when the occupation changes.
    # Database defaults too: the demo and bulk writers insert rows without these columns.
    category_overridden = models.BooleanField(
        _("书记指定类别（不随职业变化）"), default=False, db_default=False
    )
    override_reason = models.CharField(
        _("指定类别的原因"), max_length=200, blank=True, default="", db_default=""
    )
    reduced_amount = models.DecimalField(
        _("批准后每月数额"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    reduction_decision = models.CharField(_("支部决定"), max_length=200, blank=True)
    reduction_approved_by = models.CharField(_("批准的上级党组织"), max_length=200, blank=True)
    confirmed_year = models.PositiveSmallIntegerField(_("核定年度"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费档案")
        verbose_name_plural = _("党费档案")
        ordering = ["member", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "effective_from"],
                name="dues_profile_one_per_month",
                violation_error_message=_("该党员在这个月份已有党费档案。"),
            ),
            models.CheckConstraint(
                condition=Q(effective_from__day=1),
                name="dues_profile_starts_on_first",
                violation_error_message=_("起始月份须是某月1日。"),
            ),
            models.CheckConstraint(
                condition=Q(base__isnull=True) | Q(base__gte=0),
                name="dues_profile_base_not_negative",
                violation_error_message=_("月基数不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(reduced_amount__isnull=True)
                | (
                    Q(reduced_amount__gte=0)
                    & ~Q(reduction_decision="")
                    & ~Q(reduction_approved_by="")
                ),
                name="dues_profile_reduction_approved",
                violation_error_message=_("少交或免交须写明支部决定和批准的上级党组织。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.category} {self.base} @ {self.effective_from:%Y-%m}"


class LedgerEntry(models.Model):
    """One member's dues for one month (the monthly ledger, 党费台账), with the rule applied.

    Generated idempotently; what has been paid against it is derived from the payments
    (see selectors: payments fill the oldest months first).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_ledger")
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"))
    category = models.CharField(_("党费类别"), max_length=20, choices=DuesCategory.choices)
    base = models.DecimalField(_("月基数"), null=True, blank=True, max_digits=12, decimal_places=2)
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    amount_due = models.DecimalField(_("应交"), max_digits=12, decimal_places=2)
    rule = models.CharField(_("依据"), max_length=20, choices=Rule.choices)
    profile = models.ForeignKey(
        DuesProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("党费台账")
        verbose_name_plural = _("党费台账")
        ordering = ["member", "month"]
        indexes = [models.Index(fields=["organization", "month"], name="dues_ledger_org_month")]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "month"],
                name="dues_ledger_one_per_month",
                violation_error_message=_("该党员这个月的党费已在台账中。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="dues_ledger_month_first",
                violation_error_message=_("月份须是某月1日。"),
            ),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0),
                name="dues_ledger_due_not_negative",
                violation_error_message=_("应交数额不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m} {self.amount_due}"


class Payment(models.Model):
    """Money a member paid (交纳党费): dues for one or more months, plus any voluntary extra.

    `amount` is the dues part; `voluntary_amount` is paid beyond the dues (自愿多交). A single
    voluntary payment at or above the table's threshold goes entirely to the central level
    (`to_central`).
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dues_payments")
    organization = models.ForeignKey(
        Organization, verbose_name=_("收缴党组织"), on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(_("交纳日期"))
    amount = models.DecimalField(_("党费金额"), max_digits=12, decimal_places=2)
    voluntary_amount = models.DecimalField(
        _("自愿多交"), default=Decimal("0"), max_digits=12, decimal_places=2
    )
    to_central = models.BooleanField(_("上缴中央"), default=False)
    method = models.CharField(_("方式"), max_length=10, choices=PaymentMethod.choices)
    receipt_number = models.CharField(_("收据号"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("党费交纳记录")
        verbose_name_plural = _("党费交纳记录")
        ordering = ["member", "paid_on", "id"]
        indexes = [
            models.Index(fields=["organization", "paid_on"], name="dues_payment_org_paid_on"),
            models.Index(fields=["member", "paid_on"], name="dues_payment_member_paid_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(voluntary_amount__gte=0),
                name="dues_payment_not_negative",
                violation_error_message=_("金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(voluntary_amount__gt=0),
                name="dues_payment_not_empty",
                violation_error_message=_("请填写金额。"),
            ),
            models.UniqueConstraint(
                fields=["organization", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="dues_payment_receipt_unique",
                violation_error_message=_("这个收据号已经登记过，请核对收据。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.paid_on} {self.amount}"

    @property
    def total(self) -> Decimal:
        return self.amount + self.voluntary_amount


class PaymentMonth(models.Model):
    """A month a payment paid, and how much of it: written when the payment is recorded and
    never moved afterwards (decision 0071). A later ledger, a base changed after the fact or a
    payment entered out of order leaves it where it is: the receipt, the archive and every page
    name the same months."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="months")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("党费所交月份")
        verbose_name_plural = _("党费所交月份")
        ordering = ["member", "month", "payment"]
        indexes = [models.Index(fields=["member", "month"], name="dues_paymonth_member_month")]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "month"],
                name="dues_paymonth_once",
                violation_error_message=_("一笔交纳不能两次记入同一个月。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="dues_paymonth_month_first",
                violation_error_message=_("月份须是某月1日。"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="dues_paymonth_amount_positive",
                violation_error_message=_("记入某月的金额须大于0。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.month:%Y-%m} {self.amount}"
