"""Importing members: what is accepted, what is refused and why, and that nothing is half-written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core import crypto, figures
from dangjian.core.models import Figure
from dangjian.members.choices import ArchiveKind, Education, HowAdded, MemberCategory, Sex
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.roster import importing, services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob
from dangjian.site.testing import build_member, new_id_number

from .helpers import member_row, write_csv, write_xlsx


def _import(
    tmp_path: Path,
    actor: User,
    organization: Any,
    rows: list[dict[str, Any]],
    *,
    suffix: str = ".csv",
    encoding: str = "utf-8",
    valid_rows_only: bool = False,
) -> ImportJob:
    path = tmp_path / f"名册{suffix}"
    if suffix == ".csv":
        write_csv(path, rows, encoding=encoding)
    else:
        write_xlsx(path, rows)
    job = services.job_create(
        actor=actor,
        kind=ImportKind.MEMBERS,
        upload=path,
        organization=organization,
        valid_rows_only=valid_rows_only,
    )
    return services.job_validate(job.pk)


def _errors(job: ImportJob) -> list[tuple[int, str, str]]:
    return [tuple(e) for e in job.errors]


def test_import_creates_members_memberships_archive_and_audit(tree: Any, tmp_path: Path) -> None:
    rows = [
        member_row(姓名="王测试"),
        member_row(
            姓名="李预备",
            birth=dt.date(2000, 1, 2),
            sex_code="2",
            人员类别="预备党员",
            入党日期="2024年6月1日",
            转正日期="",
            党组织代码="",
        ),
    ]
    job = _import(tmp_path, tree.east_secretary, tree.east_village, rows)
    assert (job.status, job.total_rows, job.valid_rows, job.error_rows) == (
        JobStatus.VALIDATED,
        2,
        2,
        0,
    )
    assert not Member.objects.filter(name="王测试").exists()  # preview writes nothing
    job = services.job_commit(job.pk)
    assert job.status == JobStatus.DONE
    assert job.imported_rows == 2
    wang = Member.objects.get(name="王测试")
    assert wang.id_number == rows[0]["公民身份号码"]
    assert wang.id_number_hash == crypto.lookup_hash(wang.id_number)
    assert (wang.sex, wang.education, wang.category) == (
        Sex.MALE,
        Education.BACHELOR,
        MemberCategory.FULL,
    )
    assert (wang.name_pinyin, wang.name_initials) == ("wangceshi", "wcs")
    li = Member.objects.get(name="李预备")
    assert li.joined_on == dt.date(2024, 6, 1)
    assert li.full_member_on is None
    membership = Membership.objects.get(member=li)
    assert membership.organization == tree.east_village  # the chosen organization
    assert (membership.started_on, membership.how_added, membership.is_latest) == (
        dt.date(2024, 6, 1),
        HowAdded.OTHER,
        True,
    )
    entry = ArchiveEntry.objects.get(member=li)
    assert entry.kind == ArchiveKind.CREATED
    assert "名册导入" in entry.summary
    assert entry.reason == "名册导入：名册.csv"
    assert entry.after["import"] == str(job.public_id)
    assert entry.actor == tree.east_secretary
    preview, event = AuditEvent.objects.filter(action=AuditAction.IMPORT).order_by("id")
    assert preview.detail["rows"] == 2  # the check is audited too
    assert event.detail["count"] == 2
    assert event.actor == preview.actor == tree.east_secretary
    assert not job.directory.exists()  # the working files went with the finished job


def test_xlsx_with_date_cells_serial_numbers_and_labels(tree: Any, tmp_path: Path) -> None:
    rows = [
        member_row(姓名="甲", 出生日期=dt.date(1980, 5, 6), 入党日期=39722, 转正日期="2009.10"),
        member_row(
            姓名="乙",
            birth=dt.date(1975, 1, 1),
            出生日期="",
            性别="",
            学历="大专",
            民族="汉",
            入党日期="2000/7/1",
            转正日期="2001年7月1日",
        ),
    ]
    job = _import(tmp_path, tree.county_admin, tree.east_village, rows, suffix=".xlsx")
    assert _errors(job) == []
    services.job_commit(job.pk)
    first = Member.objects.get(name="甲")
    assert (first.joined_on, first.full_member_on) == (dt.date(2008, 10, 1), dt.date(2009, 10, 1))
    second = Member.objects.get(name="乙")
    assert second.birth_date == dt.date(1975, 1, 1)  # from the ID number
    assert second.sex == Sex.MALE
    assert second.education == Education.JUNIOR_COLLEGE


def test_gbk_csv_from_chinese_excel(tree: Any, tmp_path: Path) -> None:
    job = _import(
        tmp_path, tree.county_admin, tree.east_village, [member_row(姓名="赵国标")], encoding="gbk"
    )
    assert job.valid_rows == 1
    services.job_commit(job.pk)
    assert Member.objects.filter(name="赵国标").exists()


def test_full_width_digits_lower_x_and_spaces(tree: Any, tmp_path: Path) -> None:
    number = "11010119900307029X"
    spelled = (
        " "
        + number.lower()[:6]
        + " "
        + number.lower()[6:].translate(str.maketrans("0123456789x", "０１２３４５６７８９ｘ"))
    )
    row = member_row(
        姓名=" 钱 ", 公民身份号码=spelled, 出生日期="1990-03-07", 入党日期="2010-01-01"
    )
    row["转正日期"] = "2011-01-01"
    job = _import(tmp_path, tree.county_admin, tree.east_village, [row])
    assert _errors(job) == []
    services.job_commit(job.pk)
    member = Member.objects.get(id_number_hash=crypto.lookup_hash(number))
    assert member.id_number == number
    assert member.name == "钱"


REFUSALS = [
    ({"公民身份号码": "110101199003077671"}, "公民身份号码", "校验码不正确"),
    ({"出生日期": "1981-05-06"}, "出生日期", "与身份证号码中的出生日期 1980-05-06 不一致"),
    ({"性别": "女"}, "性别", "与身份证号码（第17位）不一致"),
    ({"入党日期": "1997-01-01", "转正日期": "1998-01-01"}, "入党日期", "须年满18周岁"),
    ({"转正日期": "2009-03-01"}, "转正日期", "满一年之后"),
    ({"转正日期": ""}, "转正日期", "正式党员须填写转正日期"),
    ({"人员类别": "预备党员"}, "转正日期", "转正日期应留空"),
    ({"入党日期": "2099-01-01", "转正日期": ""}, "入党日期", "不能晚于今天"),
    ({"入党日期": "明年"}, "入党日期", "无法识别"),
    ({"学历": "肄业"}, "学历", "不是有效的学历"),
    ({"姓名": ""}, "姓名", "必填"),
    ({"党籍状态": "已故"}, "党籍状态", "不能是“已故”"),
    ({"党组织代码": "NOPE"}, "党组织代码", "NOPE 不存在"),
    ({"党组织代码": "C0006"}, "党组织代码", "不在您管理的范围内"),
    ({"党组织代码": "C0001"}, "党组织代码", "不在您管理的范围内"),
    ({"编入日期": "2001-01-01"}, "编入日期", "不能早于入党日期"),
]


@pytest.mark.parametrize(("overrides", "column", "message"), REFUSALS)
def test_every_refusal_names_row_column_and_fix(
    tree: Any, tmp_path: Path, overrides: dict[str, str], column: str, message: str
) -> None:
    rows = [member_row(姓名="好"), member_row(**{"姓名": "坏", **overrides})]
    job = _import(tmp_path, tree.east_admin, tree.east, rows)
    assert job.error_rows == 1
    assert job.valid_rows == 1
    (row, found_column, text) = next(e for e in _errors(job) if e[1] == column)
    assert row == 3
    assert found_column == column
    assert message in text


def test_local_committee_is_refused(tree: Any, tmp_path: Path) -> None:
    job = _import(tmp_path, tree.county_admin, None, [member_row(党组织代码="C0001")])
    assert "不能直接在地方党委" in _errors(job)[0][2]


def test_duplicates_in_file_and_in_database(county: Any, tmp_path: Path) -> None:
    twin = member_row(姓名="双胞")
    rows = [
        twin,
        {**twin, "姓名": "双胞二"},
        member_row(姓名="已有", 公民身份号码=county.zhang.id_number, 出生日期="", 性别=""),
    ]
    job = _import(tmp_path, county.county_admin, county.east_village, rows)
    errors = _errors(job)
    assert (3, "公民身份号码", "与第 2 行的身份证号码重复。") in errors
    assert any(e[0] == 4 and "已登记为党员" in e[2] for e in errors)


def test_missing_header_fails_the_job(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [{"姓名": "甲", "公民身份号码": "1"}])
    job = services.job_create(
        actor=tree.county_admin, kind=ImportKind.MEMBERS, upload=path, organization=tree.east
    )
    job = services.job_validate(job.pk)
    assert job.status == JobStatus.FAILED
    assert "缺少必填列" in job.message
    assert "学历" in job.message


def test_all_or_nothing_refuses_a_file_with_errors(tree: Any, tmp_path: Path) -> None:
    rows = [member_row(姓名="好"), member_row(姓名="坏", 学历="?")]
    job = _import(tmp_path, tree.county_admin, tree.east_village, rows)
    assert not job.can_commit
    with pytest.raises(Exception, match="1 行有误"):
        services.job_commit(job.pk)
    assert not Member.objects.filter(name__in=["好", "坏"]).exists()


def test_valid_rows_only(tree: Any, tmp_path: Path) -> None:
    rows = [member_row(姓名="好"), member_row(姓名="坏", 学历="?")]
    job = _import(tmp_path, tree.county_admin, tree.east_village, rows, valid_rows_only=True)
    job = services.job_commit(job.pk)
    assert job.imported_rows == 1
    assert list(Member.objects.filter(name__in=["好", "坏"]).values_list("name", flat=True)) == [
        "好"
    ]


def test_error_report_has_the_rejected_rows_and_an_error_column(tree: Any, tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    rows = [member_row(姓名="好"), member_row(姓名="坏", 学历="?", 入党日期="x")]
    job = _import(tmp_path, tree.county_admin, tree.east_village, rows)
    sheet = CalamineWorkbook.from_path(str(job.report_path)).get_sheet_by_index(0).to_python()
    assert sheet[0][-2:] == ["错误说明", "原行号"]
    assert len(sheet) == 2
    assert sheet[1][0] == "坏"
    assert "学历" in str(sheet[1][-2])
    assert "入党日期" in str(sheet[1][-2])
    assert sheet[1][-1] == 3


def test_a_commit_failing_midway_leaves_nothing(
    county: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone registers row 1,800's ID number between preview and commit: the database refuses
    it after three batches of 500 members (with their rows and entries) went in, and the whole
    import is rolled back."""
    monkeypatch.setattr(importing, "BATCH", 500)
    rows = []
    for i in range(1800):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i)
        rows.append(
            member_row(
                姓名=f"批量{i}",
                birth=birth,
                公民身份号码=new_id_number(birth, Sex.MALE),
            )
        )
    job = _import(tmp_path, county.county_admin, county.east_village, rows)
    assert job.valid_rows == 1800
    members, memberships, archive = (
        Member.objects.count(),
        Membership.objects.count(),
        ArchiveEntry.objects.count(),
    )
    build_member(
        name="抢先",
        organization=county.south_village,
        id_number=rows[-1]["公民身份号码"],
        birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=1799),
    )
    audits = AuditEvent.objects.count()
    job = services.job_commit(job.pk)
    assert job.status == JobStatus.FAILED
    assert "没有写入任何数据" in job.message
    assert Member.objects.count() == members + 1  # only 抢先
    assert Membership.objects.count() == memberships + 1
    assert ArchiveEntry.objects.count() == archive + 1
    assert AuditEvent.objects.count() == audits  # the import's audit event rolled back too
    assert not Member.objects.filter(name__startswith="批量").exists()


def test_branch_secretary_cannot_import_into_another_branch(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [member_row()])
    with pytest.raises(PermissionDenied):
        services.job_create(
            actor=tree.east_secretary,
            kind=ImportKind.MEMBERS,
            upload=path,
            organization=tree.west_village,
        )
    job = _import(
        tmp_path, tree.east_secretary, tree.east_village, [member_row(党组织代码="C0006")]
    )
    assert "不在您管理的范围内" in _errors(job)[0][2]
    with pytest.raises(PermissionDenied):
        services.job_create(
            actor=tree.east_observer, kind=ImportKind.MEMBERS, upload=path, organization=None
        )


def test_a_row_outside_the_chosen_organization_is_refused(tree: Any, tmp_path: Path) -> None:
    job = _import(tmp_path, tree.county_admin, tree.east, [member_row(党组织代码="C0006")])
    assert "不在所选党组织 东镇党委 之下" in _errors(job)[0][2]


def test_a_job_commits_once(tree: Any, tmp_path: Path) -> None:
    """A second click on 导入 (or a retried call) does not import the rows twice."""
    job = _import(tmp_path, tree.county_admin, tree.east_village, [member_row(姓名="一次")])
    services.job_commit_start(job)
    with pytest.raises(ValidationError, match="正在导入或已经导入"):
        services.job_commit_start(job)
    with pytest.raises(ValidationError):
        services.job_commit(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="一次").count() == 1


def test_an_import_invalidates_the_dashboards_counts(
    tree: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    for org in (tree.county, tree.east, tree.west):
        figures.cached(org.path, "overview", lambda: {"members": 0})
    with django_capture_on_commit_callbacks(execute=True):
        job = _import(tmp_path, tree.county_admin, tree.east_village, [member_row(姓名="新人")])
        services.job_commit_start(job)
    assert Member.objects.filter(name="新人").exists()
    # Marked stale, not deleted (decision 0283): only 西镇's is still fresh.
    fresh = Figure.objects.filter(stale_since=None).values_list("path", flat=True)
    assert list(fresh) == [tree.west.path]
