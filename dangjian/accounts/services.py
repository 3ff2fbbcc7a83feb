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
from .error_codes import ErrorCode
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


def password_check(password: str, *, user: User | None, field: str) -> None:
    """Django's password rules, their messages on the form's field."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({field: error.messages}, code=ErrorCode.WEAK_PASSWORD) from error


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The signed-in user changes their own password: the old one first, then the rules."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.has_usable_password() or not user.check_password(old_password):
        raise ValidationError(
            {"old_password": _("原密码不正确。忘记密码请找支部书记或上级管理员重置。")},
            code=ErrorCode.WRONG_PASSWORD,
        )
    if old_password == new_password:
        raise ValidationError(
            {"new_password1": _("新密码不能与原密码相同。")}, code=ErrorCode.SAME_PASSWORD
        )
    password_check(new_password, user=user, field="new_password1")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action=AuditAction.UPDATE, target=user, summary=_("修改密码"))
    return user
