from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("党员")
    ORGANIZATIONS = "organizations", _("党组织")


class JobStatus(models.TextChoices):
    VALIDATING = "VALIDATING", _("正在校验")
    VALIDATED = "VALIDATED", _("校验完成，待确认")
    COMMITTING = "COMMITTING", _("正在导入")
    DONE = "DONE", _("已导入")
    FAILED = "FAILED", _("失败")


RUNNING_STATUSES = frozenset({JobStatus.VALIDATING, JobStatus.COMMITTING})


class JobStep(models.TextChoices):
    """The two steps of an import job, by name: a background task carries the name."""

    VALIDATE = "validate", _("校验")
    COMMIT = "commit", _("导入")
