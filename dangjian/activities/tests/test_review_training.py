"""民主评议 (cap on 优秀, handling of 不合格), training hours, attachments and the ledger."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.activities import ledger, selectors, services
from dangjian.activities.choices import Grade, Handling, TrainingForm
from dangjian.core.dates import today
from dangjian.members.choices import ArchiveKind, HowRemoved, MemberStatus
from dangjian.members.models import ArchiveEntry, Membership

pytestmark = pytest.mark.django_db
YEAR = today().year


def open_review(county, cap=30):
    return services.review_open(
        actor=county.east_secretary,
        organization=county.east_village,
        year=YEAR,
        excellent_cap_percent=cap,
    )


def test_review_round_once_per_branch_and_year(county):
    review = open_review(county)
    assert review.entries.count() == 4
    with pytest.raises(ValidationError, match="已经开始"):
        open_review(county)
    with pytest.raises(PermissionDenied):
        services.review_open(
            actor=county.west_admin, organization=county.east_village, year=YEAR - 1
        )


def test_member_writes_own_self_assessment(county):
    review = open_review(county)
    mine = review.entries.get(member=county.zhang)
    services.review_self_assess(
        actor=county.member_user, entry=mine, text="认真学习，按时交纳党费。"
    )
    assert review.entries.get(member=county.zhang).self_assessment.startswith("认真学习")
    other = review.entries.get(member=county.li)
    with pytest.raises(PermissionDenied):
        services.review_self_assess(actor=county.member_user, entry=other, text="x")


@pytest.mark.parametrize(
    ("cap", "excellent", "ok"), [(30, 1, True), (30, 2, False), (50, 2, True), (0, 1, False)]
)
def test_excellent_share_is_capped(county, cap, excellent, ok):
    review = open_review(county, cap=cap)
    people = [county.zhang, county.li, county.wang, county.zhao]
    grades = {
        m.pk: Grade.EXCELLENT if i < excellent else Grade.QUALIFIED for i, m in enumerate(people)
    }
    if ok:
        services.review_grade(actor=county.east_secretary, review=review, grades=grades)
        assert review.entries.filter(grade=Grade.EXCELLENT).count() == excellent
    else:
        with pytest.raises(ValidationError, match="超过上限"):
            services.review_grade(actor=county.east_secretary, review=review, grades=grades)
        assert not review.entries.exclude(grade="").exists()  # nothing half-written


def grade_unqualified(county, member):
    review = open_review(county)
    services.review_grade(
        actor=county.east_secretary, review=review, grades={member.pk: Grade.UNQUALIFIED}
    )
    return review.entries.get(member=member)


def test_correction_is_archived_and_keeps_the_member(county):
    entry = grade_unqualified(county, county.li)
    services.review_handle(
        actor=county.east_secretary,
        entry=entry,
        handling=Handling.CORRECT,
        on=today(),
        reason="支部大会决议",
    )
    archive = ArchiveEntry.objects.filter(member=county.li, kind=ArchiveKind.UPDATED).first()
    assert archive is not None
    assert "不合格，限期改正" in archive.summary
    assert Membership.objects.get(member=county.li, is_latest=True).ended_on is None
    with pytest.raises(ValidationError, match="已作出处置"):
        services.review_handle(
            actor=county.east_secretary,
            entry=entry,
            handling=Handling.STRIKE_OFF,
            on=today(),
            reason="x",
        )


def test_striking_off_removes_the_member(county):
    entry = grade_unqualified(county, county.li)
    services.review_handle(
        actor=county.east_secretary,
        entry=entry,
        handling=Handling.STRIKE_OFF,
        on=today(),
        reason="支部大会决议除名",
    )
    county.li.refresh_from_db()
    row = Membership.objects.get(member=county.li, is_latest=True)
    assert (row.how_removed, county.li.status) == (HowRemoved.STRUCK_OFF, MemberStatus.LEFT)
    assert ArchiveEntry.objects.filter(member=county.li, kind=ArchiveKind.MEMBERSHIP_ENDED).exists()


@pytest.mark.parametrize(("withdrew", "removed"), [(True, HowRemoved.WITHDREW), (False, "")])
def test_persuasion_removes_only_when_the_member_withdrew(county, withdrew, removed):
    entry = grade_unqualified(county, county.wang)
    services.review_handle(
        actor=county.east_secretary,
        entry=entry,
        handling=Handling.PERSUADE,
        on=today(),
        reason="劝其退党",
        withdrew=withdrew,
    )
    assert Membership.objects.get(member=county.wang, is_latest=True).how_removed == removed


def test_handling_only_for_unqualified(county):
    review = open_review(county)
    services.review_grade(
        actor=county.east_secretary, review=review, grades={county.li.pk: Grade.QUALIFIED}
    )
    with pytest.raises(ValidationError, match="只有评为不合格"):
        services.review_handle(
            actor=county.east_secretary,
            entry=review.entries.get(member=county.li),
            handling=Handling.CORRECT,
            on=today(),
            reason="x",
        )


def test_training_hours_and_figures(county):
    start = today() - dt.timedelta(days=10)
    course = services.course_create(
        actor=county.east_admin,
        organization=county.east,
        title="党员冬训",
        form=TrainingForm.CENTRAL,
        starts_on=start,
        ends_on=today(),
    )
    services.session_add(
        actor=county.east_admin,
        course=course,
        on=start,
        topic="党章",
        hours=Decimal("3"),
        participants=[county.zhang, county.qian],
    )
    services.session_add(
        actor=county.east_admin,
        course=course,
        on=today(),
        topic="党史",
        hours=Decimal("2.5"),
        participants=[county.zhang],
    )
    assert selectors.training_hours(
        [county.zhang.pk, county.qian.pk, county.sun.pk],
        start.year if start.year == today().year else today().year,
    )[county.sun.pk] == Decimal("0")
    hours = selectors.training_hours([county.zhang.pk], today().year)
    assert hours[county.zhang.pk] in (
        Decimal("5.5"),
        Decimal("2.5"),
    )  # 5.5 unless the year turned between
    total = selectors.training_figures(county.county, today().year)[-1]
    assert total.person_times >= 1
    assert total.members >= 1
    with pytest.raises(ValidationError, match="不是本组织的党员"):
        services.session_add(
            actor=county.east_admin,
            course=course,
            on=today(),
            topic="x",
            hours=Decimal("1"),
            participants=[county.sun],
        )
    with pytest.raises(ValidationError, match="学时"):
        services.session_add(
            actor=county.east_admin,
            course=course,
            on=today(),
            topic="x",
            hours=Decimal("20"),
            participants=[],
        )


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_attachment_limits(county, make_activity, settings):
    meeting = make_activity()
    saved = services.attachment_add(
        actor=county.east_secretary, activity=meeting, upload=SimpleUploadedFile("会场.png", PNG)
    )
    assert saved.content_type == "image/png"
    assert saved.file.name.startswith("activities/")
    assert "会场" not in saved.file.name
    with pytest.raises(ValidationError, match="只能上传"):
        services.attachment_add(
            actor=county.east_secretary, activity=meeting, upload=SimpleUploadedFile("a.exe", b"MZ")
        )
    with pytest.raises(ValidationError, match="不符"):
        services.attachment_add(
            actor=county.east_secretary,
            activity=meeting,
            upload=SimpleUploadedFile("a.png", b"MZ" * 10),
        )
    big = SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * services.ATTACHMENT_MAX_BYTES)
    with pytest.raises(ValidationError, match="10 MB"):
        services.attachment_add(actor=county.east_secretary, activity=meeting, upload=big)
    assert meeting.attachments.count() == 1


def test_ledger_xlsx_and_pdf_with_chinese(county, make_activity):
    from python_calamine import CalamineWorkbook

    meeting = make_activity(topic="学习党章专题会")
    services.activity_record(
        actor=county.east_secretary,
        activity=meeting,
        exceptions={county.li.pk: ("LEAVE", "外出务工")},
    )
    book = CalamineWorkbook.from_filelike(
        io.BytesIO(ledger.ledger_xlsx(county.east, meeting.on.year))
    )
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == f"东镇党委 {meeting.on.year}年组织生活台账"
    data = [r for r in rows if r and r[0] == "东村党支部"]
    assert data[0][1] == meeting.on  # a date cell, not text
    assert data[0][3] == "学习党章专题会"
    assert data[0][7:11] == [4, 3, 1, 0]
    assert "李四（请假：外出务工）" in str(data[0][12])

    import pypdfium2 as pdfium

    # 李四 of 东村 came as a guest to 西村's theme day: it shows in 东镇's ledger, not 西镇's.
    theme = make_activity(organization=county.west_village, kind="THEME_DAY", topic="西村主题党日")
    services.activity_record(actor=county.county_admin, activity=theme)
    services.attendance_add_guest(actor=county.county_admin, activity=theme, member=county.li)
    assert [g.member for g in ledger.guests_elsewhere(county.east, theme.on.year)] == [county.li]
    assert ledger.guests_elsewhere(county.west, theme.on.year) == []
    book = CalamineWorkbook.from_filelike(
        io.BytesIO(ledger.ledger_xlsx(county.east, theme.on.year))
    )
    assert book.get_sheet_by_name("在外列席").to_python()[1][:4] == [
        "李四",
        "东村党支部",
        theme.on,
        "西村党支部",
    ]

    pdf = pdfium.PdfDocument(ledger.ledger_pdf(county.east, meeting.on.year))
    text = pdf[0].get_textpage().get_text_range()
    assert "组织生活台账" in text
    assert "学习党章专题会" in text
    assert "李四" in text
    assert "本组织党员在外列席" in text
    assert theme.on.isoformat() in text  # the guest's date, written as on the page
