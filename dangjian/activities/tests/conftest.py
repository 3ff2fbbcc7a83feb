from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.accounts.models import User
from dangjian.activities import services
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Activity
from dangjian.core.dates import today


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_activity(county: Any) -> Any:
    def make(
        organization: Any = None,
        kind: str = ActivityKind.GENERAL_MEETING,
        on: dt.date | None = None,
        topic: str = "学习党章",
        actor: User | None = None,
    ) -> Activity:
        return services.activity_create(
            actor=actor or county.county_admin,
            organization=organization or county.east_village,
            data={"kind": kind, "topic": topic, "on": on or today() - dt.timedelta(days=1)},
        )

    return make
