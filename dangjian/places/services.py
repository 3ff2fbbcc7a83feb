"""Writes to host places and directories. Each is atomic, checks scope and audits.

A deployment publishes its host places as a signed directory (`dangjian-directory/1`,
docs/directory-format.md); a top-level administrator of another deployment imports it. A
directory is refused whole, with nothing written, when the file or its signature does not check
out (dangjian.exchange.documents), when it is this deployment's own, or when it is not newer
than the directory already held from that issuer (a replay or an old file); otherwise it
replaces that issuer's places.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import signing
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.exchange import documents, trust
from dangjian.organizations.models import Organization

from .choices import PlaceKind, Weekday, WeekOfMonth
from .error_codes import ErrorCode
from .models import DirectoryImport, ForeignPlace, HostPlace

DIRECTORY_FORMAT = "dangjian-directory/1"
PLACE_FIELDS = (
    "name",
    "kind",
    "address",
    "region_code",
    "week_of_month",
    "weekday",
    "start_time",
    "contact",
    "active",
)


def _what() -> str:
    return pgettext("the subject of a sentence", "场所名录")


@transaction.atomic
def place_save(
    *,
    actor: User,
    organization: Organization,
    data: Mapping[str, Any],
    place: HostPlace | None = None,
) -> HostPlace:
    """Create or change a host place of one of the actor's organizations."""
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    if place is not None and not scope_for(actor).can_manage_path(place.organization.path):
        raise PermissionDenied
    place = place or HostPlace(organization=organization)
    place.organization = organization
    for name in PLACE_FIELDS:
        if name in data:
            setattr(place, name, data[name])
    place.full_clean()
    created = place.pk is None
    place.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=place,
        summary=_("登记活动场所：%(name)s") % {"name": place.name},
    )
    return place


def place_entry(place: HostPlace) -> dict[str, Any]:
    return {
        "id": str(place.public_id),
        "name": place.name,
        "kind": place.kind,
        "organization": {"name": place.organization.name, "code": place.organization.code or ""},
        "address": place.address,
        "region": place.region_code,
        "activity_day": {"week": place.week_of_month, "weekday": place.weekday},
        "start_time": place.start_time.strftime("%H:%M") if place.start_time else None,
        "contact": place.contact,
    }


@transaction.atomic
def directory_export(*, actor: User) -> dict[str, Any]:
    """The signed directory of every published place of this deployment."""
    trust._require_trust_manager(actor)
    places = list(
        HostPlace.objects.filter(active=True).select_related("organization").order_by("pk")
    )
    payload = {
        "issued_at": timezone.now().isoformat(),
        "places": [place_entry(p) for p in places],
    }
    document = documents.sign(DIRECTORY_FORMAT, payload)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target_type="places.directory",
        summary=_("导出活动场所名录（%(n)d 处）") % {"n": len(places)},
        detail={"sha256": documents.digest(document), "kid": document["kid"]},
    )
    return document


def _incomplete() -> ValidationError:
    return ValidationError(
        _("场所名录的内容不完整或格式不对，已拒绝，未做任何改动。"),
        code=CoreErrorCode.INCOMPLETE,
    )


def _place(entry: Any) -> dict[str, Any]:
    try:
        day = entry["activity_day"]
        start = entry.get("start_time")
        place: dict[str, Any] = {
            "public_id": uuid.UUID(str(entry["id"])),
            "name": str(entry["name"])[:200],
            "kind": str(entry["kind"]),
            "organization_name": str(entry.get("organization", {}).get("name", ""))[:200],
            "address": str(entry["address"])[:200],
            "region_code": str(entry["region"]),
            "week_of_month": int(day["week"]),
            "weekday": int(day["weekday"]),
            "start_time": dt.time.fromisoformat(start) if start else None,
            "contact": str(entry.get("contact", ""))[:100],
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _incomplete() from exc
    if (
        place["kind"] not in PlaceKind.values
        or place["week_of_month"] not in WeekOfMonth.values
        or place["weekday"] not in Weekday.values
        or len(place["region_code"]) != 6
        or not place["region_code"].isdigit()
        or not place["name"]
    ):
        raise _incomplete()
    return place


@transaction.atomic
def directory_import(*, actor: User, document: str | bytes | dict[str, Any]) -> DirectoryImport:
    """Verify another deployment's signed directory and replace its places with it."""
    trust._require_trust_manager(actor)
    verified = documents.verify(document, DIRECTORY_FORMAT, what=_what())
    if verified.issuer == signing.issuer():
        raise ValidationError(_("这是本系统自己的场所名录，无需导入。"), code=ErrorCode.OWN)
    payload = verified.payload
    try:
        issued_at = dt.datetime.fromisoformat(str(payload["issued_at"]))
    except (KeyError, ValueError) as exc:
        raise _incomplete() from exc
    raw = payload.get("places")
    if not isinstance(raw, list) or issued_at.tzinfo is None:
        raise _incomplete()
    places = [_place(entry) for entry in raw]
    if len({p["public_id"] for p in places}) != len(places):
        raise _incomplete()
    last = DirectoryImport.objects.filter(issuer=verified.issuer).order_by("-issued_at").first()
    if last is not None and issued_at <= last.issued_at:
        raise ValidationError(
            _(
                "该场所名录（%(at)s 签发）不晚于已导入的 %(last)s 的名录，"
                "可能是重复导入或旧文件，已拒绝，未做任何改动。"
            )
            % {"at": issued_at.isoformat(), "last": last.issued_at.isoformat()},
            code=ErrorCode.OLDER,
        )
    imported = DirectoryImport.objects.create(
        issuer=verified.issuer,
        kid=verified.kid,
        sha256=verified.sha256,
        issued_at=issued_at,
        places=len(places),
        actor=actor if actor.is_authenticated else None,
    )
    ForeignPlace.objects.filter(issuer=verified.issuer).delete()
    ForeignPlace.objects.bulk_create(
        ForeignPlace(issuer=verified.issuer, directory=imported, **place) for place in places
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target=imported,
        summary=_("导入 %(issuer)s 的活动场所名录（%(signed_by)s 签名，%(n)d 处）")
        % {"issuer": verified.issuer, "signed_by": verified.signed_by, "n": len(places)},
        detail={"sha256": verified.sha256, "kid": verified.kid},
    )
    return imported
