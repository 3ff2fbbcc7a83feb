"""Settings of another deployment for the federation test: its own SQLite database, issuer and
signing key, from the environment. Run as a subprocess of manage.py (tests/test_federation.py)."""

from __future__ import annotations

import os
from pathlib import Path

from config.settings.test import *  # noqa: F403
from config.settings.test import database_from_env

os.environ.pop("DATABASE_URL", None)
DATABASES = {"default": database_from_env(Path(os.environ["DANGJIAN_DEPLOYMENT_DB"]))}
DANGJIAN_ISSUER = os.environ["DANGJIAN_DEPLOYMENT_ISSUER"]
DANGJIAN_SIGNING_KEYS = [os.environ["DANGJIAN_DEPLOYMENT_SEED"]]
