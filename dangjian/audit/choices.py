from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "CREATE", _("新建")
    UPDATE = "UPDATE", _("修改")
    MOVE = "MOVE", _("调整")
    REVEAL = "REVEAL", _("查看敏感信息")
    EXPORT = "EXPORT", _("导出")
    IMPORT = "IMPORT", _("导入")
    DELETE = "DELETE", _("删除")
    APPROVE = "APPROVE", _("审批")
    ISSUE = "ISSUE", _("签发")
    REVOKE = "REVOKE", _("撤销")
    LOGIN = "LOGIN", _("登录")
    LOGIN_FAILED = "LOGIN_FAILED", _("登录失败")
