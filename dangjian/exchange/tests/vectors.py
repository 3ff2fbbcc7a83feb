"""The documented test vectors of the signed formats (docs/*.md), read and checked one way.

Each format's document carries a block fenced as ```vector whose lines are `name  value` (two or
more spaces between). `check_signed_vector` is the byte-for-byte check every signed format shares:
the key id from the seed, the canonical bytes, their SHA-256, the Ed25519 signature, and this
deployment's own signing of the payload giving the same document.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from dangjian.core import signing
from dangjian.exchange import documents

DOCS = Path(__file__).resolve().parents[3] / "docs"


def read_vector(name: str) -> dict[str, str]:
    """The `vector` block of docs/`name` as a mapping of its lines."""
    block = re.search(r"```vector\n(.*?)```", (DOCS / name).read_text(encoding="utf-8"), re.S)
    assert block is not None, f"docs/{name} has lost its test vector"
    return dict(re.split(r"\s{2,}", line, maxsplit=1) for line in block.group(1).splitlines())


def check_signed_vector(v: dict[str, str], document_format: str) -> dict[str, Any]:
    """Assert the vector's signature chain byte for byte; return its payload."""
    key = SigningKey(bytes.fromhex(v["seed"]))
    assert signing.key_id(bytes(key.verify_key)).hex() == v["kid"]
    payload: dict[str, Any] = json.loads(v["canonical"])
    canonical = documents.canonical(payload)
    assert canonical == v["canonical"].encode("utf-8")
    assert hashlib.sha256(canonical).hexdigest() == v["sha256"]
    assert signing.b64url(key.sign(canonical).signature) == v["signature"]
    document = documents.sign(document_format, payload)
    assert (document["issuer"], document["kid"], document["signature"]) == (
        v["issuer"],
        v["kid"],
        v["signature"],
    )
    return payload
