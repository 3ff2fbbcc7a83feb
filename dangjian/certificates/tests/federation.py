"""Another deployment inside one test process: its issuer and key, trusted here, so that its
certificates and signed documents can be made without a second database."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any

from nacl.signing import SigningKey

from dangjian.certificates import credential
from dangjian.core import dates, signing
from dangjian.exchange import documents, trust
from dangjian.site.testing import system_user

OTHER_ISSUER = "CN-OTHER"
OTHER_KEY = SigningKey(
    bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
)
OTHER_PUBLIC = bytes(OTHER_KEY.verify_key)
OTHER_KID = signing.key_id(OTHER_PUBLIC)


def keys_document(issuer: str = OTHER_ISSUER, key: SigningKey = OTHER_KEY) -> str:
    public = bytes(key.verify_key)
    return json.dumps(
        {
            "format": "dangjian-public-keys/1",
            "issuer": issuer,
            "keys": [{"kid": signing.key_id(public).hex(), "public_key": signing.b64url(public)}],
        }
    )


def trust_other() -> None:
    trust.trusted_keys_import(actor=system_user(), document=keys_document())


def other_sign(
    document_format: str,
    payload: dict[str, Any],
    *,
    issuer: str = OTHER_ISSUER,
    key: SigningKey = OTHER_KEY,
) -> dict[str, Any]:
    public = bytes(key.verify_key)
    return {
        "format": document_format,
        "issuer": issuer,
        "kid": signing.key_id(public).hex(),
        "signature": signing.b64url(key.sign(documents.canonical(payload)).signature),
        "payload": payload,
    }


def other_card(
    *,
    name: str = "周游",
    organization_code: str = "O0001",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> tuple[str, credential.Claims]:
    """A certificate of the other deployment: (text, claims)."""
    today = dates.today()
    claims = credential.Claims(
        issuer=OTHER_ISSUER,
        serial=os.urandom(8),
        member_public_id=uuid.uuid4(),
        name=name,
        organization_code=organization_code,
        category="FULL",
        valid_from=valid_from or today - dt.timedelta(days=30),
        valid_until=valid_until or today + dt.timedelta(days=300),
    )
    return credential.credential_encode(claims, kid=OTHER_KID, signing_key=OTHER_KEY), claims
