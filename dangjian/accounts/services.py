"""Writes to accounts: users and the roles they hold."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record

from .choices import Role
from .models import RoleAssignment, User


@transaction.atomic
def user_create_with_role(
    *,
    actor: User | None,  # None: the `adduser` command, which creates the first administrator
    username: str,
    password: str,
    organization: Any,  # an organizations.Organization: the floor above accounts
    role: Role,
    display_name: str = "",
) -> User:
    """Create a user who holds `role` at `organization` (command line and administrators)."""
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名 %(u)s 已被使用。") % {"u": username}})
    user = User(username=username, display_name=display_name)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    RoleAssignment.objects.create(user=user, organization=organization, role=role)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=user,
        summary=_("新建账号 %(u)s：%(role)s @ %(org)s")
        % {"u": username, "role": role.label, "org": organization.name},
    )
    return user
