"""`dangjian import` and organizations import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.roster import services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob

from .helpers import member_row, write_csv


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_checks_and_writes_nothing(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [member_row(姓名="命令"), member_row(姓名="坏", 学历="?")])
    out, err = _run("members", str(path), "--org", "C0003", "--dry-run", "--user", "secretary")
    assert "无误 1 行，有误 1 行" in out
    assert "第 3 行 学历" in out
    assert "检查 [" in err
    assert "100%" in err
    assert (tmp_path / "m-错误报告.xlsx").exists()
    assert not Member.objects.filter(name="命令").exists()


def test_errors_stop_an_all_or_nothing_import(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [member_row(姓名="命令"), member_row(姓名="坏", 学历="?")])
    with pytest.raises(CommandError, match="未写入任何数据"):
        _run("members", str(path), "--org", "C0003")
    assert not Member.objects.filter(name="命令").exists()


def test_valid_rows_only(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [member_row(姓名="命令"), member_row(姓名="坏", 学历="?")])
    out, err = _run("members", str(path), "--org", "C0003", "--valid-rows-only")
    assert "已导入 1 条" in out
    assert "写入 [" in err
    assert Member.objects.filter(name="命令").exists()


def test_command_scope(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [member_row()])
    with pytest.raises(CommandError, match="无权"):
        _run("members", str(path), "--org", "C0006", "--user", "secretary")


def test_worker_runs_a_job_started_elsewhere(tree: Any, tmp_path: Path) -> None:
    """A job the page left to the background can be run by `dangjian import job UUID`."""
    path = write_csv(tmp_path / "m.csv", [member_row(姓名="工作进程")])
    job = services.job_create(
        actor=tree.east_secretary,
        kind=ImportKind.MEMBERS,
        upload=path,
        organization=tree.east_village,
    )
    _run("job", str(job.public_id))
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATED
    _run("job", str(job.public_id))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="工作进程").exists()


ORG_ROWS = [
    {
        "组织代码": "N001",
        "名称": "新村党支部",
        "组织类别": "党支部",
        "上级组织代码": "C0002",
        "所在单位类别": "行政村",
        "成立日期": "2010.7",
    },
    {"组织代码": "N002", "名称": "新党总支", "组织类别": "党总支", "上级组织代码": "C0002"},
    {"组织代码": "N003", "名称": "新总支第一支部", "组织类别": "党支部", "上级组织代码": "N002"},
]


def test_import_organizations_in_file_order(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", ORG_ROWS)
    out, _err = _run("organizations", str(path))
    assert "已导入 3 条" in out
    child = Organization.objects.get(code="N003")
    assert child.parent == Organization.objects.get(code="N002")
    assert child.path.startswith(tree.east.path)
    assert Organization.objects.get(code="N001").kind == OrgKind.BRANCH


def test_organization_errors_roll_everything_back(tree: Any, tmp_path: Path) -> None:
    rows = [
        *ORG_ROWS,
        {"组织代码": "N004", "名称": "错", "组织类别": "党小组", "上级组织代码": "C0002"},
    ]
    rows.append({"组织代码": "N005", "名称": "孤", "组织类别": "党支部", "上级组织代码": "ZZZ"})
    rows.append({"组织代码": "C0003", "名称": "重", "组织类别": "党支部", "上级组织代码": "C0002"})
    path = write_csv(tmp_path / "o.csv", rows)
    job = services.job_create(actor=tree.county_admin, kind=ImportKind.ORGANIZATIONS, upload=path)
    job = services.job_validate(job.pk)
    messages = {row: text for row, _column, text in job.errors}
    assert "党小组只能设在党支部之下" in messages[5]
    assert "ZZZ 不存在" in messages[6]
    assert "C0003 已被使用" in messages[7]
    assert not Organization.objects.filter(code__startswith="N").exists()  # preview only
    assert not job.can_commit


def test_organizations_outside_scope(tree: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", [{**ORG_ROWS[0], "上级组织代码": "C0005"}])
    job = services.job_create(actor=tree.east_admin, kind=ImportKind.ORGANIZATIONS, upload=path)
    job = services.job_validate(job.pk)
    assert "无权" in job.errors[0][2]
    assert ImportJob.objects.count() == 1
