"""Extension points: how a domain app adds itself to the shared pages without editing them.

The foundation's pages (the navigation bar, the member page, the organization page, the demo
county) are shared by every domain app. Rather than each app editing those templates and
modules, an app registers what it contributes from its `AppConfig.ready()`:

- `register_nav(NavItem(...))`: a link in the navigation bar;
- `register_panel("member" | "organization", Panel(...))`: a section rendered on the member
  page or the organization page from the app's own template and context function;
- `register_demo_step(DemoStep(...))`: a step the demo county runs after the base roster,
  to add the app's own realistic records;
- `register_todo(TodoSource(...))`: what the app has due this month for an organization, listed
  on the home page (本月待办) so a secretary sees what to do without searching for it.

The registries are filled once at start-up and only read afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    import datetime as dt

# Core is the bottom floor: it names the objects of the floors above (organizations, members,
# users, scopes) without importing them, so an extension point never pulls a domain into core.
Organization: TypeAlias = Any
Member: TypeAlias = Any
User: TypeAlias = Any
Scope: TypeAlias = Any


# --- navigation -------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    order: int
    # Shown when this returns True for the signed-in user's scope (default: everyone).
    visible: Callable[[Scope], bool] = field(default=lambda _scope: True)


_NAV: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _NAV):
        _NAV.append(item)
        _NAV.sort(key=lambda i: i.order)


def nav_items() -> list[NavItem]:
    return list(_NAV)


# --- page panels --------------------------------------------------------------

PageKind = Literal["member", "organization", "portal", "home"]


@dataclass(frozen=True)
class Panel:
    """A section of a shared page.

    `context(request, obj)` returns the template's context, or None to leave the panel out
    (for example when the object has nothing to show or the user may not see it). The
    template receives the returned dict plus `request`; the object is passed under the key
    the page kind names ("member", "organization"; "portal" passes the member, "home" the
    organization of each card on the home page) unless the context sets it.
    """

    key: str
    order: int
    template_name: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]


# "portal" panels appear on a member's own portal page (/me/), given the member.
_PANELS: dict[str, list[Panel]] = {"member": [], "organization": [], "portal": [], "home": []}


def register_panel(page: PageKind, panel: Panel) -> None:
    panels = _PANELS[page]
    if all(existing.key != panel.key for existing in panels):
        panels.append(panel)
        panels.sort(key=lambda p: p.order)


def member_panels() -> list[Panel]:
    """The member page's panels (the portal shows some of them to the member)."""
    return list(_PANELS["member"])


def render_panels(request: HttpRequest, page: PageKind, obj: Member | Organization) -> SafeString:
    """Every registered panel of `page` for `obj`, rendered in order."""
    parts: list[str] = []
    for panel in _PANELS[page]:
        context = panel.context(request, obj)
        if context is None:
            continue
        key = {"portal": "member", "home": "organization"}.get(page, page)
        context.setdefault(key, obj)
        parts.append(render_to_string(panel.template_name, context, request=request))
    return mark_safe("".join(parts))  # noqa: S308 - each part is a rendered, escaped template


# --- what is due (本月待办) -------------------------------------------------------------


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: a sentence, where to do it, and whether it is already late."""

    text: str
    url: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class TodoSource:
    """`items(request, organization, on)` lists what is due for the organization's card on
    the home page this month (an empty list when nothing is); the request's user may read the
    organization.

    The list is kept (`kept_todo_items`), so a source promises two things: its items depend on
    the user only through whether they manage the organization, and every row it reads marks
    the figures of its organizations stale when saved or deleted (`members.caching`'s
    `invalidate_on_change`, or the service's own `invalidate_organizations` after a bulk
    write)."""

    key: str
    order: int
    items: Callable[[HttpRequest, Organization, dt.date], list[TodoItem]]


_TODOS: list[TodoSource] = []


def register_todo(source: TodoSource) -> None:
    if all(existing.key != source.key for existing in _TODOS):
        _TODOS.append(source)
        _TODOS.sort(key=lambda s: s.order)


def todo_items(request: HttpRequest, organization: Organization, on: dt.date) -> list[TodoItem]:
    """Every source's items for the organization, in the sources' order."""
    return [item for source in _TODOS for item in source.items(request, organization, on)]


def kept_todo_items(
    request: HttpRequest,
    organization: Organization,
    on: dt.date,
    *,
    manages: bool,
    refresh: bool = False,
) -> list[TodoItem]:
    """`todo_items`, kept as a figure of the organization (core.figures, decision 0293).

    The home page lists them on every visit, and the five sources cost a branch's home most of
    its time (15 queries, two thirds of the page). A change to any row a source reads marks the
    organization's figures stale (TodoSource's promise), so the next visit lists them again; so
    do a new day, another language and `refresh`. Kept apart for those who manage the
    organization and those who only read it (an observer has no transfers to receive)."""
    from django.utils.translation import get_language

    from . import figures

    key = f"todo:{on.isoformat()}:{get_language() or ''}:{'manage' if manages else 'read'}"
    value, _computed_at = figures.cached(
        organization.path,
        key,
        lambda: [
            {"text": str(item.text), "url": item.url, "overdue": item.overdue}
            for item in todo_items(request, organization, on)
        ],
        refresh=refresh,
    )
    return [TodoItem(row["text"], row["url"], bool(row["overdue"])) for row in value]


# --- demo county ----------------------------------------------------------------


@dataclass
class DemoContext:
    """What the base demo county hands to each domain's demo step."""

    builder: User
    reference_day: dt.date
    county: Organization
    branches: list[Organization]
    members_by_branch: dict[int, list[Member]]
    progress: Callable[[str], None]
    # The county's size against the full demo (1.0: 28,682 members); steps scale fixed counts.
    scale: float = 1.0

    @property
    def assessed_year(self) -> int:
        """The year of the demo's finished assessment: last year until June, then this year
        (as far as the day); the organizational life shown goes back to its January."""
        day = self.reference_day
        return day.year - 1 if day.month <= 6 else day.year

    def rng(self, name: str) -> random.Random:
        """A random generator of its own for each step, so steps do not disturb each other."""
        return random.Random(f"dangjian-demo-{name}")


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: Callable[[DemoContext], None]


_DEMO_STEPS: list[DemoStep] = []


def register_demo_step(step: DemoStep) -> None:
    if all(existing.name != step.name for existing in _DEMO_STEPS):
        _DEMO_STEPS.append(step)
        _DEMO_STEPS.sort(key=lambda s: s.order)


def demo_steps() -> list[DemoStep]:
    return list(_DEMO_STEPS)


# --- figures one domain lends another ---------------------------------------------------------


_FIGURES: dict[str, Callable[..., Any]] = {}


def register_figures(key: str, provider: Callable[..., Any]) -> None:
    """A domain app offers figures that a sibling on its floor may read without importing it
    (the floor plan forbids that): for example the dues app offers the funds app's retained
    dues the dues each collecting organization received, as two providers:

    - "dues_remittable": `(organization_ids, first, last) -> {organization_id: Decimal}`, from
      `first` (None: ever) to `last`, for the organizations named;
    - "dues_remittable_within": `(path, periods, *, dissolved=True) -> {organization_id:
      (Decimal, ...)}`, for every organization of the subtree at `path` (the scoped `within`),
      one figure per `(first, last)` period in one pass over the payments; `dissolved=False`
      leaves out organizations since dissolved (decision 0278)."""
    _FIGURES.setdefault(key, provider)


def figures(key: str) -> Callable[..., Any] | None:
    """The provider registered under `key`, or None when its app is not installed."""
    return _FIGURES.get(key)
