"""Tests: fixed keys, fast hashing; the database comes from DATABASE_URL or SQLite."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, database_from_env, with_replica

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Two keys so that every test exercises decryption through a key list.
DANGJIAN_FIELD_ENCRYPTION_KEYS = [
    "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LTE=",
    "dGVzdC1rZXktdHdvLXRlc3Qta2V5LXR3by10ZXN0LTI=",
]
DANGJIAN_LOOKUP_KEY = "test-lookup-key"
DATABASES = with_replica({"default": database_from_env(VAR_DIR / "test.sqlite3")})
# Most tests sign in with force_login; the two-factor tests turn this on for themselves.
DANGJIAN_REQUIRE_TWO_FACTOR = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Ed25519 seeds (hex): the first signs, the others only verify. Fixed so test vectors hold.
DANGJIAN_ISSUER = "CN-TEST"
DANGJIAN_SIGNING_KEYS = ["9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"]
# Background tasks: the database queue, run by `dangjian worker --batch` in the tests that
# enqueue (dangjian/core/tests/test_tasks.py). The Redis tests use a database of their own.
RQ_QUEUES = {"default": {"URL": os.environ.get("DANGJIAN_TEST_REDIS", "redis://127.0.0.1:6379/15")}}
