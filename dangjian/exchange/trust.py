"""The trust list: import and remove other deployments' public keys; find a key to verify with.

Only an administrator of a top-level organization (or a superuser) manages the trust list:
trusting a key means accepting every certificate, transfer package and receipt it signs.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.signing import VerifyKey

from dangjian.accounts.choices import Role
from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.exchange.error_codes import ErrorCode

from .models import TrustedKey

Outcome = Literal["valid", "bad_signature", "unknown_issuer"]


def can_manage_trust(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(
        user.roles.filter(role=Role.ADMINISTRATOR, organization__parent__isnull=True).exists()
    )


def _require_trust_manager(actor: User) -> None:
    if not can_manage_trust(actor):
        raise PermissionDenied


def trusted_keys() -> list[TrustedKey]:
    """The trust list as the trust page shows it: every entry not removed, revoked ones too."""
    return list(TrustedKey.objects.filter(removed_at__isnull=True).order_by("issuer", "added_at"))


def trusted_keys_in_force(on: dt.date | None = None) -> list[TrustedKey]:
    """The keys whose signatures are accepted on `on` (the offline verifier's data)."""
    on = on or today()
    return list(
        TrustedKey.objects.filter(removed_at__isnull=True, revoked_at__isnull=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("issuer", "added_at")
    )


def trusted_keys_not_ended(on: dt.date | None = None) -> list[TrustedKey]:
    """The keys accepted on `on` or later (not removed, not revoked, period not over): what the
    offline verifier keeps, each with its period, which it checks on the day it verifies."""
    on = on or today()
    return list(
        TrustedKey.objects.filter(removed_at__isnull=True, revoked_at__isnull=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("issuer", "added_at")
    )


def _optional_date(value: Any, number: int) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise field_error(
            "document",
            _("第 %(n)d 个公钥的有效期不是日期（YYYY-MM-DD）。") % {"n": number},
            code=ErrorCode.BAD_PERIOD,
        ) from exc


def key_entry(entry: Any, number: int) -> tuple[bytes, dt.date | None, dt.date | None]:
    """One key of a public-keys document or a trust-list update: (raw public key, valid from,
    valid until), its kid and period checked."""
    try:
        raw = signing.b64url_decode(str(entry["public_key"]))
        VerifyKey(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise field_error(
            "document", _("第 %(n)d 个公钥无效。") % {"n": number}, code=ErrorCode.BAD_KEY
        ) from exc
    kid = signing.key_id(raw).hex()
    if str(entry.get("kid", kid)) != kid:
        raise field_error(
            "document",
            _("第 %(n)d 个公钥的标识（kid）与公钥不符，文件可能被改动。") % {"n": number},
            code=ErrorCode.KID_MISMATCH,
        )
    valid_from = _optional_date(entry.get("valid_from"), number)
    valid_until = _optional_date(entry.get("valid_until"), number)
    if valid_from and valid_until and valid_until < valid_from:
        raise field_error(
            "document",
            _("第 %(n)d 个公钥的有效期至早于生效日期。") % {"n": number},
            code=ErrorCode.BAD_PERIOD,
        )
    return raw, valid_from, valid_until


@transaction.atomic
def trusted_keys_import(
    *, actor: User, document: str | bytes, label: str = "", authority: bool = False
) -> list[TrustedKey]:
    """Import a public-keys document (signing.public_keys_document) of another deployment; a
    key may carry `valid_from` / `valid_until` (ISO dates). `authority`: the deployment of the
    committee above, whose keys sign trust-list updates (docs/trust-update.md)."""
    _require_trust_manager(actor)
    try:
        data = json.loads(document)
    except (ValueError, UnicodeDecodeError) as exc:
        raise field_error(
            "document", _("公钥文件不是有效的 JSON。"), code=CoreErrorCode.NOT_JSON
        ) from exc
    if not isinstance(data, dict) or data.get("format") != "dangjian-public-keys/1":
        raise field_error(
            "document",
            _("这不是党建系统导出的公钥文件（format 应为 dangjian-public-keys/1）。"),
            code=CoreErrorCode.BAD_FORMAT,
        )
    issuer = str(data.get("issuer", "")).strip()
    if not issuer or len(issuer) > 64:
        raise field_error("document", _("公钥文件缺少签发方（issuer）。"), code=ErrorCode.NO_ISSUER)
    if issuer == signing.issuer():
        raise field_error(
            "document", _("这是本系统自己的公钥，无需导入。"), code=ErrorCode.OWN_ISSUER
        )
    keys = data.get("keys")
    if not isinstance(keys, list) or not keys:
        raise field_error("document", _("公钥文件中没有公钥。"), code=ErrorCode.NO_KEYS)
    imported: list[TrustedKey] = []
    for number, entry in enumerate(keys, start=1):
        if not isinstance(entry, dict):
            raise field_error(
                "document", _("第 %(n)d 个公钥无效。") % {"n": number}, code=ErrorCode.BAD_KEY
            )
        raw, valid_from, valid_until = key_entry(entry, number)
        kid = signing.key_id(raw).hex()
        key, _created = TrustedKey.objects.update_or_create(
            issuer=issuer,
            kid=kid,
            defaults={
                "public_key": signing.b64url(raw),
                "label": label,
                "added_by": actor,
                "removed_at": None,
                "revoked_at": None,
                "revoked_by": "",
                "valid_from": valid_from,
                "valid_until": valid_until,
                "is_authority": authority,
            },
        )
        imported.append(key)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target_type="trust",
        summary=_("导入受信任的公钥：%(issuer)s") % {"issuer": issuer},
        detail={"issuer": issuer, "kids": [k.kid for k in imported], "authority": authority},
    )
    return imported


@transaction.atomic
def trusted_key_remove(*, actor: User, key: TrustedKey) -> TrustedKey:
    _require_trust_manager(actor)
    key.removed_at = timezone.now()
    key.save(update_fields=["removed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        target_type="trust",
        summary=_("移除受信任的公钥：%(issuer)s") % {"issuer": key.issuer},
        detail={"issuer": key.issuer, "kid": key.kid},
    )
    return key


KeyStatus = Literal["in_force", "unknown", "revoked", "expired"]


def _entries(issuer: str, kid: bytes) -> Any:
    return TrustedKey.objects.filter(issuer=issuer, kid=kid.hex(), removed_at__isnull=True)


def trusted_key_in_force(issuer: str, kid: bytes, on: dt.date | None = None) -> TrustedKey | None:
    """The trust-list entry for (issuer, kid) in force on `on` (today): not removed, not
    revoked, and inside its validity period where one is set."""
    on = on or today()
    return (
        _entries(issuer, kid)
        .filter(revoked_at__isnull=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .first()
    )


def key_status(issuer: str, kid: bytes, on: dt.date | None = None) -> KeyStatus:
    """Why a key is or is not accepted on `on`: in force, unknown (never trusted or removed),
    revoked (by a trust-list update), or expired (outside its validity period)."""
    if issuer == signing.issuer():
        return "in_force" if signing.own_verify_key(kid) is not None else "unknown"
    if trusted_key_in_force(issuer, kid, on) is not None:
        return "in_force"
    entries = list(_entries(issuer, kid))
    if not entries:
        return "unknown"
    if all(e.revoked_at is not None for e in entries):
        return "revoked"
    return "expired"


def verify_key_for(issuer: str, kid: bytes, on: dt.date | None = None) -> VerifyKey | None:
    """The public key that `issuer` signs with under `kid`: our own, or one on the trust list
    in force on `on` (today)."""
    if issuer == signing.issuer():
        return signing.own_verify_key(kid)
    key = trusted_key_in_force(issuer, kid, on)
    return VerifyKey(signing.b64url_decode(key.public_key)) if key else None


def verify_signed(
    issuer: str, kid: bytes, message: bytes, signature: bytes, *, on: dt.date | None = None
) -> Outcome:
    verify_key = verify_key_for(issuer, kid, on)
    if verify_key is None:
        return "unknown_issuer"
    return "valid" if signing.verify(verify_key, message, signature) else "bad_signature"
