"""Writes to members. Each is atomic, checks scope, and writes its archive entry and audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit import selectors as audit_selectors
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import crypto
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members.error_codes import ErrorCode
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import guards, hooks, idnumbers, record_rules
from .caching import invalidate_organizations
from .choices import (
    REMOVING_STATUSES,
    STATUS_FOR_REMOVAL,
    ArchiveKind,
    FamilyRelation,
    HowAdded,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    PoliticalStatus,
    PositionTitle,
    TripPurpose,
)
from .models import (
    ArchiveEntry,
    FamilyMember,
    MassOrganizationYear,
    Member,
    Membership,
    Position,
    TripAbroad,
)
from .pinyin import pinyin_keys

# Fields a person edits on the member record; the ID number is handled apart (encrypted).
RECORD_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "native_place",
    "education",
    "degree",
    "occupation",
    "work_unit",
    "post",
    "phone",
    "address",
    "category",
    "joined_on",
    "full_member_on",
    "in_hardship",
    "is_retired",
    "is_migrant_worker",
)


def _require_manage(actor: User, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied(_("您无权管理该党组织的党员。"))


def _latest_membership(member: Member) -> Membership:
    return Membership.objects.select_related("organization").get(member=member, is_latest=True)


def _archive(
    *,
    member: Member,
    actor: User | None,  # None: see archive_add
    kind: ArchiveKind,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    effective_on: dt.date | None = None,
) -> ArchiveEntry:
    return ArchiveEntry.objects.create(
        member=member,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        summary=summary[:300],
        before=before or {},
        after=after or {},
        reason=reason[:300],
        effective_on=effective_on,
    )


def archive_add(
    *,
    member: Member,
    actor: User | None,  # None: a nightly job wrote the entry (e.g. a transfer's letter expired)
    kind: ArchiveKind,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    effective_on: dt.date | None = None,
) -> ArchiveEntry:
    """An entry in the member's electronic archive, for apps that record events about a member
    (corrections, reviews, care…). The caller checks permission and audits."""
    return _archive(
        member=member,
        actor=actor,
        kind=kind,
        summary=summary,
        before=before,
        after=after,
        reason=reason,
        effective_on=effective_on,
    )


def archive_add_many(*, actor: User, entries: Sequence[ArchiveEntry]) -> list[ArchiveEntry]:
    """Many archive entries in one insert (bulk issues and the like): unsaved `ArchiveEntry`
    objects with member, kind, summary and the rest filled; the actor is set here. The caller
    checks permission and audits."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    for entry in entries:
        entry.actor_id = actor_id
        entry.summary = entry.summary[:300]
        entry.reason = entry.reason[:300]
    return ArchiveEntry.objects.bulk_create(entries, batch_size=1000)


def _end_positions_on_leaving(
    *, member: Member, actor: Any, on: dt.date, why: str, staying_in: Organization | None = None
) -> list[Position]:
    """End the member's open positions in organizations they no longer belong to: all of them
    when they leave the roster (removal, death, transfer out), those outside the new
    organization's line when they move (a township committee member moving between its
    branches stays on the committee). Each ends with its archive entry. A position is held by
    a member of the organization (党章 art. 31; 支部工作条例: the branch elects its secretary
    from its members); one who has left cannot go on holding it."""
    positions = list(
        Position.objects.select_for_update()
        .select_related("organization")
        .filter(member=member, ended_on__isnull=True)
    )
    ended = []
    for position in positions:
        if staying_in is not None and staying_in.path.startswith(position.organization.path):
            continue
        position.ended_on = max(on, position.started_on)
        position.save(update_fields=["ended_on"])
        _archive(
            member=member,
            actor=actor,
            kind=ArchiveKind.POSITION_ENDED,
            summary=_("免去 %(org)s %(title)s（%(why)s）")
            % {
                "org": position.organization.name,
                "title": position.get_title_display(),
                "why": why,
            },
            before={"organization": position.organization.name, "title": position.title},
            reason=_("离开该党组织，职务随之终止。"),
            effective_on=position.ended_on,
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, target=position, summary=str(position))
        ended.append(position)
    return ended


def _as_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_dates(member: Member, on: dt.date) -> dict[str, str]:
    return record_rules.date_errors(
        birth_date=member.birth_date,
        joined_on=member.joined_on,
        full_member_on=member.full_member_on,
        category=member.category,
        on=on,
    )


def _set_id_number(member: Member, raw: str) -> dict[str, str]:
    """Validate, encrypt and hash the ID number onto `member`; fill birth date and sex if empty."""
    try:
        number, birth_date = idnumbers.parse_id_number(raw)
    except ValidationError as exc:
        return {"id_number": exc.messages[0]}
    if member.birth_date is None:
        member.birth_date = birth_date
    if not member.sex:
        member.sex = idnumbers.sex_of(number)
    member.id_number_encrypted = crypto.encrypt_text(number)
    member.id_number_hash = crypto.lookup_hash(number)
    return idnumbers.check_agreement(number, member.birth_date, member.sex)


def _record_errors(member: Member, errors: dict[str, str]) -> dict[str, str]:
    """Tidy the name, derive its pinyin keys, and add the date-order errors to `errors`."""
    member.name = record_rules.tidy_name(member.name)
    member.name_pinyin, member.name_initials = pinyin_keys(member.name)
    return {**_check_dates(member, today()), **errors}


# Whether a number is registered is itself party membership: only a member the actor may read
# is named as "already registered"; anyone else gets one neutral refusal that does not say
# whether the person is a party member (the roster import answers the same way).
NOT_HERE = gettext_lazy("无法登记：该身份证号码不能在此登记，请联系上级党组织。")


def _duplicate_message(actor: User | None, member: Member) -> str | None:
    """The refusal for a number registered to another member, or None when it is free."""
    others = Member.objects.filter(id_number_hash=member.id_number_hash).exclude(pk=member.pk)
    if not others.exists():
        return None
    if actor is not None and others.restrict(scope_for(actor)).exists():
        return _("该身份证号码已登记为党员，不能重复建档；如是转入，请办理组织关系转接。")
    return str(NOT_HERE)


def _validate_and_save(
    member: Member, errors: dict[str, str], *, actor: User | None, **save_kwargs: Any
) -> None:
    errors = _record_errors(member, errors)
    if "id_number" not in errors:
        duplicate = _duplicate_message(actor, member)
        if duplicate:
            errors["id_number"] = duplicate
    try:
        member.full_clean(
            exclude=["id_number_encrypted", "id_number_hash", "name_pinyin", "name_initials"]
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            member.save(**save_kwargs)
    except IntegrityError as exc:  # a concurrent insert of the same ID number
        raise ValidationError({"id_number": str(NOT_HERE)}) from exc


NUMBER_SEARCH = "members.number_search"


def member_number_search_record(*, actor: User) -> None:
    """A search by ID or phone number by a reader who sees those numbers masked.

    A whole-number search answers "is this the number?": with the mask leaving some hundreds of
    candidates, unlimited searches would find the hidden digits one guess at a time. So each is
    audited (without the number) and a reader has DANGJIAN_NUMBER_SEARCHES_PER_HOUR of them."""
    recent = audit_selectors.audit_count_recent(
        actor=actor, target_type=NUMBER_SEARCH, within=dt.timedelta(hours=1)
    )
    if recent >= settings.DANGJIAN_NUMBER_SEARCHES_PER_HOUR:
        raise PermissionDenied(
            _("一小时内按身份证号码或电话号码查找的次数已达上限，请稍后再试，或按姓名查找。")
        )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.REVEAL,
            target_type=NUMBER_SEARCH,
            summary=_("按号码查找党员"),
        )


@transaction.atomic
def member_create(
    *,
    actor: User,
    organization: Organization,
    data: dict[str, Any],
    id_number: str,
    how_added: HowAdded = HowAdded.OTHER,
    started_on: dt.date | None = None,
    reason: str = "",
) -> Member:
    """Register a member in `organization` and open their membership row."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_manage(actor, organization)
    if organization.kind == OrgKind.LOCAL_COMMITTEE:
        raise field_error(
            "organization",
            _("党员的组织关系应在基层党组织，不能直接在地方党委。"),
            code=ErrorCode.LOCAL_COMMITTEE_MEMBER,
        )
    unknown = set(data) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    member = Member(**data)
    errors = _set_id_number(member, id_number)
    started_on = started_on or today()
    rules = record_rules.started_on_errors(started_on=started_on, joined_on=member.joined_on)
    for field, message in rules.items():
        errors.setdefault(field, message)
    _validate_and_save(member, errors, actor=actor)
    Membership.objects.create(
        member=member, organization=organization, started_on=started_on, how_added=how_added
    )
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.CREATED,
        summary=_("在 %(org)s 建档（%(how)s）")
        % {"org": organization.name, "how": how_added.label},
        after={"organization": organization.name, "how_added": how_added.value},
        reason=reason,
        effective_on=started_on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=member,
        summary=_("新建党员 %(name)s") % {"name": member.name},
        detail={"organization_id": organization.pk},
    )
    return member


@transaction.atomic
def member_update(
    *,
    actor: User,
    member: Member,
    changes: dict[str, Any],
    id_number: str | None = None,
    reason: str = "",
) -> Member:
    """Change fields of the member record; the archive keeps before, after and why."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_manage(actor, _latest_membership(member).organization)
    unknown = set(changes) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    before = {name: _as_json(getattr(member, name)) for name in changes}
    for name, value in changes.items():
        setattr(member, name, value)
    after = {name: _as_json(getattr(member, name)) for name in changes}
    changed = [name for name in changes if before[name] != after[name]]
    errors: dict[str, str] = {}
    if id_number is not None:
        old_hash = member.id_number_hash
        old_number = member.id_number
        errors = _set_id_number(member, id_number)
        if member.id_number_hash != old_hash and not errors:
            changed.append("id_number")
            # Stored encrypted (ArchiveEntry.before/after seal it) and shown masked.
            before["id_number"] = old_number
            after["id_number"] = member.id_number
    else:
        errors = idnumbers.check_agreement(member.id_number, member.birth_date, member.sex)
    if not changed and not errors:
        return member
    _validate_and_save(member, errors, actor=actor)
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.UPDATED,
        summary=_("修改：%(fields)s")
        % {"fields": "、".join(str(_field_label(name)) for name in changed)},
        before={n: before[n] for n in changed},
        after={n: after[n] for n in changed},
        reason=reason,
    )
    hooks.run_on_updated(
        member=member,
        before={n: before[n] for n in changed if n != "id_number"},
        after={n: after[n] for n in changed if n != "id_number"},
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=member,
        summary=_("修改党员 %(name)s") % {"name": member.name},
        detail={"fields": changed},
    )
    return member


def _field_label(name: str) -> str:
    if name == "id_number":
        return _("公民身份号码")
    field = Member._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


@transaction.atomic
def member_change_status(
    *, actor: User, member: Member, status: MemberStatus, reason: str = ""
) -> Member:
    """Change between on-roster statuses (正常, 流动, 失联, 出国出境). Removal is member_remove."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_manage(actor, _latest_membership(member).organization)
    if status in REMOVING_STATUSES or member.status in REMOVING_STATUSES:
        raise field_error(
            "status",
            _("停止党籍、死亡、出党和转出须通过“减少党员”办理，恢复须通过“恢复党籍”办理。"),
            code=ErrorCode.STATUS_NEEDS_REMOVAL,
        )
    if member.status == status:
        return member
    before = member.status
    member.status = status
    member.save(update_fields=["status", "updated_at"])
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.STATUS_CHANGED,
        summary=_("党籍状态：%(old)s → %(new)s")
        % {"old": MemberStatus(before).label, "new": status.label},
        before={"status": before},
        after={"status": status.value},
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=member,
        summary=_("变更党籍状态"),
        detail={"status": status.value},
    )
    hooks.run_on_status_changed(member=member, before=before, after=status.value, actor=actor)
    return member


@transaction.atomic
def member_remove(
    *, actor: User, member: Member, how_removed: HowRemoved, on: dt.date, reason: str
) -> Member:
    """Take a member off the roster (减少党员): close the open row with the way of removal."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    membership = _latest_membership(member)
    _require_manage(actor, membership.organization)
    if how_removed == HowRemoved.MOVED_WITHIN:
        raise ValidationError({"how_removed": _("本系统内调整请使用“调整组织关系”。")})
    if membership.ended_on is not None:
        raise ValidationError(_("该党员已不在党员名册中。"), code=CoreErrorCode.NOT_ON_ROSTER)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写减少党员的原因或依据（如处分决定文号）。")})
    if on < membership.started_on or on > today():
        raise ValidationError({"on": _("减少日期须在编入本组织之后，且不晚于今天。")})
    membership.ended_on = on
    membership.how_removed = how_removed
    membership.save(update_fields=["ended_on", "how_removed"])
    before = member.status
    member.status = STATUS_FOR_REMOVAL[how_removed]
    member.save(update_fields=["status", "updated_at"])
    _end_positions_on_leaving(member=member, actor=actor, on=on, why=str(how_removed.label))
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.MEMBERSHIP_ENDED,
        summary=_("%(how)s，离开 %(org)s")
        % {"how": how_removed.label, "org": membership.organization.name},
        before={"status": before, "organization": membership.organization.name},
        after={"status": member.status, "how_removed": how_removed.value},
        reason=reason,
        effective_on=on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=member,
        summary=_("减少党员"),
        detail={"how_removed": how_removed.value},
    )
    hooks.run_on_left(
        member=member,
        organization=membership.organization,
        how_removed=how_removed,
        on=on,
        actor=actor,
    )
    return member


@transaction.atomic
def member_restore(
    *, actor: User, member: Member, organization: Organization, on: dt.date, reason: str
) -> Member:
    """Put a removed member back on a roster (恢复党籍 / 重新编入): a new open row."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    latest = _latest_membership(member)
    _require_manage(actor, latest.organization)
    _require_manage(actor, organization)
    if latest.ended_on is None:
        raise ValidationError(_("该党员仍在党员名册中，无需恢复。"), code=ErrorCode.ON_ROSTER)
    if on < latest.ended_on or on > today():
        raise ValidationError({"on": _("恢复日期须在上次离开组织之后，且不晚于今天。")})
    how_added = HowAdded.RESTORED if member.status == MemberStatus.SUSPENDED else HowAdded.OTHER
    _open_membership(member=member, organization=organization, on=on, how_added=how_added)
    member.status = MemberStatus.NORMAL
    member.save(update_fields=["status", "updated_at"])
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.MEMBERSHIP_STARTED,
        summary=_("%(how)s，编入 %(org)s") % {"how": how_added.label, "org": organization.name},
        after={"organization": organization.name, "how_added": how_added.value},
        reason=reason,
        effective_on=on,
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, target=member, summary=_("恢复党员"))
    return member


def _open_membership(
    *, member: Member, organization: Organization, on: dt.date, how_added: HowAdded
) -> Membership:
    Membership.objects.filter(member=member, is_latest=True).update(is_latest=False)
    return Membership.objects.create(
        member=member, organization=organization, started_on=on, how_added=how_added
    )


@transaction.atomic
def membership_move(
    *,
    actor: User,
    member: Member,
    organization: Organization,
    on: dt.date,
    reason: str,
    released_by_sender: bool = False,
) -> Membership:
    """Move a member between two organizations of this deployment (本系统内调整).

    The old row closes and the new one opens on the same date, so the member belongs to exactly
    one organization at every instant. The transfer workflow (letters, approval) builds on this:
    on receipt it passes `released_by_sender=True`, because the sending side already released
    the member with an introduction letter and the receiving side need not manage the sender.
    Other moves first pass the guards of apps above (members.guards), such as "no open transfer".
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    current = (
        Membership.objects.select_for_update()
        .select_related("organization")
        .get(member=member, is_latest=True)
    )
    if not released_by_sender:
        _require_manage(actor, current.organization)
    _require_manage(actor, organization)
    if current.ended_on is not None:
        raise ValidationError(
            _("该党员已不在党员名册中，不能调整组织关系。"), code=CoreErrorCode.NOT_ON_ROSTER
        )
    if not released_by_sender:
        # A transfer's own receipt moves a member whose transfer is still open; every other
        # move must pass the guards.
        guards.run_move_guards(member)
    if organization.pk == current.organization_id:
        raise ValidationError({"organization": _("目标党组织与当前党组织相同。")})
    if organization.kind == OrgKind.LOCAL_COMMITTEE:
        raise ValidationError({"organization": _("党员的组织关系应在基层党组织。")})
    if on < current.started_on or on > today():
        raise ValidationError({"on": _("调整日期须在编入当前组织之后，且不晚于今天。")})
    current.ended_on = on
    current.how_removed = HowRemoved.MOVED_WITHIN
    current.is_latest = False
    current.save(update_fields=["ended_on", "how_removed", "is_latest"])
    new = _open_membership(
        member=member, organization=organization, on=on, how_added=HowAdded.TRANSFERRED_IN
    )
    _end_positions_on_leaving(
        member=member,
        actor=actor,
        on=on,
        why=_("组织关系调整到 %(org)s") % {"org": organization.name},
        staying_in=organization,
    )
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.MEMBERSHIP_STARTED,
        summary=_("组织关系由 %(old)s 调整到 %(new)s")
        % {"old": current.organization.name, "new": organization.name},
        before={"organization": current.organization.name},
        after={"organization": organization.name},
        reason=reason,
        effective_on=on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.MOVE,
        target=member,
        summary=_("调整组织关系"),
        detail={"from": current.organization_id, "to": organization.pk},
    )
    hooks.run_on_moved(
        member=member,
        from_organization=current.organization,
        to_organization=organization,
        on=on,
        actor=actor,
    )
    return new


@transaction.atomic
def member_convert_to_full(*, actor: User, member: Member, on: dt.date, reason: str = "") -> Member:
    """转正: a probationary member becomes a full member; 党龄 counts from `on` (党章 art. 7)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_manage(actor, _latest_membership(member).organization)
    if member.category != MemberCategory.PROBATIONARY:
        raise ValidationError(
            _("该党员不是预备党员，无需转正。"), code=CoreErrorCode.NOT_PROBATIONARY
        )
    member.category = MemberCategory.FULL
    member.full_member_on = on
    errors = _check_dates(member, today())
    if errors:
        raise ValidationError(errors)
    member.save(update_fields=["category", "full_member_on", "updated_at"])
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.UPDATED,
        summary=_("转为正式党员，转正日期 %(on)s") % {"on": on.isoformat()},
        before={"category": MemberCategory.PROBATIONARY.value},
        after={"category": MemberCategory.FULL.value, "full_member_on": on.isoformat()},
        reason=reason,
        effective_on=on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.APPROVE,
        target=member,
        summary=_("%(name)s 转为正式党员") % {"name": member.name},
    )
    return member


@transaction.atomic
def member_archive_note(
    *,
    actor: User,
    member: Member,
    summary: str,
    reason: str = "",
    effective_on: dt.date | None = None,
) -> ArchiveEntry:
    """An archive entry for an event that changes no field (e.g. 延长预备期), by a manager."""
    _require_manage(actor, _latest_membership(member).organization)
    entry = _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.UPDATED,
        summary=summary,
        reason=reason,
        effective_on=effective_on,
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, target=member, summary=summary[:200])
    return entry


def member_reveal(*, actor: User, member: Member, field: str) -> str:
    """The full ID or phone number, for a role allowed to see it; every reveal is audited."""
    if field not in ("id_number", "phone"):
        raise ValueError(field)
    organization = _latest_membership(member).organization
    if not scope_for(actor).can_reveal_path(organization.path):
        raise PermissionDenied(_("您的角色无权查看完整的身份证号码和联系电话。"))
    value = member.id_number if field == "id_number" else member.phone
    audit_record(
        actor=actor,
        action=AuditAction.REVEAL,
        target=member,
        summary=_("查看 %(name)s 的%(field)s")
        % {"name": member.name, "field": _field_label(field)},
        detail={"field": field},
    )
    return value


@transaction.atomic
def position_assign(
    *,
    actor: User,
    organization: Organization,
    member: Member,
    title: PositionTitle,
    started_on: dt.date,
) -> Position:
    """Appoint a member of the organization's subtree to a leadership position."""
    _require_manage(actor, organization)
    current = _latest_membership(member)
    if current.ended_on is not None or not current.organization.path.startswith(organization.path):
        raise field_error(
            "member",
            _("只能任命本组织（含下级组织）在册的党员。"),
            code=ErrorCode.POSITION_OUTSIDER,
        )
    position = Position(
        organization=organization, member=member, title=title, started_on=started_on
    )
    try:
        position.full_clean()
    except ValidationError as exc:
        # The unique-constraint messages are already in Chinese and say what to do.
        raise ValidationError(exc.messages[0], code=ErrorCode.POSITION_INVALID) from exc
    position.save()
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.POSITION_STARTED,
        summary=_("任 %(org)s %(title)s") % {"org": organization.name, "title": title.label},
        after={"organization": organization.name, "title": title.value},
        effective_on=started_on,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=position, summary=str(position))
    return position


@transaction.atomic
def position_end(
    *, actor: User, position: Position, ended_on: dt.date, reason: str = ""
) -> Position:
    position = (
        Position.objects.select_for_update()
        .select_related("organization", "member")
        .get(pk=position.pk)
    )
    _require_manage(actor, position.organization)
    if position.ended_on is not None:
        return position
    if ended_on < position.started_on:
        raise ValidationError({"ended_on": _("免职日期不能早于任职日期。")})
    position.ended_on = ended_on
    position.save(update_fields=["ended_on"])
    _archive(
        member=position.member,
        actor=actor,
        kind=ArchiveKind.POSITION_ENDED,
        summary=_("免去 %(org)s %(title)s")
        % {"org": position.organization.name, "title": position.get_title_display()},
        reason=reason,
        effective_on=ended_on,
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, target=position, summary=str(position))
    return position


@dataclass(frozen=True)
class NewMember:
    """One member for member_bulk_create: the record, the ID number and where they belong."""

    organization: Organization
    data: dict[str, Any]
    id_number: str
    how_added: HowAdded = HowAdded.OTHER
    started_on: dt.date | None = None
    status: MemberStatus = MemberStatus.NORMAL


BULK_EXCLUDE = [
    "id_number_encrypted",
    "id_number_hash",
    "name_pinyin",
    "name_initials",
    "public_id",
]


@transaction.atomic
def member_bulk_create(
    *, actor: User, entries: Sequence[NewMember], reason: str = "", batch_size: int = 2000
) -> list[Member]:
    """Register many members at once, all or nothing, with the same checks as member_create.

    Every row is validated before anything is written; a ValidationError lists each bad row
    ("第 N 行") with its field messages. Writes are batched: members, their membership rows and
    one archive entry each, and a single audit event for the whole batch.
    """
    scope = scope_for(actor)
    for organization in {e.organization.pk: e.organization for e in entries}.values():
        if not scope.can_manage_path(organization.path):
            raise PermissionDenied(_("您无权管理该党组织的党员。"))
        if organization.kind == OrgKind.LOCAL_COMMITTEE:
            raise ValidationError(_("党员的组织关系应在基层党组织，不能直接在地方党委。"))
    members: list[Member] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row, entry in enumerate(entries, start=1):
        unknown = set(entry.data) - set(RECORD_FIELDS)
        if unknown:
            raise ValueError(f"Not editable: {sorted(unknown)}")
        member = Member(**entry.data, status=entry.status)
        errors = _record_errors(member, _set_id_number(member, entry.id_number))
        if entry.status in REMOVING_STATUSES:
            errors["status"] = _("新建档的党员不能是停止党籍、已故、出党或转出状态。")
        # An invalid number has no hash yet: its own message stands, it duplicates nothing.
        if member.id_number_hash in seen:
            errors["id_number"] = _("与第 %(row)d 行的身份证号码重复。") % {
                "row": seen[member.id_number_hash]
            }
        elif member.id_number_hash:
            seen[member.id_number_hash] = row
        try:
            member.clean_fields(exclude=BULK_EXCLUDE)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages[0])
        for field, message in errors.items():
            problems.append(
                _("第 %(row)d 行 %(field)s：%(message)s")
                % {
                    "row": row,
                    "field": _field_label(field),
                    "message": message,
                }
            )
        members.append(member)
    hashes = list(seen)
    for start in range(0, len(hashes), 500):
        part = hashes[start : start + 500]
        registered = set(
            Member.objects.filter(id_number_hash__in=part).values_list("id_number_hash", flat=True)
        )
        readable = set(
            Member.objects.restrict(scope)
            .filter(id_number_hash__in=registered)
            .values_list("id_number_hash", flat=True)
        )
        for existing in sorted(registered, key=seen.__getitem__):
            problems.append(
                _("第 %(row)d 行：该身份证号码已登记为党员，不能重复建档。")
                % {"row": seen[existing]}
                if existing in readable
                else _("第 %(row)d 行：%(message)s") % {"row": seen[existing], "message": NOT_HERE}
            )
    if problems:
        raise ValidationError(problems, code=ErrorCode.BULK_INVALID)
    created = Member.objects.bulk_create(members, batch_size=batch_size)
    # bulk_create sends no signals: the dashboards' cached counts are invalidated here.
    invalidate_organizations(sorted({entry.organization.pk for entry in entries}))
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    Membership.objects.bulk_create(
        [
            Membership(
                member=member,
                organization=entry.organization,
                started_on=entry.started_on or member.joined_on,
                how_added=entry.how_added,
            )
            for member, entry in zip(created, entries, strict=True)
        ],
        batch_size=batch_size,
    )
    ArchiveEntry.objects.bulk_create(
        [
            ArchiveEntry(
                member=member,
                actor_id=actor_id,
                kind=ArchiveKind.CREATED,
                summary=(
                    _("在 %(org)s 建档（%(how)s）")
                    % {"org": entry.organization.name, "how": entry.how_added.label}
                )[:300],
                after={"organization": entry.organization.name, "how_added": entry.how_added.value},
                reason=reason[:300],
                effective_on=entry.started_on or member.joined_on,
            )
            for member, entry in zip(created, entries, strict=True)
        ],
        batch_size=batch_size,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target_type=Member._meta.label_lower,
        summary=_("批量建档 %(n)d 名党员") % {"n": len(created)},
        detail={"count": len(created), "reason": reason},
    )
    return created


@transaction.atomic
def position_bulk_assign(
    *, actor: User, assignments: Sequence[tuple[Organization, Member, PositionTitle, dt.date]]
) -> int:
    """Appoint many leaders at once (the demo, imports); same rules as position_assign."""
    scope = scope_for(actor)
    member_paths = dict(
        Membership.objects.filter(
            member_id__in={member.pk for _org, member, _title, _on in assignments},
            ended_on__isnull=True,
        ).values_list("member_id", "organization__path")
    )
    positions = []
    for organization, member, title, started_on in assignments:
        if not scope.can_manage_path(organization.path):
            raise PermissionDenied(_("您无权管理该党组织。"))
        if not member_paths.get(member.pk, "").startswith(organization.path):
            raise ValidationError(
                _("%(name)s 不在 %(org)s（含下级组织）的党员名册中，不能任职。")
                % {"name": member.name, "org": organization.name},
                code=ErrorCode.POSITION_OUTSIDER,
            )
        positions.append(
            Position(organization=organization, member=member, title=title, started_on=started_on)
        )
    try:
        with transaction.atomic():
            Position.objects.bulk_create(positions, batch_size=2000)
    except IntegrityError as exc:  # e.g. two secretaries for one organization
        raise ValidationError(
            _("任职名单与现有领导职务冲突（如同一组织两名书记，或同一人重复任职），请核对。"),
            code=ErrorCode.POSITION_CONFLICT,
        ) from exc
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    ArchiveEntry.objects.bulk_create(
        [
            ArchiveEntry(
                member=p.member,
                actor_id=actor_id,
                kind=ArchiveKind.POSITION_STARTED,
                summary=(
                    _("任 %(org)s %(title)s")
                    % {"org": p.organization.name, "title": p.get_title_display()}
                )[:300],
                after={"organization": p.organization.name, "title": p.title},
                effective_on=p.started_on,
            )
            for p in positions
        ],
        batch_size=2000,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target_type=Position._meta.label_lower,
        summary=_("批量任职 %(n)d 人次") % {"n": len(positions)},
    )
    return len(positions)


def member_rotate_keys(*, batch_size: int = 1000) -> int:
    """Re-encrypt every ID number under the first configured key and recompute lookup hashes.

    Run after putting a new key first in DANGJIAN_FIELD_ENCRYPTION_KEYS (the old key stays listed
    until this finishes) or after changing DANGJIAN_LOOKUP_KEY. Each batch is its own transaction,
    so an interrupted run can simply be started again. Returns the number of members rewritten.
    """
    rewritten = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Member.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "id_number_encrypted", "id_number_hash")[:batch_size]
            )
            if not batch:
                return rewritten
            for member in batch:
                number = crypto.decrypt_text(member.id_number_encrypted)
                member.id_number_encrypted = crypto.reencrypt_text(member.id_number_encrypted)
                member.id_number_hash = crypto.lookup_hash(number)
            Member.objects.bulk_update(batch, ["id_number_encrypted", "id_number_hash"])
            rewritten += len(batch)
            last_pk = batch[-1].pk


@transaction.atomic
def member_link_user(*, actor: User, member: Member, user: Any) -> Member:
    """Let `user` sign in as this member (the member role's "self")."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_manage(actor, _latest_membership(member).organization)
    if Member.objects.filter(user=user).exclude(pk=member.pk).exists():
        raise ValidationError({"user": _("该账号已关联其他党员。")}, code=ErrorCode.USER_TAKEN)
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=member,
        summary=_("为党员 %(name)s 关联登录账号 %(user)s") % {"name": member.name, "user": user},
    )
    return member


# --- the 家庭成员 and 出国出境 information sets -------------------------------------------------


def _locked_member_in_scope(actor: User, member: Member) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_manage(actor, _latest_membership(member).organization)
    return member


def _family_after(row: FamilyMember) -> dict[str, Any]:
    """The archive's view of a relative; the name under `family_name` is sealed at rest."""
    data = {
        "relation": row.relation,
        "family_name": row.name,
        "birth_year": row.birth_year,
        "birth_date": row.birth_date.isoformat() if row.birth_date else None,
        "political_status": row.political_status,
        "work_unit": row.work_unit,
        "post": row.post,
    }
    return {key: value for key, value in data.items() if value not in (None, "")}


@transaction.atomic
def family_member_add(
    *,
    actor: User,
    member: Member,
    relation: FamilyRelation,
    name: str,
    birth_year: int | None = None,
    birth_date: dt.date | None = None,
    political_status: str = "",
    work_unit: str = "",
    post: str = "",
) -> FamilyMember:
    """Add a relative to the member's 家庭成员 information set. The name is stored encrypted and
    never written to a summary or an audit event."""
    member = _locked_member_in_scope(actor, member)
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("请填写家庭成员姓名。")
    if birth_date is not None:
        if birth_year is not None and birth_year != birth_date.year:
            errors["birth_year"] = _("出生年份与出生日期不一致。")
        birth_year = birth_date.year
    if birth_year is not None and not 1900 <= birth_year <= today().year:
        errors["birth_year"] = _("出生年份应在1900年至今年之间。")
    if errors:
        raise ValidationError(
            {
                key: ValidationError(message, code=ErrorCode.FAMILY_INVALID)
                for key, message in errors.items()
            }
        )
    row = FamilyMember(
        member=member,
        relation=relation,
        name_encrypted=crypto.encrypt_text(name),
        birth_year=birth_year,
        birth_date=birth_date,
        political_status=political_status,
        work_unit=work_unit.strip(),
        post=post.strip(),
    )
    row.full_clean()
    row.save()
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.FAMILY,
        summary=_("登记家庭成员（%(relation)s）") % {"relation": row.get_relation_display()},
        after=_family_after(row),
        effective_on=today(),
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=row, summary=str(row))
    return row


@transaction.atomic
def family_member_remove(*, actor: User, family_member: FamilyMember, reason: str = "") -> None:
    """Take a relative off the information set; the archive keeps what was recorded."""
    member = _locked_member_in_scope(actor, family_member.member)
    row = FamilyMember.objects.select_for_update().get(pk=family_member.pk, member=member)
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.FAMILY,
        summary=_("删除家庭成员（%(relation)s）") % {"relation": row.get_relation_display()},
        before=_family_after(row),
        reason=reason,
        effective_on=today(),
    )
    audit_record(actor=actor, action=AuditAction.DELETE, target=row, summary=str(row))
    row.delete()


def _trip_after(row: TripAbroad) -> dict[str, Any]:
    data = {
        "left_on": row.left_on.isoformat(),
        "returned_on": row.returned_on.isoformat() if row.returned_on else None,
        "destination": row.destination,
        "purpose": row.purpose,
        "approval": row.approval,
    }
    return {key: value for key, value in data.items() if value not in (None, "")}


@transaction.atomic
def trip_abroad_add(
    *,
    actor: User,
    member: Member,
    left_on: dt.date,
    destination: str,
    purpose: TripPurpose,
    returned_on: dt.date | None = None,
    approval: str = "",
) -> TripAbroad:
    """Record a stay abroad (出国出境) in the member's information set."""
    member = _locked_member_in_scope(actor, member)
    if returned_on is not None and returned_on < left_on:
        raise field_error(
            "returned_on", _("回国（入境）日期不能早于出境日期。"), code=ErrorCode.TRIP_INVALID
        )
    row = TripAbroad(
        member=member,
        left_on=left_on,
        returned_on=returned_on,
        destination=destination.strip(),
        purpose=purpose,
        approval=approval.strip(),
    )
    try:
        row.full_clean()
    except ValidationError as exc:
        raise ValidationError(
            {
                key: ValidationError(messages[0], code=ErrorCode.TRIP_INVALID)
                for key, messages in exc.message_dict.items()
            }
        ) from exc
    row.save()
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.ABROAD,
        summary=_("出国出境：%(destination)s（%(purpose)s）")
        % {"destination": row.destination, "purpose": row.get_purpose_display()},
        after=_trip_after(row),
        effective_on=left_on,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=row, summary=str(row))
    return row


@transaction.atomic
def trip_abroad_return(*, actor: User, trip: TripAbroad, returned_on: dt.date) -> TripAbroad:
    """Record the date a member came back from a stay abroad."""
    member = _locked_member_in_scope(actor, trip.member)
    row = TripAbroad.objects.select_for_update().get(pk=trip.pk, member=member)
    if returned_on < row.left_on:
        raise field_error(
            "returned_on", _("回国（入境）日期不能早于出境日期。"), code=ErrorCode.TRIP_INVALID
        )
    before = {"returned_on": row.returned_on.isoformat()} if row.returned_on else {}
    row.returned_on = returned_on
    row.save(update_fields=["returned_on", "updated_at"])
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.ABROAD,
        summary=_("自%(destination)s回国（入境）") % {"destination": row.destination},
        before=before,
        after={"returned_on": returned_on.isoformat()},
        effective_on=returned_on,
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, target=row, summary=str(row))
    return row


@transaction.atomic
def trip_abroad_remove(*, actor: User, trip: TripAbroad, reason: str = "") -> None:
    """Delete a trip recorded in error; the archive keeps what was recorded."""
    member = _locked_member_in_scope(actor, trip.member)
    row = TripAbroad.objects.select_for_update().get(pk=trip.pk, member=member)
    _archive(
        member=member,
        actor=actor,
        kind=ArchiveKind.ABROAD,
        summary=_("删除出国出境记录：%(destination)s") % {"destination": row.destination},
        before=_trip_after(row),
        reason=reason,
        effective_on=today(),
    )
    audit_record(actor=actor, action=AuditAction.DELETE, target=row, summary=str(row))
    row.delete()


# --- 群团组织 figures of a village or unit organization ------------------------------------------


@transaction.atomic
def mass_organization_year_save(
    *,
    actor: User,
    organization: Organization,
    year: int,
    has_league: bool,
    league_members: int,
    has_women_organization: bool,
) -> MassOrganizationYear:
    """Enter or correct an organization's youth league and women's organization figures for a
    year (only what the roster cannot give: young and women party members are counted)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_manage(actor, organization)
    if not 2000 <= year <= today().year + 1:
        raise field_error(
            "year", _("年度应在2000年至明年之间。"), code=ErrorCode.MASS_ORGANIZATION_INVALID
        )
    if league_members < 0:
        raise field_error(
            "league_members", _("团员人数不能为负数。"), code=ErrorCode.MASS_ORGANIZATION_INVALID
        )
    row, created = MassOrganizationYear.objects.select_for_update().get_or_create(
        organization=organization,
        year=year,
        defaults={
            "has_league": has_league,
            "league_members": league_members,
            "has_women_organization": has_women_organization,
        },
    )
    if not created:
        row.has_league = has_league
        row.league_members = league_members
        row.has_women_organization = has_women_organization
        row.save(
            update_fields=["has_league", "league_members", "has_women_organization", "updated_at"]
        )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=row,
        summary=_("%(org)s %(year)s年群团组织情况：团员 %(league)s 人")
        % {"org": organization.name, "year": year, "league": league_members},
    )
    return row


def family_member_reveal(*, actor: User, family_member: FamilyMember) -> str:
    """A relative's full name, for a role allowed to see the member's numbers; audited without
    the name itself."""
    member = family_member.member
    organization = _latest_membership(member).organization
    if not scope_for(actor).can_reveal_path(organization.path):
        raise PermissionDenied(_("您的角色无权查看完整的身份证号码和联系电话。"))
    audit_record(
        actor=actor,
        action=AuditAction.REVEAL,
        target=member,
        summary=_("查看 %(name)s 的家庭成员姓名（%(relation)s）")
        % {"name": member.name, "relation": family_member.get_relation_display()},
        detail={"field": "family_name", "family_member": family_member.pk},
    )
    return family_member.name


def information_sets_payload(member: Member) -> dict[str, list[dict[str, Any]]]:
    """The 家庭成员 and 出国出境 sets as a transfer package carries them (docs/transfer-package.md):
    names in clear, as the package carries the ID number."""
    family = [
        {
            "relation": row.relation,
            "name": row.name,
            "birth_year": row.birth_year,
            "birth_date": row.birth_date.isoformat() if row.birth_date else None,
            "political_status": row.political_status,
            "work_unit": row.work_unit,
            "post": row.post,
        }
        for row in member.family.order_by("id")
    ]
    trips = [
        {
            "left_on": row.left_on.isoformat(),
            "returned_on": row.returned_on.isoformat() if row.returned_on else None,
            "destination": row.destination,
            "purpose": row.purpose,
            "approval": row.approval,
        }
        for row in member.trips.order_by("left_on", "id")
    ]
    return {"family_members": family, "trips_abroad": trips}


def _iso_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


@transaction.atomic
def information_sets_import(
    *,
    actor: User,
    member: Member,
    family: Sequence[dict[str, Any]],
    trips: Sequence[dict[str, Any]],
) -> None:
    """The sets of a member received from another deployment, as the package carries them.
    No archive entries: the package's archive already holds the entries that recorded them.
    Codes this deployment does not know become 其他 / empty; a malformed row refuses the whole
    package (the caller's transaction)."""
    member = _locked_member_in_scope(actor, member)
    relations = set(FamilyRelation.values)
    statuses = set(PoliticalStatus.values)
    try:
        rows = [
            FamilyMember(
                member=member,
                relation=str(item.get("relation"))
                if item.get("relation") in relations
                else FamilyRelation.OTHER,
                name_encrypted=crypto.encrypt_text(str(item["name"])[:60]),
                birth_year=int(item["birth_year"]) if item.get("birth_year") else None,
                birth_date=_iso_date(item.get("birth_date")),
                political_status=str(item.get("political_status") or "")
                if item.get("political_status") in statuses
                else "",
                work_unit=str(item.get("work_unit") or "")[:200],
                post=str(item.get("post") or "")[:100],
            )
            for item in family
        ]
        trip_rows = [
            TripAbroad(
                member=member,
                left_on=dt.date.fromisoformat(str(item["left_on"])),
                returned_on=_iso_date(item.get("returned_on")),
                destination=str(item.get("destination") or "")[:100],
                purpose=TripPurpose.OFFICIAL
                if item.get("purpose") == TripPurpose.OFFICIAL
                else TripPurpose.PRIVATE,
                approval=str(item.get("approval") or "")[:200],
            )
            for item in trips
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(
            _("转接包中的家庭成员或出国出境信息格式不正确，请向转出方索取完整的转接包。"),
            code=CoreErrorCode.INCOMPLETE,
        ) from exc
    for trip in trip_rows:
        if trip.returned_on is not None and trip.returned_on < trip.left_on:
            raise ValidationError(
                _("回国（入境）日期不能早于出境日期。"), code=ErrorCode.TRIP_INVALID
            )
    FamilyMember.objects.bulk_create(rows)
    TripAbroad.objects.bulk_create(trip_rows)
