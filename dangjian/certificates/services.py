"""Issue, revoke and verify electronic activity certificates; the signed revocation list.

Writes are atomic, check scope, and write an audit event and the member's archive entry
(电子活动证). Verification is one function, `certificate_verify`, used by the verification page,
the API and (at merge) the guest check-in of an activity: it always answers exactly one Outcome.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import cbor2
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.certificates.error_codes import ErrorCode
from dangjian.core import signing
from dangjian.core.dates import add_years, today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.exchange import trust
from dangjian.exchange.error_codes import ErrorCode as ExchangeErrorCode
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind, HowRemoved, MemberStatus
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.organizations.models import Organization

from . import credential, render, selectors
from .choices import Outcome, RevocationReason
from .models import Certificate, ForeignRevocation

# On-roster statuses that may hold a certificate. 失联 (lost contact) may not: the branch can
# no longer vouch for the member. Removal (died, left, suspended, transferred out) ends the roster
# place and revokes through the members on-left hook.
ISSUABLE_STATUSES = frozenset({MemberStatus.NORMAL, MemberStatus.MOBILE, MemberStatus.ABROAD})
RENEW_WITHIN_DAYS = 30
REVOCATION_CACHE_SECONDS = 10.0
REVOCATION_LIST_FORMAT = "dangjian-revocations/1"

REASON_FOR_REMOVAL = {
    HowRemoved.DIED: RevocationReason.DECEASED,
    HowRemoved.SUSPENDED: RevocationReason.SUSPENDED,
    HowRemoved.TRANSFERRED_OUT: RevocationReason.TRANSFERRED_OUT,
    HowRemoved.MOVED_WITHIN: RevocationReason.MOVED,
}


def validity_years() -> int:
    return int(getattr(settings, "DANGJIAN_CARD_VALIDITY_YEARS", 1))


# --- the revocation index: what verification checks, kept in memory ---------------------


@dataclass(frozen=True)
class RevocationIndex:
    own: frozenset[str]
    foreign: frozenset[tuple[str, str]]

    def is_revoked(self, issuer: str, serial_hex: str) -> bool:
        if issuer == signing.issuer():
            return serial_hex in self.own
        return (issuer, serial_hex) in self.foreign


_index_lock = threading.Lock()
_index: tuple[float, RevocationIndex] | None = None


def revocation_index() -> RevocationIndex:
    """Revoked serials, reloaded from the database at most every REVOCATION_CACHE_SECONDS.

    Verification is meant to run at thousands per second, so it does not query per credential.
    A revocation made by this process clears the index at once; other server processes see it
    within REVOCATION_CACHE_SECONDS (docs/certificate-format.md, "Revocation").
    """
    global _index
    now = time.monotonic()
    current = _index
    if current is not None and now - current[0] < REVOCATION_CACHE_SECONDS:
        return current[1]
    with _index_lock:
        own = frozenset(
            Certificate.objects.filter(revoked_at__isnull=False).values_list("serial", flat=True)
        )
        foreign = frozenset(ForeignRevocation.objects.values_list("issuer", "serial"))
        index = RevocationIndex(own=own, foreign=foreign)
        _index = (now, index)
    return index


def revocation_index_clear() -> None:
    global _index
    _index = None


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    """What `certificate_verify` answers. Claims are present from BAD_SIGNATURE on only for
    our own diagnostics; callers show name and organization only when the outcome is VALID.

    For a valid credential of ours the check reads the certificate's row once (with its
    organization's name), so `member` and `organization` are loaded only by a caller that uses
    them (the guest check-in), never by the verification page or the API."""

    outcome: Outcome
    claims: credential.Claims | None = None
    member_id: int | None = None  # set when VALID and issued by this deployment
    organization_id: int | None = None  # the home organization, when ours
    organization_name: str = ""

    @cached_property
    def member(self) -> Member | None:
        return Member.objects.get(pk=self.member_id) if self.member_id is not None else None

    @cached_property
    def organization(self) -> Organization | None:
        if self.organization_id is None:
            return None
        return Organization.objects.get(pk=self.organization_id)

    @property
    def is_valid(self) -> bool:
        return self.outcome == Outcome.VALID

    @property
    def is_own(self) -> bool:
        return self.claims is not None and self.claims.issuer == signing.issuer()

    @property
    def name(self) -> str:
        return self.claims.name if self.claims and self.is_valid else ""

    @property
    def organization_code(self) -> str:
        return self.claims.organization_code if self.claims and self.is_valid else ""

    @property
    def message(self) -> str:
        return str(OUTCOME_MESSAGES[self.outcome])


OUTCOME_MESSAGES = {
    Outcome.VALID: _("电子活动证有效。"),
    Outcome.EXPIRED: _("电子活动证不在有效期内，请持证人重新申领。"),
    Outcome.REVOKED: _("电子活动证已被撤销（如组织关系已转出或调整），请持证人联系所在党组织。"),
    Outcome.BAD_SIGNATURE: _("签名校验失败：内容被改动或不是签发方签发的，请勿接受。"),
    Outcome.UNKNOWN_ISSUER: _(
        "签发方不在信任列表中：请管理员导入该地的公钥后再核验，或联系持证人所在党组织。"
    ),
    Outcome.MALFORMED: _("无法识别：这不是完整的电子活动证二维码内容，请重新扫描或完整粘贴。"),
}


def verify_text(
    text: str,
    *,
    on: dt.date,
    index: RevocationIndex,
    foreign_keys: dict[tuple[str, bytes], Any] | None = None,
) -> tuple[Outcome, credential.Claims | None]:
    """The whole check without touching the database for our own credentials: decode, find the
    key, check the signature, then revocation, then the dates. Another issuer's key is read
    from the trust list; `foreign_keys` keeps what was read for the next credentials of a
    batch."""
    try:
        decoded = credential.credential_decode(text)
    except credential.MalformedCredential:
        return Outcome.MALFORMED, None
    claims, sign1 = decoded.claims, decoded.sign1
    own = claims.issuer == signing.issuer()
    if own:
        verify_key = signing.own_verify_key(sign1.kid)
    elif foreign_keys is None:
        verify_key = trust.verify_key_for(claims.issuer, sign1.kid)
    else:
        found = (claims.issuer, sign1.kid)
        if found not in foreign_keys:
            foreign_keys[found] = trust.verify_key_for(claims.issuer, sign1.kid)
        verify_key = foreign_keys[found]
    if verify_key is None:
        return Outcome.UNKNOWN_ISSUER, claims
    if not signing.verify(verify_key, sign1.to_be_signed(), sign1.signature):
        return Outcome.BAD_SIGNATURE, claims
    serial = claims.serial.hex()
    if serial in index.own if own else (claims.issuer, serial) in index.foreign:
        return Outcome.REVOKED, claims
    if not claims.valid_from <= on <= claims.valid_until:
        return Outcome.EXPIRED, claims
    return Outcome.VALID, claims


BATCH_LIMIT = 1000  # credentials in one call of the API's batch check (docs/api.md)
_HOLDER_CHUNK = 500  # serials per query (SQLite's limit on bound parameters)


@dataclass(frozen=True)
class _Holder:
    revoked: bool
    member_id: int
    organization_id: int
    organization_name: str


@lru_cache(maxsize=32)
def _holders_sql(vendor: str, count: int) -> str:
    """The query of `_holders` for `count` serials (built once: quoting names costs more than
    running the query)."""
    quote = connection.ops.quote_name
    certificates, organizations = (
        quote(Certificate._meta.db_table),
        quote(Organization._meta.db_table),
    )
    columns = ", ".join(
        f"{table}.{quote(column)}"
        for table, column in [
            ("c", "serial"),
            ("c", "revoked_at"),
            ("c", "member_id"),
            ("o", "id"),
            ("o", "name"),
        ]
    )
    join = f"o.{quote('id')} = c.{quote('organization_id')}"
    serials = f"c.{quote('serial')} IN ({', '.join(['%s'] * count)})"
    # Names from the models, quoted; the serials are parameters.
    return (
        f"SELECT {columns} FROM {certificates} c JOIN {organizations} o ON {join} WHERE {serials}"  # noqa: S608
    )


def _holders(serials: set[str]) -> dict[str, _Holder]:
    """Our certificates' rows for these serials: revoked or not, member and organization.

    One indexed query (a join, five columns, no model instances) per chunk of serials: the
    verification page and the API call this once per check, thousands of times a second, so
    it goes around the ORM's query building, the cost of which was most of a check."""
    if not serials:
        return {}
    found: dict[str, _Holder] = {}
    ordered = sorted(serials)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), _HOLDER_CHUNK):
            chunk = ordered[start : start + _HOLDER_CHUNK]
            cursor.execute(_holders_sql(connection.vendor, len(chunk)), chunk)
            for serial, revoked_at, member_id, organization_id, name in cursor.fetchall():
                found[serial] = _Holder(revoked_at is not None, member_id, organization_id, name)
    return found


def _clean(payload: str) -> str:
    # Leading blanks and line breaks around a pasted text go; a trailing space may be part of
    # the Base45 text itself, so only line breaks and tabs are trimmed at the end.
    # A scanned verify URL (or its fragment) gives the same credential text.
    return credential.text_from_input((payload or "").lstrip().rstrip("\r\n\t"))


def certificate_verify_many(
    payloads: Iterable[str], *, on: dt.date | None = None
) -> list[VerificationResult]:
    """Verify many QR texts at once (the API's batch check): each answer exactly as
    `certificate_verify` gives it, with one query for all the valid credentials of ours."""
    on = on or today()
    index = revocation_index()
    own_issuer = signing.issuer()
    foreign_keys: dict[tuple[str, bytes], Any] = {}
    checked = [
        verify_text(_clean(payload), on=on, index=index, foreign_keys=foreign_keys)
        for payload in payloads
    ]
    holders = _holders(
        {
            claims.serial.hex()
            for outcome, claims in checked
            if outcome == Outcome.VALID and claims is not None and claims.issuer == own_issuer
        }
    )
    unknown_codes = {  # codes are unique
        claims.organization_code
        for outcome, claims in checked
        if outcome == Outcome.VALID
        and claims is not None
        and claims.issuer == own_issuer
        and claims.serial.hex() not in holders
    }
    by_code = (
        {
            code: (pk, name)
            for code, pk, name in Organization.objects.filter(code__in=unknown_codes).values_list(
                "code", "pk", "name"
            )
        }
        if unknown_codes  # building even an empty query costs more than the whole check
        else {}
    )
    results = []
    for outcome, claims in checked:
        if outcome != Outcome.VALID or claims is None or claims.issuer != own_issuer:
            results.append(VerificationResult(outcome=outcome, claims=claims))
            continue
        holder = holders.get(claims.serial.hex())
        if holder is None:
            # Signed by our key but unknown to this database (e.g. restored from an older
            # backup): the signature is good, so the holder is who the card says; no member row.
            pk, name = by_code.get(claims.organization_code, (None, ""))
            results.append(
                VerificationResult(
                    outcome=outcome, claims=claims, organization_id=pk, organization_name=name
                )
            )
        elif holder.revoked:  # revoked in another process since the index loaded
            results.append(VerificationResult(outcome=Outcome.REVOKED, claims=claims))
        else:
            results.append(
                VerificationResult(
                    outcome=outcome,
                    claims=claims,
                    member_id=holder.member_id,
                    organization_id=holder.organization_id,
                    organization_name=holder.organization_name,
                )
            )
    return results


def certificate_verify(payload: str, *, on: dt.date | None = None) -> VerificationResult:
    """Verify the text of a certificate's QR code. Never raises on bad input.

    When VALID and issued by this deployment, `member` and `organization` are the member and
    their current home organization, so a host branch can record a guest's attendance. At
    most one query: the certificate's row (and its organization's name), for a valid
    credential of ours only; revocation is read from the in-memory index.
    """
    return certificate_verify_many([payload], on=on)[0]


# --- issue ----------------------------------------------------------------------------------


def _home(member: Member) -> Membership | None:
    return (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )


def _eligibility_error(member: Member, home: Membership | None) -> ValidationError | None:
    if home is None:
        return ValidationError(
            _("该党员已不在党员名册中，不能签发电子活动证。"), code=CoreErrorCode.NOT_ON_ROSTER
        )
    if member.status not in ISSUABLE_STATUSES:
        return ValidationError(
            _("党籍状态为“%(status)s”的党员不能签发电子活动证；恢复联系后再申领。")
            % {"status": MemberStatus(member.status).label},
            code=ErrorCode.STATUS_NOT_ISSUABLE,
        )
    if not home.organization.code:
        return ValidationError(
            _("党组织“%(org)s”没有组织代码，请先在党组织信息中填写后再签发。")
            % {"org": home.organization.name},
            code=ErrorCode.ORGANIZATION_WITHOUT_CODE,
        )
    return None


def _needs_new(current: Certificate | None, member: Member, home: Membership, on: dt.date) -> bool:
    if current is None:
        return True
    return (
        current.name != member.name
        or current.category != member.category
        or current.organization_id != home.organization_id
        or current.valid_until < on + dt.timedelta(days=RENEW_WITHIN_DAYS)
    )


def _sign(member: Member, organization: Organization, on: dt.date, actor: User) -> Certificate:
    key = signing.current_key()
    valid_until = add_years(on, validity_years()) - dt.timedelta(days=1)
    claims = credential.Claims(
        issuer=signing.issuer(),
        serial=os.urandom(credential.SERIAL_BYTES),
        member_public_id=member.public_id,
        name=member.name,
        organization_code=organization.code,
        category=member.category,
        valid_from=on,
        valid_until=valid_until,
    )
    return Certificate(
        serial=claims.serial_hex,
        member=member,
        organization=organization,
        name=member.name,
        category=member.category,
        kid=key.kid_hex,
        valid_from=on,
        valid_until=valid_until,
        payload=credential.credential_encode(claims, kid=key.kid, signing_key=key.signing_key),
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _issue_summary(certificate: Certificate, superseded: str | None) -> str:
    """The archive's words for an issue: serial and validity, never the credential itself."""
    values = {
        "serial": certificate.serial.upper(),
        "from": certificate.valid_from.isoformat(),
        "until": certificate.valid_until.isoformat(),
        "org": certificate.organization.name,
    }
    if superseded is None:
        return (
            _("签发电子活动证，编号 %(serial)s，有效期 %(from)s 至 %(until)s（%(org)s）") % values
        )
    return _(
        "换发电子活动证，编号 %(serial)s，有效期 %(from)s 至 %(until)s（%(org)s）；"
        "原证 %(old)s 作废"
    ) % {**values, "old": superseded.upper()}


def _issue_entry(certificate: Certificate, superseded: str | None) -> ArchiveEntry:
    return ArchiveEntry(
        member=certificate.member,
        kind=ArchiveKind.CERTIFICATE,
        summary=_issue_summary(certificate, superseded),
        effective_on=certificate.valid_from,
    )


def _archive_revocation(
    *,
    member: Member,
    certificate: Certificate,
    reason: RevocationReason,
    actor: User,
    automatic: bool,
) -> None:
    values = {
        "serial": certificate.serial.upper(),
        "until": certificate.valid_until.isoformat(),
        "reason": RevocationReason(reason).label,
    }
    if automatic:
        summary = _("电子活动证 %(serial)s（有效期至 %(until)s）自动撤销：%(reason)s") % values
    else:
        summary = _("撤销电子活动证 %(serial)s（有效期至 %(until)s）：%(reason)s") % values
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.CERTIFICATE,
        summary=summary,
        effective_on=today(),
    )


def can_issue(actor: User, member: Member, organization: Organization) -> bool:
    is_self = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    return is_self or scope_for(actor).can_manage_path(organization.path)


@transaction.atomic
def certificate_issue(*, actor: User, member: Member, on: dt.date | None = None) -> Certificate:
    """Issue (申领) a certificate to a member, by the member or a manager of their organization.

    Asking again returns the current certificate unless the member's name, category or home
    organization changed or it ends within RENEW_WITHIN_DAYS: then a new one supersedes it.
    """
    on = on or today()
    member = Member.objects.select_for_update().get(pk=member.pk)
    home = _home(member)
    is_self = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    # A member off the roster has no organization to manage them: only they hear why not.
    if not (is_self or (home is not None and can_issue(actor, member, home.organization))):
        raise PermissionDenied(_("您无权为该党员签发电子活动证。"))
    error = _eligibility_error(member, home)
    if error is not None:
        raise error
    assert home is not None
    current = Certificate.objects.filter(member=member, revoked_at__isnull=True).first()
    if not _needs_new(current, member, home, on):
        assert current is not None
        return current
    if current is not None:
        _revoke(current, RevocationReason.SUPERSEDED)
    certificate = _sign(member, home.organization, on, actor)
    certificate.full_clean()
    certificate.save()
    # One entry for a renewal: it names the superseded serial (no entry of its own).
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.CERTIFICATE,
        summary=_issue_summary(certificate, current.serial if current else None),
        effective_on=certificate.valid_from,
    )
    audit_record(
        actor=actor,
        action=AuditAction.ISSUE,
        target=member,
        summary=_("签发电子活动证 %(serial)s") % {"serial": certificate.serial},
        detail={"serial": certificate.serial, "valid_until": certificate.valid_until.isoformat()},
    )
    return certificate


def mobile_members_without_certificate(
    organization: Organization, on: dt.date, *, everyone: bool = False
) -> list[tuple[Member, Membership]]:
    """流动 members on the roster of the subtree who hold no certificate good for a while yet;
    with `everyone`, every member who may hold one (a branch printing cards for all)."""
    statuses = ISSUABLE_STATUSES if everyone else {MemberStatus.MOBILE}
    memberships = (
        Membership.objects.within(organization)
        .select_related("member", "organization")
        .filter(ended_on__isnull=True, member__status__in=statuses)
        .order_by("member__name_pinyin", "member_id")
    )
    current = {
        c.member_id: c
        for c in Certificate.objects.filter(
            revoked_at__isnull=True, member__in=[m.member_id for m in memberships]
        )
    }
    return [
        (m.member, m)
        for m in memberships
        if _needs_new(current.get(m.member_id), m.member, m, on) and m.organization.code
    ]


def _issue_many(pairs: Iterable[tuple[Member, Membership]], *, actor: User, on: dt.date) -> int:
    pairs = list(pairs)
    if not pairs:
        return 0
    member_ids = [member.pk for member, _home in pairs]
    superseded = dict(
        Certificate.objects.filter(member_id__in=member_ids, revoked_at__isnull=True).values_list(
            "member_id", "serial"
        )
    )
    Certificate.objects.filter(serial__in=list(superseded.values())).update(
        revoked_at=timezone.now(), revocation_reason=RevocationReason.SUPERSEDED
    )
    revocation_index_clear()
    issued = Certificate.objects.bulk_create(
        [_sign(member, home.organization, on, actor) for member, home in pairs], batch_size=500
    )
    member_services.archive_add_many(
        actor=actor, entries=[_issue_entry(c, superseded.get(c.member_id)) for c in issued]
    )
    return len(pairs)


@transaction.atomic
def certificate_issue_bulk(
    *,
    actor: User,
    organization: Organization,
    on: dt.date | None = None,
    everyone: bool = False,
) -> int:
    """Issue certificates to every 流动 member of the organization and below who needs one (with
    `everyone`, to every member who may hold one: a branch handing out cards to all)."""
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied(_("您无权为该党组织的党员签发电子活动证。"))
    on = on or today()
    # Lock the members so that a concurrent single issue cannot give one member two certificates.
    pairs = mobile_members_without_certificate(organization, on, everyone=everyone)
    list(Member.objects.select_for_update().filter(pk__in=[m.pk for m, _h in pairs]))
    count = _issue_many(pairs, actor=actor, on=on)
    audit_record(
        actor=actor,
        action=AuditAction.ISSUE,
        target=organization,
        summary=(
            _("为全体党员批量签发电子活动证 %(n)d 张")
            if everyone
            else _("为流动党员批量签发电子活动证 %(n)d 张")
        )
        % {"n": count},
        detail={"count": count, "everyone": everyone},
    )
    return count


def demo_issue(*, actor: User, organizations: Iterable[Organization], on: dt.date) -> int:
    """The demo county's certificates: every mobile member's, in bulk (no audit per member)."""
    total = 0
    for organization in organizations:
        total += _issue_many(
            mobile_members_without_certificate(organization, on), actor=actor, on=on
        )
    return total


# --- revoke ---------------------------------------------------------------------------------


def _revoke(certificate: Certificate, reason: RevocationReason) -> None:
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.save(update_fields=["revoked_at", "revocation_reason"])
    revocation_index_clear()
    transaction.on_commit(revocation_index_clear)


@transaction.atomic
def certificate_revoke(
    *, actor: User, certificate: Certificate, reason: RevocationReason = RevocationReason.OTHER
) -> Certificate:
    """Revoke one certificate by hand (e.g. a lost phone); the member may ask for a new one."""
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("member", "organization")
        .get(pk=certificate.pk)
    )
    if not scope_for(actor).can_manage_path(certificate.organization.path):
        raise PermissionDenied(_("您无权撤销该电子活动证。"))
    if not certificate.can_revoke():
        raise ValidationError(_("该电子活动证已经撤销。"), code=ErrorCode.ALREADY_REVOKED)
    _revoke(certificate, reason)
    _archive_revocation(
        member=certificate.member,
        certificate=certificate,
        reason=reason,
        actor=actor,
        automatic=False,
    )
    audit_record(
        actor=actor,
        action=AuditAction.REVOKE,
        target=certificate.member,
        summary=_("撤销电子活动证 %(serial)s") % {"serial": certificate.serial},
        detail={"serial": certificate.serial, "reason": str(reason)},
    )
    return certificate


def certificates_revoke_for_member(
    *, member: Member, reason: RevocationReason, actor: User
) -> list[Certificate]:
    """Revoke whatever the member holds; called from the members hooks, in their transaction."""
    revoked = []
    for certificate in Certificate.objects.select_for_update().filter(
        member=member, revoked_at__isnull=True
    ):
        _revoke(certificate, reason)
        _archive_revocation(
            member=member, certificate=certificate, reason=reason, actor=actor, automatic=True
        )
        audit_record(
            actor=actor,
            action=AuditAction.REVOKE,
            target=member,
            summary=_("自动撤销电子活动证 %(serial)s：%(reason)s")
            % {"serial": certificate.serial, "reason": reason.label},
            detail={"serial": certificate.serial, "reason": str(reason), "automatic": True},
        )
        revoked.append(certificate)
    return revoked


# Hooks of dangjian.members.hooks (registered in CertificatesConfig.ready).


def on_member_status_changed(*, member: Member, after: str, actor: User, **_kwargs: Any) -> None:
    if after not in ISSUABLE_STATUSES:
        reason = (
            RevocationReason.LOST_CONTACT
            if after == MemberStatus.LOST_CONTACT
            else RevocationReason.OTHER
        )
        certificates_revoke_for_member(member=member, reason=reason, actor=actor)


def on_member_left(*, member: Member, how_removed: str, actor: User, **_kwargs: Any) -> None:
    reason = REASON_FOR_REMOVAL.get(HowRemoved(how_removed), RevocationReason.LEFT)
    certificates_revoke_for_member(member=member, reason=reason, actor=actor)


def on_member_moved(*, member: Member, actor: User, **_kwargs: Any) -> None:
    # The home organization is in the signed credential: the old one is now wrong.
    certificates_revoke_for_member(member=member, reason=RevocationReason.MOVED, actor=actor)


# --- the signed revocation list -------------------------------------------------------------


def revocation_list_payload(*, at: dt.datetime | None = None) -> bytes:
    """CBOR {1: issuer, 2: issued at (Unix seconds), 3: [serial, …]} of every revoked
    certificate that has not yet expired (an expired one is refused anyway)."""
    at = at or timezone.now()
    serials = sorted(
        bytes.fromhex(serial)
        for serial in Certificate.objects.filter(
            revoked_at__isnull=False, valid_until__gte=timezone.localdate(at)
        ).values_list("serial", flat=True)
    )
    return cbor2.dumps({1: signing.issuer(), 2: int(at.timestamp()), 3: serials})


def revocation_list_signed(*, at: dt.datetime | None = None) -> bytes:
    key = signing.current_key()
    return credential.sign1_encode(
        revocation_list_payload(at=at), kid=key.kid, signing_key=key.signing_key
    )


@dataclass(frozen=True)
class RevocationList:
    issuer: str
    issued_at: dt.datetime
    serials: list[str]
    kid: str = ""  # hex: the key that signed the list


def revocation_list_decode(data: bytes) -> tuple[credential.Sign1, RevocationList]:
    sign1 = credential.sign1_decode(data)
    value = credential.canonical_loads(sign1.payload)
    if not isinstance(value, dict) or set(value) != {1, 2, 3}:
        raise credential.MalformedCredential("revocation list")
    issuer, issued_at, serials = value[1], value[2], value[3]
    if (
        not isinstance(issuer, str)
        or not isinstance(issued_at, int)
        or not isinstance(serials, list)
        or not all(isinstance(s, bytes) and len(s) == credential.SERIAL_BYTES for s in serials)
    ):
        raise credential.MalformedCredential("revocation list fields")
    return sign1, RevocationList(
        issuer=issuer,
        issued_at=dt.datetime.fromtimestamp(issued_at, tz=dt.UTC),
        serials=[s.hex() for s in serials],
        kid=sign1.kid.hex(),
    )


@transaction.atomic
def revocation_list_import(*, actor: User, data: bytes) -> RevocationList:
    """Import another deployment's signed revocation list (replaces its previous one)."""
    if not trust.can_manage_trust(actor):
        raise PermissionDenied
    try:
        sign1, revocations = revocation_list_decode(data)
    except credential.MalformedCredential as exc:
        raise ValidationError(
            {"file": _("这不是党建系统导出的撤销列表文件（.cbor）。")},
            code=CoreErrorCode.BAD_FORMAT,
        ) from exc
    if revocations.issuer == signing.issuer():
        raise ValidationError(
            {"file": _("这是本系统自己的撤销列表，无需导入。")}, code=ErrorCode.OWN
        )
    status = trust.key_status(revocations.issuer, sign1.kid)
    if status in ("revoked", "expired"):
        raise ValidationError(
            {
                "file": _(
                    "撤销列表由 %(issuer)s 的密钥 %(kid)s 签名，该密钥已被吊销或不在信任列表规定的"
                    "有效期内，已拒绝，未做任何改动。"
                )
                % {"issuer": revocations.issuer, "kid": sign1.kid.hex()}
            },
            code=ExchangeErrorCode.KEY_REVOKED
            if status == "revoked"
            else ExchangeErrorCode.KEY_EXPIRED,
        )
    outcome = trust.verify_signed(
        revocations.issuer, sign1.kid, sign1.to_be_signed(), sign1.signature
    )
    if outcome == "unknown_issuer":
        raise ValidationError(
            {
                "file": _(
                    "撤销列表的签发方 %(issuer)s（密钥 %(kid)s）不在信任列表中，请先导入其公钥。"
                )
                % {"issuer": revocations.issuer, "kid": sign1.kid.hex()}
            },
            code=CoreErrorCode.UNKNOWN_ISSUER,
        )
    if outcome != "valid":
        raise ValidationError(
            {"file": _("撤销列表的签名无效，文件可能被改动，请重新下载。")},
            code=CoreErrorCode.BAD_SIGNATURE,
        )
    previous = (
        ForeignRevocation.objects.filter(issuer=revocations.issuer)
        .order_by("-list_issued_at")
        .values_list("list_issued_at", flat=True)
        .first()
    )
    if previous is not None and previous > revocations.issued_at:
        raise ValidationError(
            {"file": _("该撤销列表比已导入的更旧，未导入。请下载最新的撤销列表。")},
            code=ErrorCode.OLDER,
        )
    ForeignRevocation.objects.filter(issuer=revocations.issuer).delete()
    ForeignRevocation.objects.bulk_create(
        ForeignRevocation(
            issuer=revocations.issuer,
            serial=serial,
            list_issued_at=revocations.issued_at,
            kid=revocations.kid,
        )
        for serial in revocations.serials
    )
    revocation_index_clear()
    transaction.on_commit(revocation_index_clear)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target_type="revocations",
        summary=_("导入撤销列表：%(issuer)s（%(n)d 条，密钥 %(kid)s 签名）")
        % {"issuer": revocations.issuer, "n": len(revocations.serials), "kid": revocations.kid},
        detail={
            "issuer": revocations.issuer,
            "kid": revocations.kid,
            "count": len(revocations.serials),
        },
    )
    return revocations


def verifier_data(*, at: dt.datetime | None = None) -> dict[str, Any]:
    """What the verification page keeps in the browser to verify offline (static/certificates/
    offline.js): every public key it accepts and every revoked serial that has not expired.
    A trusted key comes with its validity period (ISO dates or null): the page keeps the data
    for days, so a key that starts later is shipped with its start, and offline.js accepts a
    key only inside its period, as the server does (docs/certificate-format.md)."""
    at = at or timezone.now()
    keys = [
        {
            "issuer": signing.issuer(),
            "kid": key.kid_hex,
            "public_key": signing.b64url(bytes(key.verify_key)),
        }
        for key in signing.own_keys()
    ] + [
        {
            "issuer": key.issuer,
            "kid": key.kid,
            "public_key": key.public_key,
            "valid_from": key.valid_from.isoformat() if key.valid_from else None,
            "valid_until": key.valid_until.isoformat() if key.valid_until else None,
        }
        for key in trust.trusted_keys_not_ended(timezone.localdate(at))
    ]
    revoked: dict[str, list[str]] = {
        signing.issuer(): sorted(
            Certificate.objects.filter(
                revoked_at__isnull=False, valid_until__gte=timezone.localdate(at)
            ).values_list("serial", flat=True)
        )
    }
    for issuer, serial in ForeignRevocation.objects.order_by("issuer", "serial").values_list(
        "issuer", "serial"
    ):
        revoked.setdefault(issuer, []).append(serial)
    return {
        "format": "dangjian-verifier/1",
        "generated_at": at.isoformat(),
        "keys": keys,
        "revoked": revoked,
    }


CARD_FORMATS = ("png", "pdf")


def certificate_card_export(*, actor: User, certificate: Certificate, kind: str) -> bytes:
    """The card as a .png or .pdf, for its member or a reader of its organization; the
    download is audited."""
    member = certificate.member
    is_self = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    if not is_self and not scope_for(actor).can_read_path(certificate.organization.path):
        raise PermissionDenied
    if kind == "png":
        body = render.card_png(certificate)
    elif kind == "pdf":
        body = render.card_pdf(certificate)
    else:
        raise ValueError(kind)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=member,
        summary=_("下载电子活动证 %(serial)s（%(kind)s）")
        % {"serial": certificate.serial, "kind": kind.upper()},
    )
    return body


CARDS_PER_SHEET_EXPORT = 400  # 50 pages; a county prints branch by branch


def certificate_cards_print(*, actor: User, organization: Organization) -> bytes:
    """The organization's current cards on A4 sheets with cut marks, for a reader of the
    organization; the export is audited (the cards carry names)."""
    certificates = list(
        selectors.current_certificates_under(user=actor, organization=organization)[
            : CARDS_PER_SHEET_EXPORT + 1
        ]
    )
    if not certificates:
        raise ValidationError(
            _("本组织还没有有效的电子活动证，请先签发。"), code=ErrorCode.NOTHING_TO_PRINT
        )
    if len(certificates) > CARDS_PER_SHEET_EXPORT:
        raise ValidationError(
            _("一次最多打印 %(n)d 张，请到下级党组织分别打印。") % {"n": CARDS_PER_SHEET_EXPORT},
            code=ErrorCode.TOO_MANY_TO_PRINT,
        )
    body = render.cards_sheet_pdf(certificates, title=organization.name)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("打印电子活动证 %(n)d 张") % {"n": len(certificates)},
        detail={"serials": [c.serial for c in certificates]},
    )
    return body
