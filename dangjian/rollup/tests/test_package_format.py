"""docs/statistics-package.md's test vector, byte for byte."""

from __future__ import annotations

from dangjian.exchange.tests.vectors import check_signed_vector, read_vector
from dangjian.rollup import services


def vector() -> dict[str, str]:
    return read_vector("statistics-package.md")


def test_the_documented_vector_is_what_the_code_produces() -> None:
    v = vector()
    payload = check_signed_vector(v, services.PACKAGE_FORMAT)
    assert services.tables_digest(payload["tables"]) == v["tables"] == payload["snapshot"]["sha256"]
