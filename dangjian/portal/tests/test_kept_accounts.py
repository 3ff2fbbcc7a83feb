"""The organization page's 党员账号 panel as a kept figure (decision 0283): a big subtree's page
shows the counts kept in `core.figures` after a change below and queues one recount for the
worker; a small subtree's page counts on every visit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from dangjian.core import crypto
from dangjian.core.models import Figure
from dangjian.members.models import Member
from dangjian.portal import selectors
from dangjian.portal.models import ActivationCode
from dangjian.site.testing import (
    RECOUNTING,
    build_member,
    organization_panel,
    panel_counted_by_the_worker,
    run_queued,
)

pytestmark = pytest.mark.django_db

TASK = "dangjian.portal.tasks.account_counts_recount"


def panel(client: Any, org: Any, query: str = "") -> str:
    """The 党员账号 panel of the organization page, as rendered."""
    return organization_panel(client, org, "accounts", query)


def uninvited(html: str) -> int:
    match = re.search(r"未邀请 (\d+) 人", html)
    assert match is not None
    return int(match.group(1))


def add_member(org: Any, callbacks: Any) -> None:
    """A member without an account, committed so that the figures above are marked stale."""
    with callbacks(execute=True):
        build_member(organization=org, name="周九", joined_on=dt.date(2010, 7, 1))


def counted_by_the_worker(client: Any, org: Any, callbacks: Any) -> None:
    panel_counted_by_the_worker(
        client, org, "accounts", task=TASK, figure="未邀请", callbacks=callbacks
    )


def test_a_big_subtree_shows_the_kept_counts_and_queues_one_recount(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """东镇 (5 members, the threshold 5) is big: after a change below the panel shows the kept
    counts with the note, one recount is queued (a second visit queues none), and the worker's
    recount stores and shows the new counts."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    counted_by_the_worker(client, county.east, django_capture_on_commit_callbacks)
    first = panel(client, county.east)
    before = uninvited(first)
    assert 'data-testid="counted-at"' in first
    assert RECOUNTING not in first
    add_member(county.south_village, django_capture_on_commit_callbacks)
    row = Figure.objects.get(path=county.east.path, key=selectors.ACCOUNT_COUNTS_KEY)
    assert row.stale_since is not None
    for _visit in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            html = panel(client, county.east)
        assert uninvited(html) == before  # the kept counts, not counted on the request
        assert RECOUNTING in html
        assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
    assert TASK in run_queued()
    row.refresh_from_db()
    assert row.value["none"] == before + 1
    assert row.stale_since is None
    html = panel(client, county.east)
    assert uninvited(html) == before + 1
    assert RECOUNTING not in html


def test_refresh_counts_a_big_subtree_now(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    counted_by_the_worker(client, county.east, django_capture_on_commit_callbacks)
    before = uninvited(panel(client, county.east))
    add_member(county.south_village, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        html = panel(client, county.east, "?refresh=1")
    assert uninvited(html) == before + 1
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_a_small_subtree_counts_on_the_request(
    client: Any, county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Below the threshold (2,000 by default) the panel counts on every visit, as before: the
    change shows at once and nothing is kept or queued."""
    client.force_login(county.east_admin)
    before = uninvited(panel(client, county.east))
    add_member(county.south_village, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        html = panel(client, county.east)
    assert uninvited(html) == before + 1
    assert 'data-testid="counted-at"' not in html
    assert not Figure.objects.filter(key=selectors.ACCOUNT_COUNTS_KEY).exists()
    assert not DBTaskResult.objects.exists()


def test_invitations_resets_and_activations_mark_the_account_counts_stale(
    county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """What the panel counts changes with an invitation (未邀请 → 待激活), an activation
    (待激活 → 已开通), a reset (已开通 → 待激活) and a code voided by wrong tries (待激活 →
    未邀请): each marks the kept counts of the member's organization and its ancestors stale
    after commit, so that the next visit queues their recount, which counts the change."""
    from dangjian.portal import activation

    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    settings.DANGJIAN_ACTIVATION_MAX_TRIES_PER_CODE = 1
    east = county.east

    def after(write: Any) -> tuple[dict[str, int], Any]:
        """The counts the worker's recount stores after `write` (which made them stale), and
        what `write` returned."""
        selectors.account_counts_recount(east)
        row = Figure.objects.get(path=east.path, key=selectors.ACCOUNT_COUNTS_KEY)
        assert row.stale_since is None
        with django_capture_on_commit_callbacks(execute=True):
            result = write()
        row.refresh_from_db()
        assert row.stale_since is not None, write
        selectors.account_counts_recount(east)
        row.refresh_from_db()
        assert row.stale_since is None
        return {k: row.value[k] for k in ("active", "invited", "none")}, result

    def invite() -> dict[str, str]:
        batch = activation.invitation_start(
            actor=county.east_admin, organization=east, base_url="https://x.example/"
        )
        return {record.member.name: code for record, code in activation.letters(batch)}

    def activate(member: Any, code: str, digits: str | None = None) -> Any:
        last4 = Member.objects.get(pk=member.pk).id_number[-4:]
        return activation.account_activate(
            code=code, id_last4=last4 if digits is None else digits, password="Hong-qi-2026"
        )

    before = selectors.account_counts(east)
    assert before["none"] == 4  # 张三 has an account
    counts, codes = after(invite)
    assert counts == {"active": 1, "invited": 4, "none": 0}
    counts, _user = after(lambda: activate(county.li, codes["李四"]))
    assert counts == {"active": 2, "invited": 3, "none": 0}
    counts, _batch = after(
        lambda: activation.account_reset(
            actor=county.east_admin, member=county.li, base_url="https://x.example/"
        )
    )
    assert counts == {"active": 1, "invited": 4, "none": 0}
    reset_code = ActivationCode.objects.get(
        member=county.li, used_at__isnull=True, revoked_at__isnull=True
    )
    counts, _user = after(
        lambda: activate(county.li, crypto.decrypt_text(reset_code.code_encrypted))
    )
    assert counts == {"active": 2, "invited": 3, "none": 0}

    def wrong_digits() -> None:
        with pytest.raises(ValidationError):
            activate(county.wang, codes["王五"], digits="0000")

    counts, _none = after(wrong_digits)
    assert counts == {"active": 2, "invited": 2, "none": 1}
