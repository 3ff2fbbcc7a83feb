"""Large files are checked by worker processes (decision 0270): the same records, errors, notes
and error report as the plain path, in file order, and a bad row anywhere still stops the
whole import."""

from __future__ import annotations

import datetime as dt
import pickle
import random
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from dangjian.core import crypto
from dangjian.members.choices import Sex
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.roster import importing, readers, services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.site.testing import new_id_number

from .helpers import member_row, write_csv
from .test_import import REFUSALS


def _mixed_rows(seed: int, county: Any) -> list[dict[str, Any]]:
    """Good rows with every kind of refusal, in-file duplicates, a number already registered,
    tidied names, codes left empty under a filled one (a merged cell), blank and total rows."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for i in range(60):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(12000))
        good = member_row(
            姓名=f"党员{i}" if i % 9 else f" 党 员{i} ",
            birth=birth,
            公民身份号码=new_id_number(birth, Sex.MALE),
            入党日期="2008.10" if i % 2 else "2008/10/1",
            党组织代码=rng.choice(["C0003", "C0003", "C0004", ""]),
        )
        rows.append(good)
        kind = rng.randrange(6)
        if kind == 0:
            overrides, _column, _message = rng.choice(REFUSALS)
            rows.append(member_row(**{"姓名": f"坏{i}", **overrides}))
        elif kind == 1:
            rows.append({**good, "姓名": f"重复{i}"})
        elif kind == 2:
            rows.append(
                member_row(
                    姓名=f"已有{i}",
                    公民身份号码=county.zhang.id_number,
                    出生日期="",
                    性别="",
                )
            )
        elif kind == 3:
            rows.append({"姓名": ""})  # a blank line
        elif kind == 4:
            rows.append({"姓名": "合计", "公民身份号码": "", "学历": "60人"})
    return rows


def _validate(path: Path, actor: Any, organization: Any, directory: Path, workers: int) -> Any:
    return importing.validate_members(
        readers.iter_rows(path),
        actor=actor,
        default_organization=organization,
        directory=directory,
        total=readers.count_rows(path),
        fill_down=True,
        workers=workers,
    )


def _spooled(validation: Any, *, encrypted: bool) -> list[Any]:
    """The spooled records, their ID numbers' tokens checked and set aside (every token has
    its own IV): a worker encrypts each number, the plain path leaves it to the writer."""
    records = [record for chunk in importing._read_spool(validation.spool) for record in chunk]
    if encrypted:
        assert all(crypto.decrypt_text(r.id_number_encrypted) == r.id_number for r in records)
    else:
        assert not any(r.id_number_encrypted for r in records)
    return [r._replace(id_number_encrypted="") for r in records]


def _report(validation: Any) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(validation.report)).get_sheet_by_index(0).to_python()


@pytest.mark.parametrize(("seed", "chunk_rows"), [(1, 1), (2, 7)])
def test_workers_find_what_the_plain_path_finds(
    county: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, chunk_rows: int
) -> None:
    """The same records (so the same database content), errors, notes and report, whichever
    way the rows were checked, with chunk edges anywhere."""
    monkeypatch.setattr(importing, "CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(importing, "BATCH", 13)  # several look-ups of registered numbers
    path = write_csv(tmp_path / "名册.csv", _mixed_rows(seed, county))
    actor, organization = county.county_admin, county.east
    plain = _validate(path, actor, organization, tmp_path / "plain", workers=0)
    parallel = _validate(path, actor, organization, tmp_path / "parallel", workers=2)
    assert plain.error_rows > 5
    assert plain.valid_rows > 40
    assert any("重复" in e.message for e in plain.errors)
    assert any("已登记为党员" in e.message for e in plain.errors)
    assert any("合计行" in n.message for n in plain.notes)
    assert any("沿用上方" in n.message for n in plain.notes)
    for name in (
        "total_rows",
        "valid_rows",
        "error_rows",
        "errors",
        "notes",
        "organization_ids",
        "refused_elsewhere",
    ):
        assert getattr(parallel, name) == getattr(plain, name), name
    assert _spooled(parallel, encrypted=True) == _spooled(plain, encrypted=False)
    assert _report(parallel) == _report(plain)


def test_a_large_job_is_checked_by_workers_and_committed_whole(
    county: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the job (as the page and the command run it): every member, membership row and
    archive entry written, the ID numbers encrypted by the workers and readable."""
    monkeypatch.setattr(importing, "PARALLEL_ROWS", 10)
    monkeypatch.setattr(importing, "PARALLEL_MIN_CORES", 1)
    monkeypatch.setattr(importing, "CHUNK_ROWS", 8)
    used: list[int] = []
    original = importing._checked_by_workers

    def spy(*args: Any, **kwargs: Any) -> Any:
        used.append(args[3])
        return original(*args, **kwargs)

    monkeypatch.setattr(importing, "_checked_by_workers", spy)
    rows = []
    for i in range(50):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=37 * i)
        rows.append(
            member_row(姓名=f"并行{i}", birth=birth, 公民身份号码=new_id_number(birth, Sex.MALE))
        )
    path = write_csv(tmp_path / "名册.csv", rows)
    job = services.job_create(
        actor=county.county_admin, kind=ImportKind.MEMBERS, upload=path, organization=county.east
    )
    job = services.job_validate(job.pk)
    assert used
    assert used[0] >= 2
    assert (job.status, job.valid_rows, job.error_rows) == (JobStatus.VALIDATED, 50, 0)

    def not_here(values: Any) -> list[str]:
        raise AssertionError("the workers encrypted every ID number")

    monkeypatch.setattr(crypto, "encrypt_many", not_here)
    job = services.job_commit(job.pk)
    assert job.status == JobStatus.DONE
    members = Member.objects.filter(name__startswith="并行")
    assert members.count() == 50
    assert Membership.objects.filter(member__in=members, is_latest=True).count() == 50
    assert ArchiveEntry.objects.filter(member__in=members).count() == 50
    first = members.get(name="并行0")
    assert first.id_number == rows[0]["公民身份号码"]
    assert first.id_number_hash == crypto.lookup_hash(rows[0]["公民身份号码"])


@pytest.mark.parametrize("where", [0, 23, 49])
def test_a_bad_row_anywhere_leaves_nothing_written(
    county: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: int
) -> None:
    """One bad row, first, in the middle or last, of a file checked by workers: the job cannot
    be committed and no member of the file is written."""
    monkeypatch.setattr(importing, "PARALLEL_ROWS", 10)
    monkeypatch.setattr(importing, "PARALLEL_MIN_CORES", 1)
    monkeypatch.setattr(importing, "CHUNK_ROWS", 8)
    rows = []
    for i in range(50):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=41 * i)
        rows.append(
            member_row(姓名=f"整批{i}", birth=birth, 公民身份号码=new_id_number(birth, Sex.MALE))
        )
    rows[where]["学历"] = "肄业"
    path = write_csv(tmp_path / "名册.csv", rows)
    job = services.job_create(
        actor=county.county_admin, kind=ImportKind.MEMBERS, upload=path, organization=county.east
    )
    job = services.job_validate(job.pk)
    assert (job.valid_rows, job.error_rows) == (49, 1)
    assert job.errors[0][0] == where + 2
    with pytest.raises(Exception, match="1 行有误"):
        services.job_commit(job.pk)
    assert not Member.objects.filter(name__startswith="整批").exists()


def test_worker_state_holds_no_model_instances(county: Any) -> None:
    """What a worker is sent unpickles before Django is set up there: plain values only."""
    validator = importing.MemberRowValidator(
        actor=county.county_admin, default_organization=county.east, on=dt.date(2024, 1, 1)
    )
    state = validator.worker_state({"name": 0})
    text = pickle.dumps(state)
    assert b"dangjian" not in text
    assert b"django" not in text
    worker = importing.MemberRowValidator.for_worker(pickle.loads(text))  # noqa: S301
    assert worker.managed == validator.managed
    assert worker.all_codes is not None
    assert "C0001" in worker.all_codes
