"""Coded values for organizations (RULES.md, "Organizations")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    LOCAL_COMMITTEE = "LOCAL_COMMITTEE", _("地方党委")
    PARTY_COMMITTEE = "PARTY_COMMITTEE", _("党委")
    WORKING_COMMITTEE = "WORKING_COMMITTEE", _("党工委")
    GENERAL_BRANCH = "GENERAL_BRANCH", _("党总支")
    BRANCH = "BRANCH", _("党支部")
    JOINT_BRANCH = "JOINT_BRANCH", _("联合党支部")
    TEMPORARY_BRANCH = "TEMPORARY_BRANCH", _("临时党支部")
    PARTY_GROUP = "PARTY_GROUP", _("党小组")


# Grassroots organizations as the annual statistics count them: local committees sit above
# the grassroots and party groups below the branch, so neither is counted.
GRASSROOTS_KINDS = frozenset(
    {
        OrgKind.PARTY_COMMITTEE,
        OrgKind.WORKING_COMMITTEE,
        OrgKind.GENERAL_BRANCH,
        OrgKind.BRANCH,
        OrgKind.JOINT_BRANCH,
        OrgKind.TEMPORARY_BRANCH,
    }
)
COMMITTEE_KINDS = frozenset({OrgKind.PARTY_COMMITTEE, OrgKind.WORKING_COMMITTEE})
BRANCH_KINDS = frozenset({OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH})


class UnitKind(models.TextChoices):
    ORGAN = "ORGAN", _("机关")
    INSTITUTION = "INSTITUTION", _("事业单位")
    STATE_ENTERPRISE = "STATE_ENTERPRISE", _("国有企业")
    PRIVATE_ENTERPRISE = "PRIVATE_ENTERPRISE", _("非公有制企业")
    SOCIAL_ORGANIZATION = "SOCIAL_ORGANIZATION", _("社会组织")
    TOWNSHIP = "TOWNSHIP", _("乡镇")
    STREET = "STREET", _("街道")
    VILLAGE = "VILLAGE", _("行政村")
    COMMUNITY = "COMMUNITY", _("社区")
    SCHOOL = "SCHOOL", _("学校")
    HOSPITAL = "HOSPITAL", _("医院")
    OTHER = "OTHER", _("其他")


class UnitRelation(models.TextChoices):
    SAME_AS_PARENT = "SAME_AS_PARENT", _("与上级党组织相同")
    LEGAL_PERSON = "LEGAL_PERSON", _("法人单位")
    JOINT = "JOINT", _("联合党支部")


# Terms (任期) in years: branches and general branches 3, grassroots committees 5, and
# village and community organizations 5 (党章 art. 31; 基层组织选举工作条例 2020).
def term_years(kind: str, unit_kind: str) -> int:
    if unit_kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY):
        return 5
    if kind in COMMITTEE_KINDS:
        return 5
    return 3
