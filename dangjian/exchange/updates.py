"""Signed trust-list updates from the committee above (docs/trust-update.md).

The deployment of the committee above (a city for its counties, a province for its cities) signs
one document that adds or rotates keys of the deployments it oversees, with validity periods,
and revokes keys that leaked or are retired. Each deployment below imports it: only a key marked
as the authority's (`TrustedKey.is_authority`, set when its keys were imported) may sign one; an
update no newer than the last one applied from that authority is refused; entries naming this
deployment itself are left out (its own keys are its settings, docs/keys.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import signing
from dangjian.core.error_codes import ErrorCode as CoreErrorCode

from . import documents, trust
from .error_codes import ErrorCode
from .models import TrustedKey, TrustUpdate

UPDATE_FORMAT = "dangjian-trust-update/1"


def _what() -> str:
    return pgettext("the subject of a sentence", "信任列表更新")


def _incomplete() -> ValidationError:
    return ValidationError(
        _("信任列表更新的内容不完整或格式不对，已拒绝，未做任何改动。"),
        code=CoreErrorCode.INCOMPLETE,
    )


def update_payload(
    *,
    keys: list[dict[str, Any]],
    revoked: list[dict[str, Any]],
    issued_at: dt.datetime,
) -> dict[str, Any]:
    """keys: [{"issuer", "kid", "public_key", "valid_from", "valid_until"}] (dates ISO or null);
    revoked: [{"issuer", "kid", "reason"}]."""
    return {"issued_at": issued_at.isoformat(), "keys": keys, "revoked": revoked}


@transaction.atomic
def trust_update_sign(
    *, actor: User, keys: list[dict[str, Any]], revoked: list[dict[str, Any]]
) -> dict[str, Any]:
    """Sign a trust-list update for the deployments below (a top-level administrator)."""
    trust._require_trust_manager(actor)
    for number, entry in enumerate(keys, start=1):
        trust.key_entry(entry, number)
    document = documents.sign(
        UPDATE_FORMAT, update_payload(keys=keys, revoked=revoked, issued_at=timezone.now())
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target_type="trust",
        summary=_("签发信任列表更新（新增或更新 %(k)d 个公钥，吊销 %(r)d 个）")
        % {"k": len(keys), "r": len(revoked)},
        detail={"sha256": documents.digest(document), "kid": document["kid"]},
    )
    return document


def _revocations(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    raw = payload.get("revoked", [])
    if not isinstance(raw, list):
        raise _incomplete()
    out = []
    for entry in raw:
        if not isinstance(entry, dict) or not entry.get("issuer") or not entry.get("kid"):
            raise _incomplete()
        out.append((str(entry["issuer"]), str(entry["kid"]), str(entry.get("reason", ""))[:100]))
    return out


@transaction.atomic
def trust_update_import(*, actor: User, document: str | bytes | dict[str, Any]) -> TrustUpdate:
    """Apply a signed trust-list update of the committee above: all of it, or nothing."""
    trust._require_trust_manager(actor)
    verified = documents.verify(document, UPDATE_FORMAT, what=_what())
    signer = trust.trusted_key_in_force(verified.issuer, bytes.fromhex(verified.kid))
    if verified.issuer == signing.issuer() or signer is None or not signer.is_authority:
        raise ValidationError(
            _(
                "该信任列表更新由 %(signed_by)s 签名，但该密钥不是上级系统的密钥："
                "只接受导入公钥时标为“上级系统”的密钥签发的更新。已拒绝，未做任何改动。"
            )
            % {"signed_by": verified.signed_by},
            code=ErrorCode.NOT_AUTHORITY,
        )
    payload = verified.payload
    try:
        issued_at = dt.datetime.fromisoformat(str(payload["issued_at"]))
    except (KeyError, ValueError) as exc:
        raise _incomplete() from exc
    keys = payload.get("keys", [])
    if not isinstance(keys, list) or issued_at.tzinfo is None:
        raise _incomplete()
    last = TrustUpdate.objects.filter(issuer=verified.issuer).order_by("-issued_at").first()
    if last is not None and issued_at <= last.issued_at:
        raise ValidationError(
            _(
                "该信任列表更新（%(at)s 签发）不晚于已导入的 %(last)s 的更新，"
                "可能是重复导入或旧文件，已拒绝，未做任何改动。"
            )
            % {"at": issued_at.isoformat(), "last": last.issued_at.isoformat()},
            code=ErrorCode.OLDER,
        )
    revocations = _revocations(payload)
    own = signing.issuer()
    added: list[dict[str, Any]] = []
    for number, entry in enumerate(keys, start=1):
        if not isinstance(entry, dict) or not entry.get("issuer"):
            raise _incomplete()
        issuer = str(entry["issuer"])[:64]
        raw, valid_from, valid_until = trust.key_entry(entry, number)
        if issuer == own:
            continue
        kid = signing.key_id(raw).hex()
        TrustedKey.objects.update_or_create(
            issuer=issuer,
            kid=kid,
            defaults={
                "public_key": signing.b64url(raw),
                "label": _("%(issuer)s 的信任列表更新") % {"issuer": verified.issuer},
                "added_by": actor,
                "removed_at": None,
                "revoked_at": None,
                "revoked_by": "",
                "valid_from": valid_from,
                "valid_until": valid_until,
                "is_authority": issuer == verified.issuer,
            },
        )
        added.append(
            {
                "issuer": issuer,
                "kid": kid,
                "valid_from": valid_from.isoformat() if valid_from else None,
                "valid_until": valid_until.isoformat() if valid_until else None,
            }
        )
    revoked: list[dict[str, Any]] = []
    now = timezone.now()
    for issuer, kid, reason in revocations:
        if issuer == own:
            continue
        why = _("%(issuer)s 于 %(at)s 吊销：%(reason)s") % {
            "issuer": verified.issuer,
            "at": issued_at.date().isoformat(),
            "reason": reason or "—",
        }
        TrustedKey.objects.filter(issuer=issuer, kid=kid, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=why[:200]
        )
        revoked.append({"issuer": issuer, "kid": kid, "reason": reason})
    update = TrustUpdate.objects.create(
        issuer=verified.issuer,
        kid=verified.kid,
        sha256=verified.sha256,
        issued_at=issued_at,
        added=added,
        revoked=revoked,
        document=verified.document,
        actor=actor if actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target=update,
        summary=_("导入 %(signed_by)s 签名的信任列表更新：新增或更新 %(k)d 个公钥，吊销 %(r)d 个")
        % {"signed_by": verified.signed_by, "k": len(added), "r": len(revoked)},
        detail={"sha256": verified.sha256, "added": added, "revoked": revoked},
    )
    return update
