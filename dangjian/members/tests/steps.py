"""Steps of the property tests that drive the membership services in random sequences (the
member path's, decision 0290; the report's readings of a day's roster, decisions 0291, 0294)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core.dates import today
from dangjian.members import services
from dangjian.members.choices import HowRemoved
from dangjian.members.models import Member, Membership
from dangjian.organizations import services as organization_services
from dangjian.site.testing import build_member, system_user


def apply_step(
    tree: Any,
    operation: str,
    which: int,
    where: int,
    how: HowRemoved = HowRemoved.LAPSED,
    on: dt.date | None = None,
) -> None:
    """One step of a property test's sequence, in its own transaction, on `on` (default today;
    a member added then starts on it); a refused one (not on the roster, on it already, no row
    left, before the member's last change…) changes nothing."""
    actor, started_on = system_user(), on
    on = on or today()
    branches = [tree.east_village, tree.south_village, tree.west_village]
    members = list(Member.objects.order_by("pk"))
    member = members[which % len(members)] if members else None
    branch = branches[where % len(branches)]
    branch.refresh_from_db()
    try:
        with transaction.atomic():
            if operation == "add" or member is None:
                build_member(organization=branch, name=f"成员{which}", started_on=started_on)
            elif operation == "move":
                services.membership_move(
                    actor=actor, member=member, organization=branch, on=on, reason=""
                )
            elif operation == "remove":
                services.member_remove(
                    actor=actor, member=member, how_removed=how, on=on, reason="测试"
                )
            elif operation == "restore":
                services.member_restore(
                    actor=actor, member=member, organization=branch, on=on, reason="测试"
                )
            elif operation == "reparent":
                organization_services.organization_move(
                    actor=actor, organization=branch, new_parent=[tree.east, tree.west][which % 2]
                )
            elif operation == "stale":
                member.post = f"职务{where}"
                member.save()  # an instance read before the operations before it
            elif operation == "delete":  # raw SQL or a shell: the newest row goes
                Membership.objects.filter(
                    pk__in=Membership.objects.filter(member=member).order_by("-pk")[:1]
                ).delete()
    except (ValidationError, Membership.DoesNotExist):
        pass
