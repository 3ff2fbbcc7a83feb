from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a role assignment allows at its organization (DESIGN.md, "Access scope")."""

    ADMINISTRATOR = "ADMINISTRATOR", _("管理员")  # the organization and all below; manages
    SECRETARY = "SECRETARY", _("支部书记/组织委员")  # one branch; manages
    OBSERVER = "OBSERVER", _("只读查看")  # a subtree; reads only
    MEMBER = "MEMBER", _("党员本人")  # self only


MANAGING_ROLES = frozenset({Role.ADMINISTRATOR, Role.SECRETARY})
# Roles that may reveal full ID and phone numbers (each reveal is audited).
REVEALING_ROLES = frozenset({Role.ADMINISTRATOR, Role.SECRETARY})
