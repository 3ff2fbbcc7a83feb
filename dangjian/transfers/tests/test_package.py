"""Signed documents: the example in docs/transfer-package.md verifies; bad ones say why."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from dangjian.transfers import package

pytestmark = pytest.mark.django_db

DOC = Path(settings.BASE_DIR) / "docs" / "transfer-package.md"


def _examples() -> list[dict[str, Any]]:
    text = DOC.read_text(encoding="utf-8").split("## Example", 1)[1]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", text, re.S)]


def test_the_documented_examples_verify() -> None:
    """Another implementer can check their canonical JSON against the documented examples."""
    example, receipt = _examples()
    assert package.verify_document(example, package.PACKAGE_FORMAT)["payload"]["member"]["name"]
    assert (
        package.verify_document(receipt, package.RECEIPT_FORMAT)["payload"]["transfer"]
        == (example["payload"]["transfer"]["id"])
    )
    assert receipt["payload"]["package_sha256"] == package.digest(example)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d["payload"]["member"].update(name="李鬼"), "bad_signature"),
        (lambda d: d.update(issuer="CN-NOBODY"), "unknown_issuer"),
        (lambda d: d.update(format="something-else"), "bad_format"),
        (lambda d: d.pop("signature"), "no_signature"),
    ],
)
def test_a_changed_document_is_refused_with_its_reason(change: Any, code: str) -> None:
    example, _receipt = _examples()
    change(example)
    with pytest.raises(ValidationError) as caught:
        package.verify_document(example, package.PACKAGE_FORMAT)
    assert caught.value.code == code
    assert caught.value.messages[0]  # a Chinese sentence that says what to do


def test_not_json_is_refused() -> None:
    with pytest.raises(ValidationError, match="不是有效的 JSON"):
        package.verify_document(b"\xff not json", package.PACKAGE_FORMAT)
