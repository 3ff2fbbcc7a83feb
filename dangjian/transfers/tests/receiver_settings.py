"""Settings of a second deployment for the two-deployments test: its own SQLite database,
issuer and signing key. Run as a subprocess of manage.py (see test_between_deployments)."""

from __future__ import annotations

import os
from pathlib import Path

from config.settings.test import *  # noqa: F403
from config.settings.test import database_from_env

os.environ.pop("DATABASE_URL", None)
DATABASES = {"default": database_from_env(Path(os.environ["DANGJIAN_RECEIVER_DB"]))}
DANGJIAN_ISSUER = "CN-RECEIVER"
DANGJIAN_SIGNING_KEYS = ["4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"]
