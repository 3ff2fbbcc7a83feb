"""Uploaded files: checked by content, limited in size, stored under generated names.

Every app that accepts a file calls `upload_store(...)` (or `upload_validate` first, in a form's
clean method). The rules:

- the *content* decides the type (magic bytes, and for .xlsx/.docx the zip's own directory);
  the extension must also be on the allow-list for that type, so `report.pdf.exe` or a PNG
  renamed `.pdf` is refused;
- at most `DANGJIAN_UPLOAD_MAX_BYTES` (default 10 MB), or less if the caller says so;
- the stored name is generated (`uploads/<kind>/<yyyy>/<mm>/<random>.<ext>`): nothing of the
  client's file name reaches the file system, so no `../`, no NUL, no overwriting;
- files live under MEDIA_ROOT (var/media), which no URL serves (MEDIA_URL is not routed and the
  nginx configuration has no location for it). A page that offers a download reads the file
  through `upload_open` after its own scope check and streams it.
"""

from __future__ import annotations

import re
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.error_codes import ErrorCode

SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileKind:
    name: str
    label: str
    extensions: tuple[str, ...]
    content_type: str


KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("pdf", "PDF", (".pdf",), "application/pdf"),
        FileKind("png", "PNG", (".png",), "image/png"),
        FileKind("jpeg", "JPEG", (".jpg", ".jpeg"), "image/jpeg"),
        FileKind(
            "xlsx",
            "Excel (.xlsx)",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        FileKind(
            "docx",
            "Word (.docx)",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        FileKind("csv", "CSV", (".csv",), "text/csv"),
    )
}
IMAGES = ("png", "jpeg")
DOCUMENTS = ("pdf", "png", "jpeg", "docx")
SPREADSHEETS = ("xlsx", "csv")
_STORED_NAME = re.compile(r"^uploads/[a-z0-9_-]+/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z]+$")


def _sniff(head: bytes, file: IO[bytes]) -> str | None:
    """The kind the content is, from its first bytes (and the zip directory for OOXML)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
            if any(n.startswith("word/") for n in names):
                return "docx"
        return None
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A cut multi-byte character at the end of the sample is still text.
            if error.start < len(head) - 3:
                return None
        return "csv"
    return None


def _size(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return int(size)
    file.seek(0, 2)
    end = int(file.tell())
    file.seek(0)
    return end


def upload_validate(file: Any, *, kinds: Iterable[str], max_bytes: int | None = None) -> FileKind:
    """The kind of `file` if it is one of `kinds` by content *and* extension, within the size
    limit; otherwise a ValidationError that says what to upload instead."""
    allowed = [KINDS[k] for k in kinds]
    labels = "、".join(k.label for k in allowed)
    limit = max_bytes or int(getattr(settings, "DANGJIAN_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    size = _size(file)
    if size == 0:
        raise ValidationError(_("文件是空的，请重新选择文件。"), code=ErrorCode.UPLOAD_EMPTY)
    if size > limit:
        raise ValidationError(
            _("文件太大（%(size).1f MB），最大 %(limit).1f MB。请压缩或拆分后再上传。")
            % {"size": size / 1048576, "limit": limit / 1048576},
            code=ErrorCode.UPLOAD_TOO_LARGE,
        )
    extension = Path(str(getattr(file, "name", "") or "")).suffix.lower()
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    kind_name = _sniff(head, file)
    file.seek(0)
    kind = KINDS.get(kind_name or "")
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("文件内容不是允许的类型。请上传 %(kinds)s 文件。") % {"kinds": labels},
            code=ErrorCode.UPLOAD_BAD_TYPE,
        )
    if extension not in kind.extensions:
        raise ValidationError(
            _("文件扩展名 %(ext)s 与内容（%(kind)s）不符。请上传扩展名为 %(exts)s 的文件。")
            % {
                "ext": extension or _("（无）"),
                "kind": kind.label,
                "exts": "、".join(kind.extensions),
            },
            code=ErrorCode.UPLOAD_BAD_EXTENSION,
        )
    return kind


def upload_storage() -> FileSystemStorage:
    """MEDIA_ROOT, with no base URL: stored files have no public address."""
    return FileSystemStorage(location=settings.MEDIA_ROOT, base_url=None)


def upload_store(
    file: Any, *, category: str, kinds: Iterable[str], max_bytes: int | None = None
) -> str:
    """Validate and store `file`; returns its generated name (keep it in the model)."""
    if not re.fullmatch(r"[a-z0-9_-]+", category):
        raise ValueError(f"bad upload category {category!r}")
    kind = upload_validate(file, kinds=kinds, max_bytes=max_bytes)
    now = timezone.now()
    name = f"uploads/{category}/{now:%Y}/{now:%m}/{secrets.token_hex(16)}{kind.extensions[0]}"
    file.seek(0)
    stored = upload_storage().save(name, File(file))
    if stored != name:  # FileSystemStorage renamed it: a 128-bit random name collided
        raise RuntimeError("upload name collision")
    return stored


def upload_path(name: str) -> Path:
    """The file system path of a stored upload; refuses any name `upload_store` did not make."""
    if not _STORED_NAME.fullmatch(name):
        raise ValueError(f"not a stored upload name: {name!r}")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if root not in path.parents:
        raise ValueError(f"upload outside MEDIA_ROOT: {name!r}")
    return path


def upload_open(name: str) -> IO[bytes]:
    """Open a stored upload for reading (the caller checks scope first, then streams it)."""
    return upload_path(name).open("rb")


def upload_delete(name: str) -> None:
    upload_path(name).unlink(missing_ok=True)
