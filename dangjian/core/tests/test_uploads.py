"""Uploads: the content decides the type, the extension must agree, the size is limited, the
stored name is generated, and nothing under MEDIA_ROOT has a public URL."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dangjian.core import uploads

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("证明.pdf", PDF, "pdf"),
        ("photo.PNG", PNG, "png"),
        ("photo.jpeg", JPEG, "jpeg"),
        ("名册.xlsx", xlsx_bytes(), "xlsx"),
        ("名册.csv", "姓名,性别\n张三,男\n".encode(), "csv"),
    ],
)
def test_accepted_when_content_and_extension_agree(name: str, content: bytes, kind: str) -> None:
    assert (
        uploads.upload_validate(ContentFile(content, name=name), kinds=uploads.KINDS).name == kind
    )


@pytest.mark.parametrize(
    ("name", "content", "kinds", "code"),
    [
        ("证明.pdf", PNG, ["pdf"], "upload_bad_type"),  # a PNG renamed .pdf
        ("证明.pdf.exe", PDF, ["pdf"], "upload_bad_extension"),
        ("photo.png", PDF, ["png"], "upload_bad_type"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", uploads.KINDS, "upload_bad_type"),
        ("page.csv", b"\x00\x01binary", ["csv"], "upload_bad_type"),
        ("名册.xlsx", b"PK\x03\x04not a zip at all", ["xlsx"], "upload_bad_type"),
        ("empty.pdf", b"", ["pdf"], "upload_empty"),
        ("name.png", PNG, ["pdf"], "upload_bad_type"),
    ],
)
def test_refused_with_a_message_that_says_what_to_upload(
    name: str, content: bytes, kinds: Any, code: str
) -> None:
    with pytest.raises(ValidationError) as error:
        uploads.upload_validate(ContentFile(content, name=name), kinds=kinds)
    assert error.value.code == code
    assert "请" in error.value.messages[0]


def test_size_limit(settings: Any) -> None:
    settings.DANGJIAN_UPLOAD_MAX_BYTES = 1024
    big = ContentFile(PDF + b"0" * 2000, name="big.pdf")
    with pytest.raises(ValidationError, match="文件太大") as error:
        uploads.upload_validate(big, kinds=["pdf"])
    assert error.value.code == "upload_too_large"
    assert uploads.upload_validate(big, kinds=["pdf"], max_bytes=4096).name == "pdf"


@pytest.mark.parametrize(
    "client_name",
    ["../../etc/passwd.pdf", "/abs/path.pdf", "a\x00b.pdf", "..\\..\\win.pdf", "正常.pdf"],
)
def test_stored_name_is_generated_and_stays_under_media_root(media: Path, client_name: str) -> None:
    """Nothing of the client's file name reaches the file system."""
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload.name = client_name
    name = uploads.upload_store(upload, category="certificates", kinds=["pdf"])
    assert name.startswith("uploads/certificates/")
    assert name.endswith(".pdf")
    assert ".." not in name
    assert "passwd" not in name
    assert "正常" not in name
    path = uploads.upload_path(name)
    assert media.resolve() in path.parents
    assert path.read_bytes() == PDF
    with uploads.upload_open(name) as handle:
        assert handle.read() == PDF
    uploads.upload_delete(name)
    assert not path.exists()


@pytest.mark.parametrize(
    "name",
    [
        "../secrets.json",
        "uploads/x/2026/01/../../../../etc/passwd",
        "/etc/passwd",
        "uploads/a/2026/01/short.pdf",
    ],
)
def test_reading_refuses_names_it_did_not_make(media: Path, name: str) -> None:
    with pytest.raises(ValueError, match="upload"):
        uploads.upload_path(name)


def test_two_uploads_of_the_same_name_never_overwrite(media: Path) -> None:
    first = uploads.upload_store(ContentFile(PDF, name="a.pdf"), category="t", kinds=["pdf"])
    second = uploads.upload_store(
        ContentFile(PDF + b"2", name="a.pdf"), category="t", kinds=["pdf"]
    )
    assert first != second
    assert uploads.upload_path(first).read_bytes() == PDF


def test_media_has_no_public_url_and_lies_outside_the_static_root() -> None:
    """No URL pattern serves MEDIA_URL, and MEDIA_ROOT is not under the static files."""
    with pytest.raises(Resolver404):
        resolve(settings.MEDIA_URL + "uploads/t/2026/01/" + "0" * 32 + ".pdf")
    media = Path(settings.MEDIA_ROOT).resolve()
    static_root = Path(getattr(settings, "STATIC_ROOT", None) or settings.BASE_DIR / "staticfiles")
    assert static_root.resolve() not in media.parents
    assert media != static_root.resolve()
    assert Path(settings.BASE_DIR, "static").resolve() not in media.parents


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    st.binary(min_size=1, max_size=600),
    st.sampled_from([".pdf", ".png", ".jpg", ".xlsx", ".exe", ""]),
)
def test_random_bytes_pass_only_as_what_they_are(data: bytes, extension: str) -> None:
    """Whatever the bytes, a file is accepted only as a kind whose signature it carries."""
    try:
        kind = uploads.upload_validate(
            ContentFile(data, name="f" + extension), kinds=["pdf", "png", "jpeg", "xlsx"]
        )
    except ValidationError:
        return
    signatures = {
        "pdf": b"%PDF-",
        "png": b"\x89PNG",
        "jpeg": b"\xff\xd8\xff",
        "xlsx": b"PK\x03\x04",
    }
    assert data.startswith(signatures[kind.name])
    assert extension in kind.extensions
