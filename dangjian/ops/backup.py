"""Backups: one archive with a consistent database snapshot, the uploaded files, and a manifest.

Archive (`.tar.gz`):

    manifest.json        format, when, which database engine and dump format, the applied
                         migrations, row counts, and the SHA-256 and size of every other member
    database.sqlite3     SQLite: a copy made with SQLite's online backup API, or
    database.pgdump      PostgreSQL: `pg_dump --format=custom` (one snapshot), or
    database.json        either: Django's dumpdata inside one REPEATABLE READ transaction, used
                         when pg_dump's major version differs from the server's (or on request)
    media/...            the files under MEDIA_ROOT

`backup_restore` checks every checksum before it touches anything, so a damaged or altered
archive is refused with a message that names what is wrong. See docs/deploy.md, "Backups".
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "dangjian-backup/1"
DATABASE_FILES = {
    "sqlite": "database.sqlite3",
    "pg_dump": "database.pgdump",
    "django-json": "database.json",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do (Chinese)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings."""
    params = connection.settings_dict
    args = ["--dbname", str(params["NAME"])]
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return args, env


def pg_tool_major(tool: str = "pg_dump") -> int | None:
    """The major version of the installed pg_dump (or pg_restore), or None if missing."""
    try:
        out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else None


def pg_server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def choose_format(requested: str = "auto") -> str:
    if requested != "auto":
        if requested == "sqlite" and _engine() != "sqlite":
            raise BackupError("sqlite 格式只能用于 SQLite 数据库。")
        if requested == "pg_dump" and _engine() != "postgresql":
            raise BackupError("pg_dump 格式只能用于 PostgreSQL 数据库。")
        return requested
    if _engine() == "sqlite":
        return "sqlite"
    return "pg_dump" if pg_tool_major() == pg_server_major() else "django-json"


def _dump_sqlite(target: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)  # consistent even while others write
    finally:
        destination.close()


def _dump_pg(target: Path) -> None:
    args, env = _pg_env()
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
    result = subprocess.run(command + args, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")


def _dump_json(target: Path) -> None:
    outer = connection.in_atomic_block  # already in a transaction (a test): keep its snapshot
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:  # every table from the same snapshot
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            "--format=json-full",  # dangjian.ops.serializers: times to the microsecond
            "--natural-foreign",
            "--exclude=contenttypes",
            "--exclude=auth.permission",
            # django-rq's only model has no table (an admin page): RQ's queues live in Redis.
            "--exclude=django_rq",
            "--output",
            str(target),
            verbosity=0,
        )


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def backup_create(*, output: Path, database_format: str = "auto") -> BackupResult:
    """Write the archive to `output` (written to a temporary name, then moved into place)."""
    output = Path(output)
    database_format = choose_format(database_format)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="dangjian-backup-") as work:
        work_dir = Path(work)
        database_file = work_dir / DATABASE_FILES[database_format]
        counts = _row_counts()
        {"sqlite": _dump_sqlite, "pg_dump": _dump_pg, "django-json": _dump_json}[database_format](
            database_file
        )
        members: dict[str, Path] = {database_file.name: database_file}
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    members["media/" + path.relative_to(media_root).as_posix()] = path
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": _engine(),
            "database_format": database_format,
            "database_file": database_file.name,
            "migrations": _applied_migrations(),
            "row_counts": counts,
            "files": {
                name: {"sha256": _sha256(path), "size": path.stat().st_size}
                for name, path in members.items()
            },
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                archive.add(path, arcname=name, recursive=False)
        partial.chmod(0o600)  # the archive holds every member's data
        partial.replace(output)
    return BackupResult(path=output, manifest=manifest)


def _corrupt(detail: str) -> BackupError:
    return BackupError(
        f"备份文件已损坏或被改动，未做任何恢复：{detail}。请换一个完好的备份文件（可用 sha256sum 与备份时的记录核对）。"
    )


def backup_check(archive_path: Path, work_dir: Path) -> dict[str, Any]:
    """Unpack into `work_dir` and verify the manifest and every checksum; returns the manifest."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work_dir, filter="data")
    except FileNotFoundError as error:
        raise BackupError(f"找不到备份文件 {archive_path}。") from error
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise _corrupt(f"无法解开归档（{error}）") from error
    manifest_path = work_dir / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as error:
        raise _corrupt("缺少或无法读取 manifest.json") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式 {manifest.get('format')!r}，本程序只恢复 {FORMAT}。")
    listed = manifest.get("files", {})
    present = {p.relative_to(work_dir).as_posix() for p in work_dir.rglob("*") if p.is_file()}
    present.discard("manifest.json")
    for name in sorted(present - set(listed)):
        raise _corrupt(f"归档中有清单未列出的文件 {name}")
    for name, expected in listed.items():
        path = work_dir / name
        if not path.is_file():
            raise _corrupt(f"缺少文件 {name}")
        if path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            raise _corrupt(f"文件 {name} 的校验值不符")
    if manifest.get("database_file") not in listed:
        raise _corrupt("清单中没有数据库文件")
    return manifest


def _restore_media(source: Path) -> Path | None:
    """Put the archive's files in MEDIA_ROOT; the previous ones are moved aside, not deleted."""
    media_root = Path(settings.MEDIA_ROOT)
    kept = None
    if media_root.exists() and any(media_root.iterdir()):
        kept = media_root.with_name(
            f"{media_root.name}.before-restore-{timezone.now():%Y%m%d%H%M%S}"
        )
        media_root.rename(kept)
    media_root.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, media_root, dirs_exist_ok=True)
    return kept


def _restore_sqlite(database_file: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(database_file)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_pg(database_file: Path) -> None:
    args, env = _pg_env()
    connection.close()  # no session of ours holds a lock on what pg_restore drops
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]
    result = subprocess.run(
        command + args + [str(database_file)], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败，数据库未改动：{result.stderr.strip()}")


# Models that moved to another app since a backup may have been taken: old label → new label.
MOVED_MODELS = {"certificates.trustedkey": "exchange.trustedkey"}


def _restore_json(database_file: Path) -> None:
    text = database_file.read_text(encoding="utf-8")
    for old, new in MOVED_MODELS.items():
        text = text.replace(f'"model": "{old}"', f'"model": "{new}"')
    database_file.write_text(text, encoding="utf-8")
    with transaction.atomic():
        call_command("flush", interactive=False, verbosity=0)
        call_command("loaddata", str(database_file), verbosity=0)


def backup_restore(*, archive_path: Path) -> dict[str, Any]:
    """Replace the database and MEDIA_ROOT with the archive's. Refuses a damaged archive."""
    with tempfile.TemporaryDirectory(prefix="dangjian-restore-") as work:
        work_dir = Path(work)
        manifest = backup_check(Path(archive_path), work_dir)
        database_format = manifest["database_format"]
        database_file = work_dir / manifest["database_file"]
        if database_format == "sqlite" and _engine() != "sqlite":
            raise BackupError("这是 SQLite 的备份，不能恢复到 PostgreSQL。请在 SQLite 上恢复。")
        if database_format == "pg_dump":
            if _engine() != "postgresql":
                raise BackupError("这是 PostgreSQL 的备份，不能恢复到 SQLite。")
            if pg_tool_major("pg_restore") is None:
                raise BackupError(
                    "找不到 pg_restore：请安装与数据库同一主版本的 PostgreSQL 客户端。"
                )
        {"sqlite": _restore_sqlite, "pg_dump": _restore_pg, "django-json": _restore_json}[
            database_format
        ](database_file)
        kept = _restore_media(work_dir / "media")
    manifest["media_moved_to"] = str(kept) if kept else ""
    return manifest
