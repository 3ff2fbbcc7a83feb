"""No page and no API operation shows a user anything of an organization outside their scope.

The test walks *every* URL pattern (Django's resolver) and *every* operation of the OpenAPI
document of /api/v1/, signed in as users of 东镇 (administrator, secretary, observer, member),
and asks for the objects of 西镇 — the other township. Each answer must be a 404, or (for pages
without an object in the URL, such as lists and forms) a page that names nothing of 西镇.

A new URL with a parameter this file does not know how to fill FAILS the test: add one line to
OTHER_ORGANIZATION saying how to find an object of 西镇 for it (docs/testing-scope.md). Pages
anyone may open without signing in are listed in PUBLIC_PAGES / PUBLIC_OPERATIONS on purpose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dangjian.api.v1 import api
from dangjian.members import services as member_services
from dangjian.members.choices import PositionTitle
from dangjian.members.models import Position

pytestmark = pytest.mark.django_db

# --- the registry: URL parameter → an object of 西镇 (the other township) ----------------------
# Key "namespace:parameter" for pages, or "namespace:url_name:parameter" where one namespace
# uses a parameter name for different things (it wins over the shorter key); for the API
# "api:<first path segment>:parameter". A function returns a model instance (its pk goes into
# the URL and the registry test checks that it belongs to 西镇) or a plain value.
# One line per new parameter. `c` is the `county` fixture (conftest.py).
OTHER_ORGANIZATION: dict[str, Callable[[Any], Any]] = {
    "members:pk": lambda c: c.sun,
    "members:field": lambda c: "id_number",
    "members:position_pk": lambda c: west_position(c),
    "members:family_pk": lambda c: west_family_member(c),
    "members:trip_pk": lambda c: west_trip(c),
    "members:org_pk": lambda c: c.west_village,
    "organizations:pk": lambda c: c.west_village,
    "reports:pk": lambda c: c.west,
    "reports:kind": lambda c: "xlsx",
    "reports:year": lambda c: 2025,
    "roster:public_id": lambda c: west_import_job(c).public_id,
    "exports:public_id": lambda c: west_export_job(c).public_id,
    "certificates:pk": lambda c: c.west_village,
    "certificates:activity_checkin:pk": lambda c: west_activity(c),
    "certificates:member_issue:pk": lambda c: c.sun,
    "certificates:revoke:pk": lambda c: west_certificate(c),
    "certificates:trust_remove:pk": lambda c: foreign_trusted_key(c),
    "certificates:receipt_download:pk": lambda c: west_receipt(c),
    "places:pk": lambda c: west_place(c),
    "activities:pk": lambda c: west_activity(c),
    "activities:attendance_pk": lambda c: west_activity(c).attendance.first() or 0,
    "activities:visiting_pk": lambda c: west_visiting_guest(c),
    "activities:attachment:pk": lambda c: west_attachment(c),
    "activities:compliance:pk": lambda c: c.west_village,
    "activities:follow_up_done:pk": lambda c: west_follow_up(c),
    "activities:exemption:pk": lambda c: c.sun,
    "activities:ledger:pk": lambda c: c.west_village,
    "activities:year": lambda c: 2026,
    "activities:fmt": lambda c: "xlsx",
    "activities:review:pk": lambda c: west_review(c),
    "activities:review_handle:pk": lambda c: west_review_entry(c),
    "activities:self_assessment:pk": lambda c: west_review_entry(c),
    "activities:course:pk": lambda c: west_course(c),
    "dues:pk": lambda c: c.west_village,
    "dues:member:pk": lambda c: c.sun,
    "dues:payment_create:pk": lambda c: c.sun,
    "dues:profile_edit:pk": lambda c: c.sun,
    "recruitment:pk": lambda c: west_applicant(c),
    "recruitment:panel:pk": lambda c: c.west_village,
    "recruitment:field": lambda c: "id_number",
    "recruitment:plan:pk": lambda c: west_recruitment_plan(c),
    "recruitment:plan_export:pk": lambda c: west_recruitment_plan(c),
    "portal:pk": lambda c: west_correction(c),
    "portal:org": lambda c: c.west_village,
    "portal:volunteer_signup:pk": lambda c: west_published_activity(c),
    "alerts:pk": lambda c: west_alert(c),
    "alerts:org": lambda c: c.west,
    "assessment:pk": lambda c: west_assessment(c),
    "assessment:action": lambda c: "compute",
    "rectification:pk": lambda c: west_weakness_review(c),
    "rectification:action": lambda c: "recompute",
    "rectification:candidate": lambda c: west_weakness_review(c).candidates.get(),
    "rectification:case:pk": lambda c: west_rectification_case(c),
    "rectification:close:pk": lambda c: west_rectification_case(c),
    # The criteria are the county's (no organization's): only the county administrator edits.
    "rectification:criterion:pk": lambda c: 1,
    "care:pk": lambda c: c.sun,
    "funds:pk": lambda c: c.west_village,
    "leadership:staff_post:pk": lambda c: c.sun,
    "care:kind": lambda c: "hardship",
    "care:org": lambda c: c.west_village,
    "care:volunteer_detail:pk": lambda c: west_volunteer_activity(c),
    "care:volunteer_participant:pk": lambda c: west_volunteer_activity(c),
    "care:volunteer_participant_add:pk": lambda c: west_volunteer_activity(c),
    # A participant's row: a plain key (the row's text field `activity` would mislead _owner).
    "care:service_pk": lambda c: west_volunteer_activity(c).participations.get().pk,
    "care:help_take_up:pk": lambda c: west_help_request(c),
    "care:volunteer_signups_record:pk": lambda c: west_published_activity(c),
    "api-tokens:pk": lambda c: west_token(c),
    "accounts-invite:org": lambda c: c.west_village,
    "accounts-invite:public_id": lambda c: west_invitation(c).public_id,
    "accounts-invite:pk": lambda c: c.sun,
    "transfers:pk": lambda c: west_transfer(c),
    "transfers:organization_panel:pk": lambda c: c.west_village,
    "transfers:action": lambda c: "cancel",
    "transfers:outflow_action:pk": lambda c: west_outflow(c),
    "transfers:outflow_action:action": lambda c: "return",
    "transfers:inflow_leave:pk": lambda c: west_inflow(c),
    "transfers:outflow_report_seen:pk": lambda c: west_outflow_report(c),
    # The API: "api:<first path segment>:parameter".
    "api:organizations:code": lambda c: c.west_village.code,
    "api:members:public_id": lambda c: c.sun.public_id,
    "api:roster:job_id": lambda c: west_import_job(c).public_id,
    "api:activities:pk": lambda c: west_activity(c),
    "api:activities:org": lambda c: c.west_village.code,
    "api:activities:year": lambda c: 2026,
    "api:activities:member": lambda c: c.sun.public_id,
    "api:dues:category": lambda c: "employed",
    "api:dues:member": lambda c: c.sun.public_id,
    "api:dues:organization": lambda c: c.west_village.code,
    "api:dues:year": lambda c: 2026,
    "api:recruitment:organization": lambda c: c.west_village.code,
    "api:recruitment:applicant_id": lambda c: west_applicant(c),
    "api:recruitment:plan_id": lambda c: west_recruitment_plan(c),
    "api:transfers:transfer_id": lambda c: west_transfer(c),
    "api:statistics:organization": lambda c: c.west.code,
    "api:statistics:year": lambda c: 2025,
    "api:statistics:first": lambda c: 2024,
    "api:statistics:second": lambda c: 2025,
    "api:care:pk": lambda c: west_volunteer_activity(c),
    "api:funds:org": lambda c: c.west_village.code,
    "api:funds:year": lambda c: 2026,
    "api:leadership:org": lambda c: c.west.code,
    "api:leadership:year": lambda c: 2025,
    "api:units:org": lambda c: c.west.code,
    "api:rectification:review_id": lambda c: west_weakness_review(c),
    "api:rectification:candidate_id": lambda c: west_weakness_review(c).candidates.get(),
    "api:rectification:case_id": lambda c: west_rectification_case(c),
    "api:rectification:criterion_id": lambda c: 1,
}

# Pages whose parameters name no record (a template kind, the signed-in member's own card):
# they are walked like lists, and must show nothing of 西镇.
# The receipt export names a deployment, and exports only the guests in the user's own scope.
PAGES_WITHOUT_OBJECT = {
    "roster:template",
    "certificates:mine_download",
    "certificates:receipt_export",
}
VALUES_WITHOUT_OBJECT = {
    "roster:kind": "members",
    "certificates:kind": "png",
    "certificates:issuer": "CN-OTHER",
    "rollup:kind": "xlsx",
}


# Pages that need no sign-in and show no records (sign-in, health, language switch …).
PUBLIC_PAGES = {
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "set_language",
    "healthz",
    "ops:live",
    "ops:ready",
    "ops:metrics",
}
# API operations without sign-in (operationId), e.g. certificate verification.
PUBLIC_OPERATIONS: set[str] = {
    "dangjian_certificates_api_verify",
    "dangjian_certificates_api_verify_batch",
    "dangjian_certificates_api_public_keys",
    "dangjian_certificates_api_revocations",
    "dangjian_dues_api_calculate",
}

# What 西镇 holds: none of it may reach a user of 东镇.
WEST_TEXT = ("西镇党委", "西村党支部", "孙八", "13900001111", "C0005", "C0006")
NOT_FOUND_OR_REFUSED = {404, 403, 405}
USERS = ["east_admin", "east_secretary", "east_observer", "member_user"]


def _once(c: Any, name: str, make: Callable[[], Any]) -> Any:
    """Each 西镇 object is made once per test (the fixture object keeps it)."""
    cache = c.__dict__.setdefault("_west_objects", {})
    if name not in cache:
        cache[name] = make()
    return cache[name]


def west_activity(c: Any) -> Any:
    from dangjian.activities import services as activity_services
    from dangjian.activities.choices import ActivityKind

    def make() -> Any:
        activity = activity_services.activity_create(
            actor=c.county_admin,
            organization=c.west_village,
            data={
                "kind": ActivityKind.GENERAL_MEETING,
                "topic": "西村主题党日",
                "on": dt.date(2026, 3, 1),
            },
        )
        return activity_services.activity_record(actor=c.west_admin, activity=activity)

    return _once(c, "activity", make)


def west_follow_up(c: Any) -> Any:
    """A follow-up item of the west township's 民主生活会 (西镇班子整改)."""
    from dangjian.activities import services as activity_services
    from dangjian.activities.choices import ActivityKind, ActivityStatus
    from dangjian.activities.models import Activity

    def make() -> Any:
        meeting = Activity.objects.create(
            organization=c.west,
            kind=ActivityKind.DEMOCRATIC_LIFE,
            status=ActivityStatus.HELD,
            topic="西镇专题民主生活会",
            on=dt.date(2025, 12, 20),
        )
        return activity_services.follow_up_add(
            actor=c.west_admin,
            activity=meeting,
            text="西镇班子整改",
            responsible="西镇书记",
            deadline=dt.date(2026, 3, 31),
        )

    return _once(c, "follow_up", make)


def west_volunteer_activity(c: Any) -> Any:
    from decimal import Decimal

    from dangjian.care import services as care_services

    return _once(
        c,
        "volunteer_activity",
        lambda: care_services.volunteer_activity_record(
            actor=c.west_admin,
            organization=c.west_village,
            on=dt.date(2026, 3, 1),
            title="西村志愿服务",
            hours=Decimal(2),
            participants={c.sun.pk: None},
        ),
    )


def west_published_activity(c: Any) -> Any:
    from decimal import Decimal

    from dangjian.care import services as care_services
    from dangjian.core.dates import today

    return _once(
        c,
        "published_activity",
        lambda: care_services.volunteer_activity_publish(
            actor=c.west_admin,
            organization=c.west,
            on=today() + dt.timedelta(days=7),
            title="西镇志愿服务报名",
            hours=Decimal(2),
            capacity=5,
        ),
    )


def west_help_request(c: Any) -> Any:
    from dangjian.care.models import HelpRequest

    return _once(
        c,
        "help_request",
        lambda: HelpRequest.objects.create(
            member=c.sun, organization=c.west_village, what="西村党员求助"
        ),
    )


def west_outflow_report(c: Any) -> Any:
    from dangjian.transfers.models import OutflowReport

    return _once(
        c,
        "outflow_report",
        lambda: OutflowReport.objects.create(
            outflow=west_outflow(c), region_code="440300", work_unit="西村外出单位"
        ),
    )


def west_attachment(c: Any) -> Any:
    from django.core.files.base import ContentFile

    from dangjian.activities.models import Attachment

    def make() -> Any:
        attachment = Attachment(
            activity=west_activity(c),
            original_name="西村.pdf",
            content_type="application/pdf",
            size=8,
            uploaded_by=c.west_admin,
        )
        attachment.file.save("west.pdf", ContentFile(b"%PDF-1.4"), save=True)
        return attachment

    return _once(c, "attachment", make)


def west_review(c: Any) -> Any:
    from dangjian.activities.models import ReviewRound

    return _once(
        c,
        "review",
        lambda: ReviewRound.objects.create(
            organization=c.west_village, year=2026, excellent_cap_percent=30
        ),
    )


def west_review_entry(c: Any) -> Any:
    from dangjian.activities.models import ReviewEntry

    return _once(
        c, "review_entry", lambda: ReviewEntry.objects.create(review=west_review(c), member=c.sun)
    )


def west_course(c: Any) -> Any:
    from dangjian.activities.models import TrainingCourse

    return _once(
        c,
        "course",
        lambda: TrainingCourse.objects.create(
            organization=c.west_village,
            title="西村培训",
            form="CENTRAL",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 3, 2),
        ),
    )


def west_applicant(c: Any) -> Any:
    from dangjian.recruitment import services as recruitment_services
    from dangjian.recruitment.tests.helpers import applicant_data
    from dangjian.site.testing import new_id_number

    def make() -> Any:
        data = applicant_data(name="西村申请人")
        return recruitment_services.applicant_create(
            actor=c.west_admin,
            organization=c.west_village,
            data=data,
            id_number=new_id_number(data["birth_date"], data["sex"]),
            applied_on=dt.date(2026, 1, 10),
        )

    return _once(c, "applicant", make)


def west_correction(c: Any) -> Any:
    from dangjian.portal.models import CorrectionRequest

    return _once(
        c,
        "correction",
        lambda: CorrectionRequest.objects.create(
            member=c.sun, field="address", proposed_value="西村三组", requested_by=c.west_admin
        ),
    )


def west_alert(c: Any) -> Any:
    from dangjian.alerts.models import Alert

    return _once(
        c,
        "alert",
        lambda: Alert.objects.create(
            rule="term",
            subject=f"org:{c.west_village.pk}",
            organization=c.west_village,
            message="西村党支部 任期届满",
            fix="换届",
            last_seen_on=dt.date(2026, 11, 1),
        ),
    )


def west_assessment(c: Any) -> Any:
    from dangjian.assessment import services as assessment_services

    return _once(
        c,
        "assessment",
        lambda: assessment_services.round_create(actor=c.west_admin, committee=c.west, year=2026),
    )


def west_recruitment_plan(c: Any) -> Any:
    from dangjian.recruitment import services as recruitment_services

    return _once(
        c,
        "recruitment_plan",
        lambda: recruitment_services.plan_save(
            actor=c.west_admin, committee=c.west, year=2026, targets={"admitted": 3}
        ),
    )


def west_weakness_review(c: Any) -> Any:
    from dangjian.rectification import services as rectification_services

    def make() -> Any:
        c.west_village.term_ends_on = dt.date(2025, 6, 30)  # a candidate: the term ran out
        c.west_village.save(update_fields=["term_ends_on"])
        return rectification_services.review_create(
            actor=c.west_admin, committee=c.west, year=2026, on=dt.date(2026, 11, 30)
        )

    return _once(c, "weakness_review", make)


def west_rectification_case(c: Any) -> Any:
    from dangjian.core.dates import today
    from dangjian.rectification import services as rectification_services

    def make() -> Any:
        candidate = rectification_services.candidate_decide(
            actor=c.west_admin,
            candidate=west_weakness_review(c).candidates.get(),
            listed=True,
            reason="西村党支部换届逾期",
            cadre="西镇组织委员",
            measures="按期换届",
            deadline=today() + dt.timedelta(days=30),
        )
        return candidate.case

    return _once(c, "rectification_case", make)


def west_invitation(c: Any) -> Any:
    from dangjian.portal.activation import invitation_start

    return _once(
        c,
        "invitation",
        lambda: invitation_start(
            actor=c.west_admin, organization=c.west_village, base_url="https://x.example/"
        ),
    )


def west_token(c: Any) -> Any:
    from dangjian.api.tokens import api_token_create

    return _once(
        c,
        "token",
        lambda: api_token_create(actor=c.west_admin, name="西镇", days=5)[0],
    )


def west_certificate(c: Any) -> Any:
    from dangjian.certificates.services import certificate_issue

    return _once(c, "certificate", lambda: certificate_issue(actor=c.west_admin, member=c.sun))


def west_visiting_guest(c: Any) -> Any:
    """A guest of another deployment at 西村's activity, not yet sent home."""
    import uuid

    from dangjian.activities import services as activity_services

    return _once(
        c,
        "visiting_guest",
        lambda: activity_services.visiting_guest_add(
            actor=c.west_admin,
            activity=west_activity(c),
            name="郑游",
            home_issuer="CN-ELSE",
            home_organization_code="O0009",
            certificate_serial="fedcba9876543210",
            member_public_id=uuid.uuid4(),
        ),
    )


def west_receipt(c: Any) -> Any:
    """An attendance receipt 西村 exported for a guest of another deployment, and a second
    guest of that deployment still waiting for one."""
    import uuid

    from dangjian.activities import services as activity_services
    from dangjian.certificates import receipts
    from dangjian.certificates.models import AttendanceReceipt

    def guest(name: str) -> Any:
        return activity_services.visiting_guest_add(
            actor=c.west_admin,
            activity=west_activity(c),
            name=name,
            home_issuer="CN-OTHER",
            home_organization_code="O0001",
            certificate_serial="0123456789abcdef",
            member_public_id=uuid.uuid4(),
        )

    def make() -> Any:
        guest("周游")
        receipts.attendance_receipt_export(actor=c.west_admin, home_issuer="CN-OTHER")
        guest("吴行")
        return AttendanceReceipt.objects.get()

    return _once(c, "receipt", make)


def west_place(c: Any) -> Any:
    from dangjian.places import services as place_services

    return _once(
        c,
        "place",
        lambda: place_services.place_save(
            actor=c.west_admin,
            organization=c.west_village,
            data={
                "name": "西村党员之家",
                "kind": "branch",
                "address": "西村",
                "region_code": "360730",
                "week_of_month": 1,
                "weekday": 5,
                "contact": "0797-2",
                "active": True,
            },
        ),
    )


def foreign_trusted_key(c: Any) -> Any:
    from dangjian.exchange.models import TrustedKey

    return _once(
        c,
        "trusted_key",
        lambda: TrustedKey.objects.create(
            issuer="CN-430000", kid="0" * 16, public_key="A" * 43, added_by=c.county_admin
        ),
    )


def west_import_job(c: Any) -> Any:
    from dangjian.roster.models import ImportJob

    return _once(
        c,
        "import_job",
        lambda: ImportJob.objects.create(
            kind="members",
            created_by=c.west_admin,
            organization=c.west_village,
            file_name="西村.csv",
        ),
    )


def west_export_job(c: Any) -> Any:
    """The west administrator's own export: no one else, however wide their scope, sees it."""
    from dangjian.core.models import ExportJob, ExportStatus

    return _once(
        c,
        "export_job",
        lambda: ExportJob.objects.create(
            kind="roster.members",
            title="西村党员名册",
            file_name="西村党员名册.csv",
            created_by=c.west_admin,
            status=ExportStatus.DONE,
        ),
    )


def west_transfer(c: Any) -> Any:
    from dangjian.transfers import services as transfer_services
    from dangjian.transfers.choices import TransferKind

    return _once(
        c,
        "transfer",
        lambda: transfer_services.transfer_create(
            actor=c.west_admin,
            member=c.sun,
            kind=TransferKind.OUTBOUND,
            counterpart_issuer="CN-440000",
            counterpart_organization="广东某党支部",
            reason="工作调动",
        ),
    )


def west_outflow(c: Any) -> Any:
    from dangjian.transfers import mobile
    from dangjian.transfers.choices import OutflowReason

    return _once(
        c,
        "outflow",
        lambda: mobile.outflow_create(
            actor=c.west_admin,
            member=c.sun,
            region_code="440300",
            left_on=dt.date(2026, 1, 1),
            reason=OutflowReason.WORK,
        ),
    )


def west_inflow(c: Any) -> Any:
    from dangjian.transfers import mobile
    from dangjian.transfers.choices import OutflowReason

    return _once(
        c,
        "inflow",
        lambda: mobile.inflow_create(
            actor=c.west_admin,
            host_organization=c.west_village,
            name="外来党员",
            home_organization_name="外省某党支部",
            arrived_on=dt.date(2026, 2, 1),
            reason=OutflowReason.WORK,
        ),
    )


def west_family_member(c: Any) -> Any:
    from dangjian.members.choices import FamilyRelation

    return c.sun.family.first() or member_services.family_member_add(
        actor=c.county_admin, member=c.sun, relation=FamilyRelation.SPOUSE, name="孙配偶"
    )


def west_trip(c: Any) -> Any:
    from dangjian.members.choices import TripPurpose

    return c.sun.trips.first() or member_services.trip_abroad_add(
        actor=c.county_admin,
        member=c.sun,
        left_on=dt.date(2025, 1, 1),
        destination="日本",
        purpose=TripPurpose.PRIVATE,
    )


def west_position(c: Any) -> Position:
    existing = Position.objects.filter(member=c.sun).first()
    if existing is not None:
        return existing
    return member_services.position_assign(
        actor=c.county_admin,
        organization=c.west_village,
        member=c.sun,
        title=PositionTitle.SECRETARY,
        started_on=dt.date(2024, 1, 1),
    )


def _patterns(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, str]]:
    """(URL name with namespace, namespace, full route) of every pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, namespace, prefix + str(pattern.pattern)


def page_patterns() -> list[tuple[str, str, str]]:
    return [p for p in _patterns(get_resolver().url_patterns) if not p[1].startswith("api-v1")]


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _key(name: str, namespace: str, parameter: str) -> str:
    """The registry key for a page's parameter: the URL's own entry first."""
    specific = f"{name}:{parameter}"
    if specific in OTHER_ORGANIZATION or f"{namespace}:{parameter}" in VALUES_WITHOUT_OBJECT:
        return specific if specific in OTHER_ORGANIZATION else f"{namespace}:{parameter}"
    return f"{namespace}:{parameter}"


def _known(key: str) -> bool:
    return key in OTHER_ORGANIZATION or key in VALUES_WITHOUT_OBJECT


def _fill(key: str, county: Any) -> Any:
    if key in VALUES_WITHOUT_OBJECT:
        return VALUES_WITHOUT_OBJECT[key]
    if key not in OTHER_ORGANIZATION:
        pytest.fail(
            f"no way to find an object of another organization for {key!r}: add a line "
            f"'{key}': lambda c: …  to OTHER_ORGANIZATION in tests/test_scope_leak.py "
            "(see docs/testing-scope.md)"
        )
    value = OTHER_ORGANIZATION[key](county)
    return value.pk if hasattr(value, "_meta") else value


def assert_nothing_of_the_west(response: Any, where: str) -> None:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode(errors="replace")
    for text in WEST_TEXT:
        assert text not in body, f"{where} shows {text!r} to a user out of scope"


def test_every_page_pattern_is_known() -> None:
    """Each parameter of each page has a registry entry (the test below would also fail)."""
    missing = []
    for name, namespace, route in page_patterns():
        for parameter in PARAMETER.findall(route):
            if not _known(_key(name, namespace, parameter)):
                missing.append(f"{name} ({route}): {namespace}:{parameter}")
    assert missing == [], f"add to OTHER_ORGANIZATION: {missing}"


@pytest.mark.parametrize("who", USERS)
def test_no_page_shows_the_other_organization(county: Any, client: Any, who: str) -> None:
    user = getattr(county, who)
    checked = 0
    for name, namespace, route in page_patterns():
        if name in PUBLIC_PAGES:
            continue
        parameters = PARAMETER.findall(route)
        kwargs = {p: _fill(_key(name, namespace, p), county) for p in parameters}
        url = reverse(name, kwargs=kwargs)
        if name in PAGES_WITHOUT_OBJECT:
            parameters = []
        for method in ("get", "post"):
            client.force_login(user)
            response = getattr(client, method)(url)
            where = f"{method.upper()} {url} ({name}) as {who}"
            if parameters:
                assert response.status_code in NOT_FOUND_OR_REFUSED, (
                    f"{where}: {response.status_code}, expected 404"
                )
            else:
                assert response.status_code < 500, where
            assert_nothing_of_the_west(response, where)
            checked += 1
    assert checked >= 20  # the walk really walked


@pytest.mark.parametrize("who", USERS)
def test_no_api_operation_shows_the_other_organization(county: Any, client: Any, who: str) -> None:
    user = getattr(county, who)
    for path, method, operation in api_operations():
        operation_id = operation.get("operationId", path)
        if not operation.get("security") and operation_id not in PUBLIC_OPERATIONS:
            pytest.fail(
                f"{method.upper()} {path} answers without sign-in: add {operation_id!r} to "
                "PUBLIC_OPERATIONS if that is intended"
            )
        segment = path.removeprefix("/api/v1/").split("/", 1)[0]
        url = path
        query: dict[str, Any] = {}
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                value = _fill(f"api:{segment}:{parameter['name']}", county)
                url = url.replace("{" + parameter["name"] + "}", str(value))
            elif parameter["in"] == "query" and parameter.get("required"):
                query[parameter["name"]] = _fill(f"api:{segment}:{parameter['name']}", county)
        client.force_login(user)
        if method == "get":
            response = client.get(url, query)
        else:
            response = getattr(client, method)(url, data={}, content_type="application/json")
        where = f"{method.upper()} {url} ({operation_id}) as {who}"
        assert response.status_code < 500, where
        if "{" in path:
            assert response.status_code in NOT_FOUND_OR_REFUSED | {400, 422}, where
        assert_nothing_of_the_west(response, where)


def _owner(value: Any) -> Any:
    """The organization an object of the registry belongs to (None: it belongs to none)."""
    from dangjian.members.models import Member
    from dangjian.organizations.models import Organization

    if isinstance(value, Organization):
        return value
    if isinstance(value, Member):
        membership = value.memberships.order_by("-pk").first()
        return membership.organization if membership else None
    for attribute in (
        "organization",
        "committee",
        "from_organization",
        "home_organization",
        "host_organization",
    ):
        owner = getattr(value, attribute, None)
        if isinstance(owner, Organization):
            return owner
    for attribute in ("activity", "review", "member", "outflow"):
        related = getattr(value, attribute, None)
        if related is not None:
            return _owner(related)
    user = getattr(value, "user", None) or getattr(value, "actor", None)
    if user is not None:
        role = user.roles.select_related("organization").first()
        return role.organization if role else None
    return None


def test_the_registry_really_points_at_the_other_organization(county: Any) -> None:
    """Every object entry belongs to 西镇 (so a wrong function cannot make the test pass)."""
    from dangjian.exchange.models import TrustedKey

    west_path = county.west.path
    for key, find in OTHER_ORGANIZATION.items():
        value = find(county)
        if not hasattr(value, "_meta") or isinstance(value, TrustedKey):
            continue  # a plain value, or the trust list, which belongs to no organization
        owner = _owner(value)
        assert owner is not None, key
        assert owner.path.startswith(west_path), key


def test_the_walk_fails_for_an_unknown_parameter(county: Any) -> None:
    """The safety net itself: an unknown parameter name makes the walk fail, not skip."""
    with pytest.raises(pytest.fail.Exception, match="add a line"):
        _fill("newapp:thing_pk", county)
