"""Member accounts: invitations, one-time activation codes, activation, reset and disablement.

A secretary (or an administrator above) invites the members of an organization's subtree who
have no account: each gets an activation letter with a one-time code and a QR code pointing at
the activation page. On a phone the member enters the code and the last 4 characters of their ID
number, sets a password and is signed in to /me/.

- Codes: 10 characters from an alphabet without look-alikes (about 50 bits), found by their HMAC
  (`crypto.lookup_hash`), valid `DANGJIAN_ACTIVATION_CODE_DAYS` days (default 30), good once.
  One open code per member (a database constraint): a new letter revokes the old code.
- Throttling: a code is void after `DANGJIAN_ACTIVATION_MAX_TRIES_PER_CODE` wrong ID digits; a
  client address with `DANGJIAN_ACTIVATION_MAX_FAILURES_PER_CLIENT` failures within
  `DANGJIAN_ACTIVATION_WINDOW_MINUTES` is refused until the window passes. Every attempt is
  audited (never with the code or the ID digits).
- The account is linked to the member record (`Member.user`): a move within the deployment
  changes nothing for it (scope follows the member), and the member's own role row is moved
  along for tidiness. Leaving the party or death disables it (`members.hooks`).
- A password reset is a new activation code, issued by whoever manages the member's current
  organization (the secretary, or an administrator above): the old password stops working.

Large invitations run as a background task, as roster imports do (decision 0130): the batch
records `done` of `total` and the page polls it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.choices import Role
from dangjian.accounts.models import RoleAssignment
from dangjian.accounts.scope import scope_for
from dangjian.accounts.services import password_check
from dangjian.audit.choices import AuditAction
from dangjian.audit.context import client_address
from dangjian.audit.services import audit_record
from dangjian.core import crypto
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.members import caching
from dangjian.members.choices import LEAVING_WAYS, REMOVING_STATUSES, HowRemoved
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization

from .error_codes import ErrorCode
from .models import (
    ActivationAttempt,
    ActivationCode,
    CodePurpose,
    InvitationBatch,
    InvitationStatus,
)

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 10
# Invitations of more members than this run in the background; fewer are done in the request.
BACKGROUND_MEMBERS = 200
CHUNK = 200
# Ways of leaving the roster that end the account: death and leaving the party (出党).
DISABLING_WAYS = frozenset({HowRemoved.DIED, *LEAVING_WAYS})


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def code_days() -> int:
    return _setting("DANGJIAN_ACTIVATION_CODE_DAYS", 30)


def normalize_code(text: str) -> str:
    """What the member typed, as stored: upper case, without spaces and dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def format_code(code: str) -> str:
    """ABCD-EFGH-JK: easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _n in range(CODE_LENGTH))


def username_for(member: Member) -> str:
    """The login name printed on the letter: the name's pinyin and the record's number."""
    base = re.sub(r"[^a-z]", "", member.name_pinyin.lower())[:20] or "member"
    return f"{base}{member.pk}"


def _organization_of(member: Member) -> Organization:
    return (
        Membership.objects.select_related("organization")
        .get(member=member, is_latest=True)
        .organization
    )


def can_manage_account(actor: Any, member: Member) -> bool:
    """Whoever manages the member's current organization: its secretary or an administrator
    above. The organization is read now, so the right follows the member when they move."""
    return scope_for(actor).can_manage_path(_organization_of(member).path)


# --- issuing codes --------------------------------------------------------------------------


def _issue(
    *, actor: Any, member: Member, purpose: CodePurpose, batch: InvitationBatch | None
) -> tuple[ActivationCode, str]:
    """A new open code for the member (the old open one is revoked). In the caller's
    transaction; the caller has checked scope."""
    now = timezone.now()
    ActivationCode.objects.filter(
        member=member, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, code_encrypted="")
    code = _new_code()
    user = member.user
    record = ActivationCode.objects.create(
        member=member,
        batch=batch,
        purpose=purpose,
        code_hash=crypto.lookup_hash(code),
        code_encrypted=crypto.encrypt_text(code),
        username=user.get_username() if user is not None else username_for(member),
        created_by=actor,
        expires_at=now + dt.timedelta(days=code_days()),
    )
    return record, code


def eligible_members(organization: Organization) -> QuerySet[Member]:
    """Members on the roster of the subtree who have no account yet."""
    on_roster = Membership.objects.filter(is_latest=True, ended_on__isnull=True).within(
        organization
    )
    return (
        Member.objects.filter(pk__in=on_roster.values("member_id"), user__isnull=True)
        .exclude(status__in=REMOVING_STATUSES)
        .order_by("pk")
    )


@transaction.atomic
def invitation_start(*, actor: Any, organization: Organization, base_url: str) -> InvitationBatch:
    """Invite every member without an account in the organization's subtree, in one step.

    Up to BACKGROUND_MEMBERS members the codes are made now; more go to a background thread
    once this transaction has committed (the page shows the progress)."""
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    total = eligible_members(organization).count()
    if not total:
        raise ValidationError(
            _("%(org)s 的党员都已开通账号或已有账号，没有需要邀请的党员。")
            % {"org": organization.name},
            code=ErrorCode.NOBODY_TO_INVITE,
        )
    batch = InvitationBatch.objects.create(
        organization=organization,
        created_by=actor,
        total=total,
        base_url=base_url.rstrip("/"),
        background=total > BACKGROUND_MEMBERS,
    )
    audit_record(
        actor=actor,
        action=AuditAction.ISSUE,
        target=batch,
        summary=_("邀请 %(org)s 的 %(n)d 名党员开通账号") % {"org": organization.name, "n": total},
        detail={"count": total},
    )
    if batch.background:
        from . import tasks  # tasks.py calls this module back

        transaction.on_commit(lambda: tasks.invitation_batch.enqueue(batch.pk))
    else:
        invitation_run(batch.pk)
        batch.refresh_from_db()
    return batch


def invitation_run(batch_id: int) -> InvitationBatch:
    """Make the codes of a batch, CHUNK members per transaction, counting `done` as it goes.

    A worker or a thread can run it; run again after a crash, it carries on with the members who
    have no code from this batch yet."""
    batch = InvitationBatch.objects.select_related("created_by", "organization").get(pk=batch_id)
    actor = batch.created_by
    while True:
        with transaction.atomic():
            chunk = list(
                eligible_members(batch.organization)
                .exclude(activation_codes__batch=batch)
                .select_for_update()[:CHUNK]
            )
            for member in chunk:
                _issue(actor=actor, member=member, purpose=CodePurpose.INVITE, batch=batch)
            # The organization page's account counts (invited) of the chunk's organizations.
            caching.invalidate_members([member.pk for member in chunk])
            done = ActivationCode.objects.filter(batch=batch).count()
            InvitationBatch.objects.filter(pk=batch.pk).update(done=done)
        if not chunk:
            break
    batch.refresh_from_db()
    batch.status = InvitationStatus.DONE
    batch.total = batch.done  # members who got an account meanwhile are not counted
    batch.message = _("已生成 %(n)d 份激活函。") % {"n": batch.done}
    batch.save(update_fields=["status", "total", "message"])
    return batch


def invitation_task_run(batch_id: int) -> None:
    """The background task's body: the batch ends done, or failed with the reason on its page."""
    try:
        invitation_run(batch_id)
    except Exception as exc:  # the page must show a failure, not spin forever
        InvitationBatch.objects.filter(pk=batch_id).update(
            status=InvitationStatus.FAILED, message=str(exc)[:300]
        )
        raise


# A batch still "running" this long after it started lost its worker (a county's batch takes
# minutes); the codes already made stay valid, the page says to issue again for the rest.
ABANDONED_AFTER = dt.timedelta(hours=1)


def invitations_fail_abandoned() -> int:
    """Mark failed the background batches whose worker is gone (run by the worker's schedule)."""
    return InvitationBatch.objects.filter(
        status=InvitationStatus.RUNNING,
        background=True,
        created_at__lt=timezone.now() - ABANDONED_AFTER,
    ).update(
        status=InvitationStatus.FAILED,
        message=_("后台处理中断。已生成的激活函仍然有效；请再次发放，为其余党员补发。"),
    )


@transaction.atomic
def account_reset(*, actor: Any, member: Member, base_url: str) -> InvitationBatch:
    """A forgotten password: the member's account stops signing in with the old password and a
    new activation letter is issued. Only whoever manages the member's current organization."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not can_manage_account(actor, member):
        raise PermissionDenied
    if member.status in REMOVING_STATUSES:
        raise ValidationError(
            _("%(name)s 已不在党员名册中，不能重置账号。") % {"name": member.name},
            code=CoreErrorCode.NOT_ON_ROSTER,
        )
    organization = _organization_of(member)
    batch = InvitationBatch.objects.create(
        organization=organization,
        created_by=actor,
        total=1,
        done=1,
        base_url=base_url.rstrip("/"),
        status=InvitationStatus.DONE,
        message=_("已生成 1 份激活函。"),
    )
    _issue(actor=actor, member=member, purpose=CodePurpose.RESET, batch=batch)
    caching.invalidate_members([member.pk])  # counted as invited now, no longer active
    if member.user_id is not None:
        user = get_user_model().objects.select_for_update().get(pk=member.user_id)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=member,
        summary=_("重置 %(name)s 的账号密码，发放新的激活码") % {"name": member.name},
        detail={"batch": str(batch.public_id)},
    )
    return batch


# --- activation -----------------------------------------------------------------------------


def _client_failures(ip: str | None) -> int:
    since = timezone.now() - dt.timedelta(
        minutes=_setting("DANGJIAN_ACTIVATION_WINDOW_MINUTES", 15)
    )
    return ActivationAttempt.objects.filter(ip_address=ip, at__gte=since, succeeded=False).count()


def _refuse(
    *, ip: str | None, message: str, code: str, reason: str, record: Any = None
) -> NoReturn:
    """Count and audit a failed attempt in its own transaction (it must survive the refusal),
    then raise the member's message."""
    with transaction.atomic():
        ActivationAttempt.objects.create(ip_address=ip, succeeded=False)
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            target=record,
            target_type="" if record is not None else ActivationCode._meta.label_lower,
            summary=_("账号激活失败"),
            detail={"reason": reason},
            ip_address=ip,
        )
    raise ValidationError(message, code=code)


def account_activate(*, code: str, id_last4: str, password: str) -> Any:
    """The member activates their account: the code, the last 4 characters of their ID number,
    a new password. Returns the user, active and linked to the member; the code is used up.

    Not one transaction: a failed attempt is written and committed before the refusal is
    raised, so that throttling counts it."""
    ip = client_address.get()
    if _client_failures(ip) >= _setting("DANGJIAN_ACTIVATION_MAX_FAILURES_PER_CLIENT", 10):
        _refuse(
            ip=ip,
            message=_("尝试次数过多，请 %(m)d 分钟后再试。")
            % {"m": _setting("DANGJIAN_ACTIVATION_WINDOW_MINUTES", 15)},
            code=ErrorCode.ACTIVATION_THROTTLED,
            reason="client_throttled",
        )
    normalized = normalize_code(code)
    record = (
        ActivationCode.objects.select_related("member")
        .filter(code_hash=crypto.lookup_hash(normalized))
        .first()
        if normalized
        else None
    )
    if record is None:
        _refuse(
            ip=ip,
            message=_("激活码不正确。请核对激活函上的 10 位激活码（不含字母 O 和 I）。"),
            code=ErrorCode.ACTIVATION_CODE_UNKNOWN,
            reason="unknown_code",
        )
    max_tries = _setting("DANGJIAN_ACTIVATION_MAX_TRIES_PER_CODE", 5)
    renew = _("请联系支部书记重新发放激活函。")
    if record.used_at is not None:
        _refuse(
            ip=ip,
            message=_("该激活码已经用过。已开通的账号请直接登录；忘记密码请找支部书记重置。"),
            code=ErrorCode.ACTIVATION_CODE_USED,
            reason="used",
            record=record,
        )
    if record.revoked_at is not None:
        _refuse(
            ip=ip,
            message=_("该激活码已作废（已发放新的激活函或输错次数过多）。") + renew,
            code=ErrorCode.ACTIVATION_CODE_REVOKED,
            reason="revoked",
            record=record,
        )
    if record.expires_at <= timezone.now():
        _refuse(
            ip=ip,
            message=_("该激活码已过期。") + renew,
            code=ErrorCode.ACTIVATION_CODE_EXPIRED,
            reason="expired",
            record=record,
        )
    digits = normalize_code(id_last4)
    if not secrets.compare_digest(digits, record.member.id_number[-4:].upper()):
        with transaction.atomic():
            tries = ActivationCode.objects.select_for_update().get(pk=record.pk)
            tries.failed_attempts += 1
            fields = ["failed_attempts"]
            if tries.failed_attempts >= max_tries:
                tries.revoked_at = timezone.now()
                tries.code_encrypted = ""
                fields += ["revoked_at", "code_encrypted"]
                caching.invalidate_members([tries.member_id])  # no longer counted as invited
            tries.save(update_fields=fields)
        left = max_tries - tries.failed_attempts
        message = (
            _("身份证号后 4 位不正确，还可以再试 %(n)d 次。") % {"n": left}
            if left > 0
            else _("身份证号后 4 位连续输错 %(n)d 次，该激活码已作废。") % {"n": max_tries} + renew
        )
        _refuse(
            ip=ip,
            message=message,
            code=ErrorCode.ACTIVATION_WRONG_ID,
            reason="wrong_id",
            record=record,
        )
    return _activate(record=record, password=password, ip=ip)


@transaction.atomic
def _activate(*, record: ActivationCode, password: str, ip: str | None) -> Any:
    record = ActivationCode.objects.select_for_update().select_related("member").get(pk=record.pk)
    if not record.is_open:  # a second tab was quicker
        raise ValidationError(_("该激活码已经用过。"), code=ErrorCode.ACTIVATION_CODE_USED)
    member = Member.objects.select_for_update().get(pk=record.member_id)
    if member.status in REMOVING_STATUSES:
        raise ValidationError(
            _("您已不在党员名册中，不能开通账号。如有疑问请联系支部书记。"),
            code=CoreErrorCode.NOT_ON_ROSTER,
        )
    user_model = get_user_model()
    user = member.user
    if user is None:
        if user_model.objects.filter(username=record.username).exists():
            raise ValidationError(
                _("登录名 %(u)s 已被占用，请联系支部书记。") % {"u": record.username},
                code=ErrorCode.USERNAME_TAKEN,
            )
        user = user_model(username=record.username, display_name=member.name)
    password_check(password, user=user, field="password")
    user.set_password(password)
    user.is_active = True
    user.save()
    organization = _organization_of(member)
    if not RoleAssignment.objects.filter(user=user, role=Role.MEMBER).exists():
        RoleAssignment.objects.create(user=user, organization=organization, role=Role.MEMBER)
    if member.user_id != user.pk:
        member.user = user
        member.save(update_fields=["user", "updated_at"])
    record.used_at = timezone.now()
    record.code_encrypted = ""
    record.save(update_fields=["used_at", "code_encrypted"])
    caching.invalidate_members([member.pk])  # counted as active now, no longer invited
    ActivationAttempt.objects.create(ip_address=ip, succeeded=True)
    audit_record(
        actor=user,
        action=AuditAction.LOGIN,
        target=record,
        summary=_("%(name)s 激活账号 %(u)s（%(purpose)s）")
        % {"name": member.name, "u": user.get_username(), "purpose": record.get_purpose_display()},
        ip_address=ip,
    )
    return user


# --- the account follows the member ---------------------------------------------------------


def on_member_left(
    *, member: Member, organization: Any, how_removed: str, on: dt.date, actor: Any
) -> None:
    """`members.hooks` on left: death or leaving the party disables the account and voids any
    open code. Other removals (停止党籍, 转出) keep it: the member may come back."""
    if how_removed not in DISABLING_WAYS:
        return
    ActivationCode.objects.filter(
        member=member, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), code_encrypted="")
    if member.user_id is None:
        return
    user = get_user_model().objects.select_for_update().get(pk=member.user_id)
    if not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=user,
        summary=_("停用 %(name)s 的账号（%(how)s）")
        % {"name": member.name, "how": HowRemoved(how_removed).label},
    )


def on_member_moved(
    *,
    member: Member,
    from_organization: Organization,
    to_organization: Organization,
    on: dt.date,
    actor: Any,
) -> None:
    """`members.hooks` on moved: the account goes with the member. Scope already follows the
    member record; the member's own role row is moved too so that lists of roles tell the truth."""
    if member.user_id is not None:
        RoleAssignment.objects.filter(user_id=member.user_id, role=Role.MEMBER).update(
            organization=to_organization
        )


# --- reading codes back for the letters -----------------------------------------------------


def letters(batch: InvitationBatch) -> Iterable[tuple[ActivationCode, str]]:
    """The batch's codes that can still be used, with their plain text, for printing."""
    now = timezone.now()
    for record in (
        ActivationCode.objects.filter(
            Q(batch=batch), used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        .exclude(code_encrypted="")
        .select_related("member")
        .order_by("member__name_pinyin", "pk")
    ):
        yield record, crypto.decrypt_text(record.code_encrypted)


def letters_exported(*, actor: Any, batch: InvitationBatch) -> None:
    """The letters carry live codes: who printed them is audited."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=batch,
        summary=_("打印 %(org)s 的激活函") % {"org": batch.organization.name},
        detail={"count": batch.done},
    )
