"""Builders for tests and the demo: small trees, members and users, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.urls import reverse

from dangjian.accounts.choices import Role
from dangjian.accounts.models import RoleAssignment, User
from dangjian.members import services as member_services
from dangjian.members.choices import Education, HowAdded, MemberCategory, Occupation, Sex
from dangjian.members.idnumbers import make_id_number
from dangjian.members.models import Member
from dangjian.organizations import services as organization_services
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.organizations.models import Organization

_serials = itertools.count(1)
DEFAULT_REGION = "110101"  # 北京市东城区, a region code python-stdnum knows


def system_user() -> Any:
    """A superuser that builders act as."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username="system-builder", defaults={"is_superuser": True, "is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def build_org(
    *,
    name: str,
    kind: OrgKind = OrgKind.BRANCH,
    parent: Organization | None = None,
    code: str | None = None,
    unit_kind: UnitKind = UnitKind.OTHER,
    **fields: Any,
) -> Organization:
    return organization_services.organization_create(
        actor=system_user(),
        parent=parent,
        fields={
            "name": name,
            "kind": kind,
            "code": code or f"T{next(_serials):08d}",
            "unit_kind": unit_kind,
            **fields,
        },
    )


def new_id_number(birth_date: dt.date, sex: str, region: str = DEFAULT_REGION) -> str:
    return make_id_number(region, birth_date, next(_serials) % 500, sex)


def member_record(**overrides: Any) -> dict[str, Any]:
    """Fields of a full member that agree with any ID number of a man born 1990-03-07."""
    return {
        "name": "周九",
        "sex": Sex.MALE,
        "birth_date": dt.date(1990, 3, 7),
        "education": Education.BACHELOR,
        "occupation": Occupation.WORKER,
        "category": MemberCategory.FULL,
        "joined_on": dt.date(2015, 7, 1),
        "full_member_on": dt.date(2016, 7, 1),
        **overrides,
    }


def build_member(
    *,
    organization: Organization,
    name: str = "张三",
    sex: str = Sex.MALE,
    birth_date: dt.date = dt.date(1980, 5, 17),
    category: str = MemberCategory.FULL,
    joined_on: dt.date = dt.date(2005, 7, 1),
    full_member_on: dt.date | None = None,
    id_number: str | None = None,
    started_on: dt.date | None = None,
    actor: User | None = None,  # None: the system builder acts
    **fields: Any,
) -> Member:
    if category == MemberCategory.FULL and full_member_on is None:
        full_member_on = joined_on.replace(year=joined_on.year + 1)
    data = {
        "name": name,
        "sex": sex,
        "birth_date": birth_date,
        "education": Education.BACHELOR,
        "occupation": Occupation.PROFESSIONAL,
        "category": category,
        "joined_on": joined_on,
        "full_member_on": full_member_on,
        **fields,
    }
    return member_services.member_create(
        actor=actor or system_user(),
        organization=organization,
        data=data,
        id_number=id_number or new_id_number(birth_date, sex),
        how_added=HowAdded.OTHER,
        started_on=started_on or joined_on,
    )


def build_user(
    *, username: str, role: Role, organization: Organization, password: str = "pass-word-123"
) -> Any:
    user = get_user_model().objects.create_user(username=username, password=password)
    RoleAssignment.objects.create(user=user, organization=organization, role=role)
    return user


# --- kept figures of big subtrees (decisions 0283, 0287) ---------------------------------------

# How a page shows a kept figure being recounted, and one never counted that the worker counts.
RECOUNTING = 'data-testid="recounting"'
PENDING = 'data-testid="figure-pending"'


def run_queued() -> list[str]:
    """What `dangjian worker` does with the queued tasks (the worker itself is tested in core,
    in the pass of committing tests); returns their task paths, in the order queued."""
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    done = []
    for result in DBTaskResult.objects.order_by("pk"):
        import_string(result.task_path).call(
            *result.args_kwargs["args"], **result.args_kwargs["kwargs"]
        )
        done.append(result.task_path)
    DBTaskResult.objects.all().delete()
    return done


def queued(task_path: str) -> int:
    """How many tasks of `task_path` wait for the worker."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task_path).count()


def organization_panel(client: Any, org: Organization, name: str, query: str = "") -> str:
    """The panel `name` (its `data-testid="panel-NAME"`) of the organization page, as rendered."""
    body = client.get(reverse("reports:organization", args=[org.pk]) + query).content.decode()
    match = re.search(rf'<section[^>]*data-testid="panel-{name}".*?</section>', body, re.S)
    assert match is not None
    return match.group(0)


def panel_counted_by_the_worker(
    client: Any, org: Organization, name: str, *, task: str, figure: str, callbacks: Any
) -> None:
    """A big subtree's panel `name` never counted says so, without `figure` (a word of its
    figures), and queues its count `task` (decision 0287); the worker counts it. `callbacks`:
    pytest-django's `django_capture_on_commit_callbacks`."""
    with callbacks(execute=True):
        html = organization_panel(client, org, name)
    assert PENDING in html
    assert figure not in html  # no figures while pending
    assert task in run_queued()


# --- two requests at once (PostgreSQL) ---------------------------------------------------------


def racing_on_postgresql(
    reason: str = "concurrent writers are a PostgreSQL matter; SQLite locks the file",
) -> list[Any]:
    """The `pytestmark` of a module whose tests race two writers: committing transactions (each
    thread sees the other's commits), skipped but on PostgreSQL for `reason` (SQLite takes one
    write lock for the whole database, so its writers never overlap)."""
    import pytest  # the tests' own: this module serves the demo too

    return [
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(connection.vendor != "postgresql", reason=reason),
    ]


def two_at_once(
    first: Callable[[], Any], second: Callable[[], Any], *, hold_seconds: float
) -> tuple[Any, Any]:
    """Two requests at once, each in a thread with its own connection and its own transaction:
    `first` runs, then keeps its transaction open (uncommitted) until `second` has finished or
    `hold_seconds` have passed; `second` starts once `first` has returned inside its
    transaction. Returns what each returned once committed, or the exception it raised.

    For PostgreSQL's row locks and unique indexes (SQLite's one write lock queues every writer).
    In a test marked `django_db(transaction=True)`: the threads' writes commit."""
    first_inside = threading.Event()
    second_done = threading.Event()
    outcome: dict[str, Any] = {}

    def run_first() -> None:
        try:
            with transaction.atomic():
                result = first()
                first_inside.set()
                second_done.wait(hold_seconds)
            outcome["first"] = result
        except Exception as exc:
            outcome["first"] = exc
        finally:
            first_inside.set()  # a first that failed does not keep the second waiting
            connections.close_all()

    def run_second() -> None:
        try:
            first_inside.wait(10)
            with transaction.atomic():
                outcome["second"] = second()
        except Exception as exc:
            outcome["second"] = exc
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome.get("first"), outcome.get("second")
