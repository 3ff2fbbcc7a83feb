"""Which committees have a big subtree: the ones whose pages read kept figures and whose figures
the worker keeps warm (decision 0283).

Big is at least `DANGJIAN_BIG_SUBTREE_MEMBERS` members on the roster (default 2,000, the size
above which decision 0275 counts the annual report in the worker). In a county deployment that is
the county and its big townships; in a province the province, its cities, its counties and the
big townships, whatever their depth. Lives here, the lowest app that knows both the tree and the
roster, so that every domain (dues, activities, recruitment) and the reports can ask.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Count

from dangjian.core import figures
from dangjian.core.paths import ancestor_paths
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from .choices import ON_ROSTER_STATUSES
from .models import Member
from .selectors import roster_members

DEFAULT_BIG_SUBTREE_MEMBERS = 2000


def big_subtree_members() -> int:
    return int(getattr(settings, "DANGJIAN_BIG_SUBTREE_MEMBERS", DEFAULT_BIG_SUBTREE_MEMBERS))


def is_big(organization: Organization) -> bool:
    """Whether `organization` is a committee with at least the threshold's members on its
    subtree's roster. A count that stops at the threshold, so it costs the same few milliseconds
    for a province as for a county; a branch is never big (its pages count on every visit)."""
    if organization.kind in BRANCH_KINDS:
        return False
    threshold = big_subtree_members()
    # A committee page asks once per panel (overview, certificates, accounts, …) of the same
    # instance, read for this request: the answer is kept on it, by threshold.
    known: dict[int, bool] = vars(organization).setdefault("_big_subtree", {})
    if threshold not in known:
        known[threshold] = roster_members(organization)[:threshold].count() >= threshold
    return known[threshold]


def kept_if_big(
    organization: Organization,
    key: str,
    compute: Callable[[], Any],
    *,
    recount: Callable[[], Any],
    refresh: bool = False,
) -> tuple[Any, figures.Kept | None]:
    """(value, kept) as a committee page shows a figure: a big subtree's kept figure (shown while
    stale, one `recount()` queued for the worker; None with `figures.PENDING` while the worker
    counts one never counted, decision 0287), else `compute()` now with None (nothing to say
    about when it was counted)."""
    if not is_big(organization):
        return compute(), None
    kept = figures.kept(organization.path, key, compute, recount=recount, refresh=refresh)
    return kept.value, kept


def big_committees() -> list[Organization]:
    """Every standing non-branch organization whose subtree has at least the threshold's members
    on the roster, top first: the members on the roster counted per organization path in one
    grouped query, rolled up along the paths in Python (212,000 organizations in a province)."""
    # COUNT(*), not of the id: the (path, status) index answers alone (decision 0291).
    per_path = (
        Member.objects.filter(status__in=ON_ROSTER_STATUSES)
        .order_by()
        .values_list("organization_path")
        .annotate(n=Count("*"))
    )
    totals: Counter[str] = Counter()
    for path, n in per_path:
        for ancestor in ancestor_paths(path):
            totals[ancestor] += n
    threshold = big_subtree_members()
    wanted = [path for path, n in totals.items() if n >= threshold]
    return list(
        Organization.objects.filter(path__in=wanted, dissolved_on__isnull=True)
        .exclude(kind__in=BRANCH_KINDS)
        .order_by("depth", "path")
    )
