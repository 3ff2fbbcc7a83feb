"""System checks of the certificates app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

# With this address length a certificate with a five-character name and an 18-character
# organization code still fits QR version 10-M (test_services, docs/certificate-format.md).
MAX_PUBLIC_URL_LENGTH = 30


def public_url_fits_the_qr(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The certificate QR holds DANGJIAN_PUBLIC_URL: a long address pushes it past version 10,
    which cheap phones and worn prints read less reliably."""
    url = str(settings.DANGJIAN_PUBLIC_URL).rstrip("/")
    if len(url) <= MAX_PUBLIC_URL_LENGTH:
        return []
    return [
        checks.Warning(
            f"DANGJIAN_PUBLIC_URL ({url}) is longer than {MAX_PUBLIC_URL_LENGTH} characters: "
            "certificate QR codes may grow past version 10.",
            hint="Use a shorter address; docs/certificate-format.md.",
            id="dangjian.certificates.W001",
        )
    ]
