"""Local development: DEBUG on, secrets generated once into var/secrets.json."""

from __future__ import annotations

import base64
import json
import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR


def _load_or_create_secrets() -> dict[str, str]:
    path = VAR_DIR / "secrets.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text())
        if "signing_key" not in loaded:  # secrets.json written before signing keys existed
            loaded["signing_key"] = secrets.token_hex(32)
            path.write_text(json.dumps(loaded, indent=2))
        return loaded
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    created = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "lookup_key": secrets.token_urlsafe(32),
    }
    created["signing_key"] = secrets.token_hex(32)
    path.write_text(json.dumps(created, indent=2))
    path.chmod(0o600)
    return created


_secrets = _load_or_create_secrets()

DEBUG = True
SECRET_KEY = _secrets["secret_key"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
DANGJIAN_FIELD_ENCRYPTION_KEYS = [_secrets["field_key"]]
DANGJIAN_LOOKUP_KEY = _secrets["lookup_key"]
DANGJIAN_SIGNING_KEYS = [_secrets["signing_key"]]
# The demo logins (`dangjian demo_logins`) sign in with a password only; set
# DANGJIAN_REQUIRE_TWO_FACTOR=1 to try the administrators' two-factor sign-in locally.
DANGJIAN_REQUIRE_TWO_FACTOR = os.environ.get("DANGJIAN_REQUIRE_TWO_FACTOR", "") == "1"
