"""The certificate's guard: a certificate is revoked once."""

from __future__ import annotations

import datetime as dt

from dangjian.certificates.models import Certificate


def test_only_an_unrevoked_certificate_can_be_revoked() -> None:
    """Revoking is allowed until the certificate is revoked, and refused after."""
    assert Certificate().can_revoke()
    assert not Certificate(revoked_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)).can_revoke()
