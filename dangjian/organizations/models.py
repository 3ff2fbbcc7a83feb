"""The organization tree: one table with a materialized path for subtree queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ROOT_PATH, Scope, ScopedQuerySet, path_condition, scope_for
from dangjian.core import paths
from dangjian.core.models import TimeStampedModel

from .choices import GRASSROOTS_KINDS, OrgKind, UnitKind, UnitRelation

PATH_SEPARATOR = paths.SEPARATOR


class OrganizationQuerySet(ScopedQuerySet["Organization"]):
    def under(self, path: str) -> OrganizationQuerySet:
        """The organization with this path and everything below it."""
        return self.filter(path__startswith=path)

    def under_any(self, paths: list[str]) -> OrganizationQuerySet:
        return self.filter(path_condition(("path",), tuple(paths)))

    def tops(self, who: Any) -> OrganizationQuerySet:
        """The highest organizations `who` (a user or a Scope) reaches; the roots for a superuser."""
        scope = who if isinstance(who, Scope) else scope_for(who)
        if ROOT_PATH in scope.read_paths:
            return self.filter(parent__isnull=True).order_by("path")
        return self.filter(path__in=scope.read_paths).order_by("path")

    def grassroots(self) -> OrganizationQuerySet:
        return self.filter(kind__in=GRASSROOTS_KINDS)


class Organization(TimeStampedModel):
    """A party organization (党组织) at any level, from a local committee to a party group.

    `path` is the chain of primary keys from the root, e.g. ``/1/7/42/``; a subtree is every row
    whose path starts with the root's path. It is written only by the services.
    """

    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    code = models.CharField(
        _("组织代码"),
        max_length=32,
        unique=True,
        help_text=_("本组织在党内统计中的唯一代码。"),
    )
    kind = models.CharField(_("组织类别"), max_length=20, choices=OrgKind.choices)
    unit_kind = models.CharField(
        _("所在单位类别"), max_length=20, choices=UnitKind.choices, default=UnitKind.OTHER
    )
    unit_relation = models.CharField(
        _("单位关系"),
        max_length=20,
        choices=UnitRelation.choices,
        default=UnitRelation.LEGAL_PERSON,
        help_text=_("所在单位与上级党组织相同、为法人单位，或为联合党支部。"),
    )
    unit_name = models.CharField(_("所在单位名称"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_started_on = models.DateField(_("本届任期开始"), null=True, blank=True)
    term_ends_on = models.DateField(_("本届任期届满"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    # How a row reaches the tree (accounts.scope.ScopedQuerySet.restrict): by its own path.
    scope_paths = ("path",)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL answer `path LIKE '/1/7/%'` from the index
            # whatever the database collation; SQLite ignores the operator class.
            models.Index(
                fields=["path"], name="org_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["kind"], name="org_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_ends_on__isnull=True)
                | Q(term_started_on__isnull=True)
                | Q(term_ends_on__gt=models.F("term_started_on")),
                name="org_term_ends_after_start",
                violation_error_message=_("任期届满日期必须晚于任期开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:organization", args=[self.pk])

    @property
    def is_grassroots(self) -> bool:
        return self.kind in GRASSROOTS_KINDS

    def term_is_overdue(self, on: dt.date) -> bool:
        return self.term_ends_on is not None and self.term_ends_on < on

    def ancestor_paths(self) -> list[str]:
        """Paths of this organization and every ancestor, root first."""
        return paths.ancestor_paths(self.path)
