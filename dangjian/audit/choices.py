from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "CREATE", _("新建")
    UPDATE = "UPDATE", _("修改")
    MOVE = "MOVE", _("调整")
    REVEAL = "REVEAL", _("查看敏感信息")
    EXPORT = "EXPORT", _("导出")
    LOGIN = "LOGIN", _("登录")
    LOGIN_FAILED = "LOGIN_FAILED", _("登录失败")
