"""docs/statistics-package.md's test vector, byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from nacl.signing import SigningKey

from dangjian.core import signing
from dangjian.exchange import documents
from dangjian.rollup import services

DOC = Path(__file__).resolve().parents[3] / "docs" / "statistics-package.md"


def vector() -> dict[str, str]:
    block = re.search(r"```vector\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/statistics-package.md has lost its test vector"
    return dict(re.split(r"\s{2,}", line, maxsplit=1) for line in block.group(1).splitlines())


def test_the_documented_vector_is_what_the_code_produces() -> None:
    v = vector()
    key = SigningKey(bytes.fromhex(v["seed"]))
    assert signing.key_id(bytes(key.verify_key)).hex() == v["kid"]
    payload = json.loads(v["canonical"])
    canonical = documents.canonical(payload)
    assert canonical == v["canonical"].encode("utf-8")
    assert services.tables_digest(payload["tables"]) == v["tables"] == payload["snapshot"]["sha256"]
    assert hashlib.sha256(canonical).hexdigest() == v["sha256"]
    assert signing.b64url(key.sign(canonical).signature) == v["signature"]
    document = documents.sign(services.PACKAGE_FORMAT, payload)
    assert (document["issuer"], document["kid"], document["signature"]) == (
        v["issuer"],
        v["kid"],
        v["signature"],
    )
