"""Backup and restore: a round trip gives back identical records and files; damage is refused."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from dangjian.core import uploads
from dangjian.members.models import Member
from dangjian.ops import backup

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# Django recreates these itself (flush → post_migrate); the JSON format refers to them by
# natural key, so their numbering may differ after a restore while every reference still holds.
DERIVED = {"contenttypes.ContentType", "auth.Permission"}


def snapshot() -> dict[str, str]:
    """Every row of every table, serialized in primary-key order."""
    return {
        model._meta.label: serializers.serialize("json", model._default_manager.order_by("pk"))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label not in DERIVED
    }


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _wipe(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(media.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert Member.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("database_format", ["auto", "django-json"])
def test_round_trip_gives_back_identical_records_and_files(
    county: Any, media: Path, tmp_path: Path, database_format: str
) -> None:
    """Backup, wipe everything, restore: the same rows in every table and the same file bytes."""
    stored = uploads.upload_store(
        ContentFile(PNG, name="photo.png"), category="test", kinds=["png"]
    )
    before = snapshot()
    archive = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", str(archive), "--format", database_format, stdout=out)
    assert "已备份" in out.getvalue()
    with tarfile.open(archive) as opened:
        manifest = json.loads(opened.extractfile("manifest.json").read())  # type: ignore[union-attr]
    expected_format = {"sqlite": "sqlite", "postgresql": "pg_dump"}[connection.vendor]
    assert manifest["database_format"] == (
        expected_format if database_format == "auto" else database_format
    )
    assert f"media/{stored}" in manifest["files"]
    assert manifest["row_counts"]["members.Member"] == 6

    _wipe(media)
    call_command("restore", str(archive), "--yes", stdout=io.StringIO())

    assert snapshot() == before
    assert (media / stored).read_bytes() == PNG
    assert set(Member.objects.values_list("name", flat=True)) >= {"张三", "孙八"}
    assert county.zhang.id_number == Member.objects.get(pk=county.zhang.pk).id_number


@pytest.mark.django_db
def test_restore_without_yes_changes_nothing(county: Any, media: Path, tmp_path: Path) -> None:
    """Without --yes restore only explains itself."""
    archive = tmp_path / "b.tar.gz"
    archive.write_bytes(b"not even an archive")
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "--yes" in out.getvalue()
    assert Member.objects.count() == 6


def _good_archive(tmp_path: Path) -> Path:
    archive = tmp_path / "good.tar.gz"
    backup.backup_create(output=archive, database_format="django-json")
    return archive


def _rewrite(archive: Path, target: Path, change: Any) -> Path:
    """Copy `archive` to `target`, passing each member's bytes through `change(name, data)`."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            data = change(member.name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


@pytest.mark.django_db
def test_truncated_archive_is_refused_with_a_clear_message(
    county: Any, media: Path, tmp_path: Path
) -> None:
    """A cut-off file (an interrupted copy) is refused before anything is touched."""
    archive = _good_archive(tmp_path)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CommandError, match="备份文件已损坏"):
        call_command("restore", str(broken), "--yes", stdout=io.StringIO())
    assert Member.objects.count() == 6


@pytest.mark.django_db
def test_altered_database_dump_is_refused(county: Any, media: Path, tmp_path: Path) -> None:
    """A dump whose bytes differ from the manifest's checksum is named and refused."""
    archive = _good_archive(tmp_path)

    def change(name: str, data: bytes) -> bytes:
        return data.replace("张三".encode(), "张叁".encode()) if name == "database.json" else data

    altered = _rewrite(archive, tmp_path / "altered.tar.gz", change)
    with pytest.raises(CommandError, match=r"database\.json 的校验值不符"):
        call_command("restore", str(altered), "--yes", stdout=io.StringIO())
    with pytest.raises(CommandError, match="校验值不符"):
        call_command("restore", str(altered), "--check", stdout=io.StringIO())
    assert Member.objects.filter(name="张三").count() == 1


@pytest.mark.django_db
def test_extra_or_missing_files_are_refused(county: Any, media: Path, tmp_path: Path) -> None:
    """A file not in the manifest, or a manifest entry without its file, is refused."""
    archive = _good_archive(tmp_path)
    missing = _rewrite(
        archive, tmp_path / "missing.tar.gz", lambda n, d: None if n == "database.json" else d
    )
    with pytest.raises(CommandError, match=r"缺少文件 database\.json"):
        call_command("restore", str(missing), "--check", stdout=io.StringIO())

    def add_extra(name: str, data: bytes) -> bytes:
        return data

    extra = _rewrite(archive, tmp_path / "extra.tar.gz", add_extra)
    with tarfile.open(extra, "r:gz") as source:
        members = [(m, source.extractfile(m).read()) for m in source.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(extra, "w:gz") as out:
        for member, data in members:
            out.addfile(member, io.BytesIO(data))
        info = tarfile.TarInfo("media/uploads/evil.png")
        info.size = 3
        out.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(CommandError, match="清单未列出"):
        call_command("restore", str(extra), "--check", stdout=io.StringIO())


@pytest.mark.django_db
def test_path_tricks_in_an_archive_are_refused(county: Any, media: Path, tmp_path: Path) -> None:
    """A member named ../something never lands outside the unpack directory."""
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as out:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 2
        out.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(CommandError, match="备份文件已损坏"):
        call_command("restore", str(evil), "--check", stdout=io.StringIO())
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.django_db
def test_check_reports_a_good_archive(county: Any, media: Path, tmp_path: Path) -> None:
    archive = _good_archive(tmp_path)
    out = io.StringIO()
    call_command("restore", str(archive), "--check", stdout=out)
    assert "归档完好" in out.getvalue()
    with gzip.open(archive) as stream:
        assert stream.read(1)  # a real gzip stream


@pytest.mark.django_db
def test_a_dump_of_the_other_engine_is_refused(county: Any, media: Path, tmp_path: Path) -> None:
    """A native dump of one engine cannot be restored into the other; the message says so."""
    archive = _good_archive(tmp_path)
    other = "pg_dump" if connection.vendor == "sqlite" else "sqlite"

    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["database_format"] = other
        return json.dumps(manifest).encode()

    foreign = _rewrite(archive, tmp_path / "foreign.tar.gz", change)
    with pytest.raises(CommandError, match="不能恢复到"):
        call_command("restore", str(foreign), "--yes", stdout=io.StringIO())
    assert Member.objects.count() == 6


@pytest.mark.django_db
def test_pg_dump_version_decides_the_format(county: Any) -> None:
    """On PostgreSQL the native format needs pg_dump of the server's major version."""
    if connection.vendor != "postgresql":
        assert backup.choose_format() == "sqlite"
        return
    expected = "pg_dump" if backup.pg_tool_major() == backup.pg_server_major() else "django-json"
    assert backup.choose_format() == expected


@pytest.mark.django_db(transaction=True)
def test_django_json_backups_keep_times_to_the_microsecond(
    county: Any, media: Path, tmp_path: Path
) -> None:
    """Django's JSON cuts times to milliseconds; backups use json-full, which does not."""
    import datetime as dt

    from dangjian.organizations.models import Organization

    precise = dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)
    Organization.objects.filter(pk=county.east.pk).update(created_at=precise)
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--format", "django-json", stdout=io.StringIO())
    _wipe(media)
    call_command("restore", str(archive), "--yes", stdout=io.StringIO())
    assert Organization.objects.get(pk=county.east.pk).created_at == precise
