"""Writes to the organization tree. Each is atomic, checks scope and writes its audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import add_years
from dangjian.core.errors import field_error
from dangjian.organizations.error_codes import ErrorCode

from .choices import BRANCH_KINDS, OrgKind, term_years
from .models import PATH_SEPARATOR, Organization

# Scope lives in accounts, one layer up; services import it lazily so the models stay low.
EDITABLE_FIELDS = (
    "name",
    "short_name",
    "code",
    "kind",
    "unit_kind",
    "unit_relation",
    "unit_name",
    "founded_on",
    "term_started_on",
    "term_ends_on",
    "dissolved_on",
)


def _require_manage(actor: User, organization: Organization | None) -> None:
    from dangjian.accounts.scope import ROOT_PATH, scope_for

    path = organization.path if organization is not None else ROOT_PATH
    if not scope_for(actor).can_manage_path(path):
        raise PermissionDenied(_("您无权管理该党组织。"))


def _check_placement(kind: str, parent: Organization | None) -> None:
    """The tree's shape rules: what may sit under what."""
    if parent is None:
        if kind != OrgKind.LOCAL_COMMITTEE:
            raise field_error(
                "parent",
                _("只有地方党委可以作为最上级组织，请选择上级党组织。"),
                code=ErrorCode.PARENT_REQUIRED,
            )
        return
    if parent.kind == OrgKind.PARTY_GROUP:
        raise field_error("parent", _("党小组下不能再设党组织。"), code=ErrorCode.PARENT_IS_GROUP)
    if kind == OrgKind.PARTY_GROUP and parent.kind not in BRANCH_KINDS:
        raise field_error(
            "kind", _("党小组只能设在党支部之下。"), code=ErrorCode.GROUP_OUTSIDE_BRANCH
        )
    if kind == OrgKind.LOCAL_COMMITTEE and parent.kind != OrgKind.LOCAL_COMMITTEE:
        raise field_error(
            "kind", _("地方党委只能设在地方党委之下。"), code=ErrorCode.LOCAL_COMMITTEE_PLACEMENT
        )
    if parent.kind in BRANCH_KINDS and kind != OrgKind.PARTY_GROUP:
        raise field_error("parent", _("党支部下只能设党小组。"), code=ErrorCode.UNDER_BRANCH)


def _default_term_end(organization: Organization) -> None:
    if organization.term_started_on and not organization.term_ends_on:
        organization.term_ends_on = add_years(
            organization.term_started_on, term_years(organization.kind, organization.unit_kind)
        )


@transaction.atomic
def organization_create(
    *, actor: User, parent: Organization | None, fields: dict[str, Any]
) -> Organization:
    """Create an organization under `parent` (None only for a top-level local committee)."""
    _require_manage(actor, parent)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    organization = Organization(parent=parent, **fields)
    _check_placement(organization.kind, parent)
    _default_term_end(organization)
    # The path needs the primary key: save with a unique placeholder, then set it.
    organization.path = f"#new-{fields.get('code', '')}"
    organization.depth = parent.depth + 1 if parent else 0
    organization.full_clean(exclude=["path"])
    organization.save()
    prefix = parent.path if parent else PATH_SEPARATOR
    organization.path = f"{prefix}{organization.pk}{PATH_SEPARATOR}"
    organization.save(update_fields=["path"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=organization,
        summary=_("新建党组织 %(name)s") % {"name": organization.name},
    )
    return organization


@transaction.atomic
def organization_update(
    *, actor: User, organization: Organization, changes: dict[str, Any]
) -> Organization:
    """Change an organization's own fields (not its place in the tree: see organization_move)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_manage(actor, organization)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    before = {name: getattr(organization, name) for name in EDITABLE_FIELDS}
    for name, value in changes.items():
        setattr(organization, name, value)
    if {"term_started_on", "term_ends_on"} & set(changes):
        # A renewal with the end left empty gets the default term, as on creation.
        _default_term_end(organization)
    _check_placement(organization.kind, organization.parent)
    if (
        organization.kind in BRANCH_KINDS
        and organization.children.exclude(kind=OrgKind.PARTY_GROUP).exists()
    ):
        raise field_error(
            "kind",
            _("该组织下设有其他党组织，不能改为党支部。"),
            code=ErrorCode.BRANCH_WITH_CHILDREN,
        )
    organization.full_clean()
    changed = [name for name in EDITABLE_FIELDS if before[name] != getattr(organization, name)]
    if not changed:
        return organization
    organization.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=organization,
        summary=_("修改党组织 %(name)s") % {"name": organization.name},
        detail={
            "before": {n: str(before[n]) for n in changed},
            "after": {n: str(getattr(organization, n)) for n in changed},
        },
    )
    return organization


@transaction.atomic
def organization_move(
    *, actor: User, organization: Organization, new_parent: Organization
) -> Organization:
    """Move an organization and its whole subtree under `new_parent`, in one statement."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    _require_manage(actor, organization)
    _require_manage(actor, new_parent)
    if new_parent.path.startswith(organization.path):
        raise field_error(
            "parent", _("不能把党组织移到它自己或它的下级组织之下。"), code=ErrorCode.MOVE_INTO_SELF
        )
    if organization.parent_id == new_parent.pk:
        return organization
    _check_placement(organization.kind, new_parent)
    old_path, old_parent = organization.path, organization.parent
    new_path = f"{new_parent.path}{organization.pk}{PATH_SEPARATOR}"
    depth_shift = new_parent.depth + 1 - organization.depth
    Organization.objects.under(old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Organization.objects.filter(pk=organization.pk).update(parent=new_parent)
    organization.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.MOVE,
        target=organization,
        summary=_("将 %(name)s 从 %(old)s 调整到 %(new)s")
        % {"name": organization.name, "old": old_parent, "new": new_parent},
        detail={"old_path": old_path, "new_path": new_path},
    )
    return organization
