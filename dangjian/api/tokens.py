"""API tokens for integrations: each user mints their own, stored hashed.

A token acts as its user: the same roles, the same scope, the same audit trail. So nobody mints
a token for someone else (issue 18: an administrator could otherwise act as anyone below them,
and the audit trail would name the other user). Create a user for each integration
(`dangjian adduser`) with the role it needs, sign in as it, and create its token on
/api-tokens/. Tokens expire (at most a year); the token's user, or an administrator over every
role of that user, can revoke one at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from dangjian.accounts.choices import Role
from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error

from .models import ApiToken

PREFIX = "dj_"
MAX_DAYS = 366


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_create_tokens(actor: Any) -> bool:
    """A signed-in user with a role other than the member's own (or a superuser): an
    integration account. A token is always for the actor itself."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return actor.roles.exclude(role=Role.MEMBER).exists()


def can_revoke_tokens_of(actor: Any, user: Any) -> bool:
    """The token's own user, or an administrator whose scope covers every role of the user."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.pk == user.pk or actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    admin_paths = list(
        actor.roles.filter(role=Role.ADMINISTRATOR).values_list("organization__path", flat=True)
    )
    paths = list(user.roles.values_list("organization__path", flat=True))
    return bool(paths) and all(any(p.startswith(a) for a in admin_paths) for p in paths)


@transaction.atomic
def api_token_create(*, actor: User, name: str, days: int) -> tuple[ApiToken, str]:
    """Create a token for the actor itself; returns the record and the token text, which is
    never shown again. There is no way to name another user."""
    if not can_create_tokens(actor):
        raise PermissionDenied
    if not name.strip():
        raise field_error(
            "name", _("请填写令牌的用途，例如“人社系统对接”。"), code=CoreErrorCode.REQUIRED
        )
    if not 1 <= days <= MAX_DAYS:
        raise field_error(
            "days",
            _("有效期须在 1 至 %(max)d 天之间。") % {"max": MAX_DAYS},
            code=CoreErrorCode.OUT_OF_RANGE,
        )
    token = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=actor,
        name=name.strip(),
        prefix=token[:10],
        token_sha256=_hash(token),
        created_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=record,
        summary=_("创建接口令牌“%(name)s”") % {"name": record.name},
        detail={"user_id": actor.pk, "expires_at": record.expires_at.isoformat()},
    )
    return record, token


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if not can_revoke_tokens_of(actor, token.user):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.REVOKE,
            target=token,
            summary=_("撤销接口令牌“%(name)s”") % {"name": token.name},
        )
    return token


def user_for_token(token: str) -> Any | None:
    """The active user a valid token acts as, or None."""
    if not token.startswith(PREFIX):
        return None
    now = timezone.now()
    record = (
        ApiToken.objects.select_related("user")
        .filter(token_sha256=_hash(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if record is None or not record.user.is_active:
        return None
    if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dj_…`; the request then acts as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token)
        if user is None:
            # A request that names a token stands or falls by it: no fallback to a session.
            raise AuthenticationError
        request.user = user
        return user
