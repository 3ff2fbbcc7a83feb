"""A member's dues category follows their occupation unless the secretary overrides it; the page
says which applies and why; an override is in the archive and the audit, and survives a change
of occupation; a profile that follows the occupation follows its changes from the next month."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from dangjian.audit.models import AuditEvent
from dangjian.dues import selectors, services
from dangjian.dues.choices import DuesCategory, category_for_occupation
from dangjian.dues.models import DuesProfile
from dangjian.members import services as member_services
from dangjian.members.choices import Occupation
from dangjian.members.models import ArchiveEntry
from dangjian.site.testing import build_member, system_user

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("dangjian.dues.migrations.0006_profile_override_backfill")
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def _worker(county: Any, **fields: Any) -> Any:
    return build_member(
        organization=county.east_village, name="周九", occupation=Occupation.WORKER, **fields
    )


def _set(member: Any, category: str | None, base: str | None = "3200", **kwargs: Any) -> Any:
    return services.profile_set(
        actor=system_user(),
        member=member,
        category=category,
        base=Decimal(base) if base is not None else None,
        effective_from=NOV,
        **kwargs,
    )


def _change_occupation(county: Any, member: Any, occupation: str) -> None:
    member_services.member_update(
        actor=county.east_secretary, member=member, changes={"occupation": occupation}
    )
    member.refresh_from_db()


@pytest.mark.parametrize(
    ("occupation", "category"),
    [
        (Occupation.WORKER, DuesCategory.EMPLOYED),
        (Occupation.OFFICIAL, DuesCategory.EMPLOYED),
        (Occupation.FARMER, DuesCategory.FARMER),
        (Occupation.STUDENT, DuesCategory.STUDENT),
        (Occupation.RETIRED, DuesCategory.RETIRED),
        (Occupation.OTHER, DuesCategory.OTHER),
    ],
)
def test_each_occupation_gives_a_category(occupation: str, category: str) -> None:
    assert category_for_occupation(occupation) == category


def test_a_retired_member_pays_on_the_pension_whatever_the_occupation() -> None:
    assert category_for_occupation(Occupation.PROFESSIONAL, is_retired=True) == "retired"
    assert category_for_occupation(Occupation.PROFESSIONAL, is_retired=False) == "employed"


def test_no_category_means_the_occupations(county: Any, frozen: None) -> None:
    member = _worker(county)
    profile = _set(member, None)
    assert (profile.category, profile.category_overridden) == (DuesCategory.EMPLOYED, False)
    entry = ArchiveEntry.objects.filter(member=member).latest("pk")
    assert "按职业“工人(工勤技能人员)”" in entry.summary


def test_choosing_the_occupations_category_is_not_an_override(county: Any, frozen: None) -> None:
    """The boundary: the same category chosen explicitly still follows the occupation."""
    profile = _set(_worker(county), DuesCategory.EMPLOYED)
    assert profile.category_overridden is False
    assert profile.override_reason == ""


def test_another_category_is_an_override_recorded_with_its_reason(
    county: Any, frozen: None
) -> None:
    member = _worker(county)
    profile = _set(member, DuesCategory.UNEMPLOYED, None, override_reason="工厂停产，下岗在家")
    assert (profile.category_overridden, profile.override_reason) == (True, "工厂停产，下岗在家")
    entry = ArchiveEntry.objects.filter(member=member).latest("pk")
    assert "书记指定，不随职业变化" in entry.summary
    assert "按职业“工人(工勤技能人员)”应为“在职”" in entry.summary
    assert "工厂停产" in entry.summary
    audit = AuditEvent.objects.filter(target_type="dues.duesprofile").latest("pk")
    assert audit.detail["category_overridden"] is True
    # Confirming the same override again (annual 核定) keeps its reason.
    again = services.profile_set(
        actor=system_user(),
        member=member,
        category=DuesCategory.UNEMPLOYED,
        base=None,
        effective_from=DEC,
    )
    assert again.override_reason == "工厂停产，下岗在家"


def test_a_following_profile_follows_a_new_occupation_from_next_month(
    county: Any, frozen: None
) -> None:
    """Worker → student: the fixed amount from December; November keeps its amount."""
    member = _worker(county)
    _set(member, None)
    _change_occupation(county, member, Occupation.STUDENT)
    profiles = list(member.dues_profiles.order_by("effective_from"))
    assert [(p.effective_from, p.category) for p in profiles] == [
        (NOV, DuesCategory.EMPLOYED),
        (DEC, DuesCategory.STUDENT),
    ]
    assert profiles[1].category_overridden is False
    dues = selectors.member_dues(member)
    assert dues.profile is not None
    assert dues.profile.category == DuesCategory.EMPLOYED
    assert dues.basis.upcoming == profiles[1]
    assert ArchiveEntry.objects.filter(member=member, summary__contains="学生").exists()


def test_an_override_survives_a_change_of_occupation(county: Any, frozen: None) -> None:
    member = _worker(county)
    _set(member, DuesCategory.SUBSISTENCE, None, override_reason="享受低保")
    _change_occupation(county, member, Occupation.STUDENT)
    assert list(member.dues_profiles.values_list("category", flat=True)) == [
        DuesCategory.SUBSISTENCE
    ]


def test_a_base_of_the_same_schedule_is_carried(county: Any, frozen: None) -> None:
    """Worker → other occupation: both pay on a wage, so the base goes with the category."""
    member = _worker(county)
    _set(member, None, "5400")
    _change_occupation(county, member, Occupation.OTHER)
    latest = member.dues_profiles.latest("effective_from")
    assert (latest.effective_from, latest.category, latest.base) == (
        DEC,
        DuesCategory.OTHER,
        Decimal("5400.00"),
    )


def test_a_wage_is_not_taken_for_a_pension(client: Client, county: Any, frozen: None) -> None:
    """Worker → retired: the pension is not known, so nothing is guessed; the page asks."""
    member = _worker(county)
    _set(member, None, "5400")
    _change_occupation(county, member, Occupation.RETIRED)
    assert member.dues_profiles.count() == 1
    basis = selectors.member_dues(member).basis
    assert (basis.pending, basis.derived) == (True, DuesCategory.RETIRED)
    client.force_login(county.east_secretary)
    page = client.get(f"/dues/member/{member.pk}/").content.decode()
    assert "应按“离退休”交纳：请在党费档案中登记新的月基数" in page


def test_retiring_marks_the_profile_to_change(county: Any, frozen: None) -> None:
    """离退休 set on the record: the category is 离退休 from then on, the pension to be entered."""
    member = _worker(county)
    _set(member, None, "5400")
    member_services.member_update(
        actor=county.east_secretary, member=member, changes={"is_retired": True}
    )
    member.refresh_from_db()
    basis = selectors.member_dues(member).basis
    assert (basis.pending, basis.derived, basis.occupation) == (True, "retired", "离退休")
    services.profile_set(
        actor=system_user(),
        member=member,
        category=None,
        base=Decimal("4000"),
        effective_from=DEC,
    )
    latest = member.dues_profiles.latest("effective_from")
    assert (latest.category, latest.category_overridden) == ("retired", False)
    assert selectors.member_dues(member).basis.pending is False


def test_an_approved_reduction_is_not_changed_by_itself(county: Any, frozen: None) -> None:
    member = _worker(county)
    _set(
        member,
        None,
        reduced_amount=Decimal("0"),
        reduction_decision="支部大会 2026-10-20",
        reduction_approved_by="东镇党委",
    )
    _change_occupation(county, member, Occupation.STUDENT)
    assert member.dues_profiles.count() == 1
    assert selectors.member_dues(member).basis.pending is True


def test_other_changes_leave_the_profile_alone(county: Any, frozen: None) -> None:
    member = _worker(county)
    _set(member, None)
    member_services.member_update(
        actor=county.east_secretary, member=member, changes={"work_unit": "县农机厂"}
    )
    assert member.dues_profiles.count() == 1


def test_backfill_keeps_earlier_choices_as_overrides(county: Any, frozen: None) -> None:
    """Profiles from before: a category other than the occupation's becomes an override; the
    occupation's own category does not; going back clears the flags."""
    worker, student = _worker(county), _worker(county, id_number=None)
    DuesProfile.objects.create(member=worker, category="employed", base=3000, effective_from=NOV)
    DuesProfile.objects.create(member=student, category="unemployed", effective_from=NOV)
    backfill.mark_overrides(apps, None)
    assert DuesProfile.objects.get(member=worker).category_overridden is False
    kept = DuesProfile.objects.get(member=student)
    assert kept.category_overridden is True
    assert kept.override_reason
    backfill.clear_overrides(apps, None)
    assert not DuesProfile.objects.filter(category_overridden=True).exists()


def test_member_page_says_which_applies_in_scope_and_404_out_of_scope(
    client: Client, county: Any, frozen: None
) -> None:
    following, chosen = _worker(county), _worker(county, id_number=None)
    _set(following, None)
    _set(chosen, DuesCategory.UNEMPLOYED, None, override_reason="工厂停产")
    client.force_login(county.east_secretary)
    page = client.get(f"/dues/member/{following.pk}/").content.decode()
    assert "类别按职业“工人(工勤技能人员)”确定" in page
    page = client.get(f"/dues/member/{chosen.pk}/").content.decode()
    assert "类别“下岗失业”由书记指定，不随职业变化" in page
    assert "原因：工厂停产" in page
    api = client.get(f"/api/v1/dues/members/{chosen.public_id}").json()
    assert (api["category_overridden"], api["category_from_occupation"]) == (True, "employed")
    client.force_login(county.west_admin)
    assert client.get(f"/dues/member/{chosen.pk}/").status_code == 404
    assert client.get(f"/dues/member/{chosen.pk}/profile/").status_code == 404


def test_profile_form_follows_or_overrides(client: Client, county: Any, frozen: None) -> None:
    member = _worker(county)
    client.force_login(county.east_secretary)
    url = f"/dues/member/{member.pk}/profile/"
    form = client.get(url).content.decode()
    assert "按职业（工人(工勤技能人员) → 在职）" in form
    client.post(url, {"category": "", "base": "3200", "effective_from": "2026-11"})
    profile = member.dues_profiles.get()
    assert (profile.category, profile.category_overridden) == (DuesCategory.EMPLOYED, False)
    client.post(
        url,
        {
            "category": DuesCategory.UNEMPLOYED,
            "override_reason": "下岗",
            "effective_from": "2026-11",
        },
    )
    profile.refresh_from_db()
    assert (profile.category, profile.category_overridden, profile.override_reason) == (
        DuesCategory.UNEMPLOYED,
        True,
        "下岗",
    )
