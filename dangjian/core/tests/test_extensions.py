"""Extension points: domain apps add navigation links, page panels and demo steps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from dangjian.core import extensions


@pytest.fixture
def registries() -> Iterator[None]:
    saved = (
        list(extensions._NAV),
        {k: list(v) for k, v in extensions._PANELS.items()},
        list(extensions._DEMO_STEPS),
    )
    # Start empty: the apps' own registrations (real demo steps that need a real context, panels
    # that query) are not what these tests are about.
    extensions._NAV.clear()
    for panels in extensions._PANELS.values():
        panels.clear()
    extensions._DEMO_STEPS.clear()
    yield
    extensions._NAV[:] = saved[0]
    for k, v in saved[1].items():
        extensions._PANELS[k][:] = v
    extensions._DEMO_STEPS[:] = saved[2]


def test_nav_items_show_only_where_visible(client: Client, county: Any, registries: None) -> None:
    extensions.register_nav(
        extensions.NavItem("全县视图", "organizations:tree", 900, lambda s: bool(s.read_paths))
    )
    client.force_login(county.east_admin)
    assert "全县视图" in client.get("/").content.decode()
    client.force_login(county.member_user)
    assert "全县视图" not in client.get("/").content.decode()


def test_panels_render_on_member_and_organization_pages(
    client: Client, county: Any, registries: None
) -> None:
    seen: list[str] = []

    def member_context(request: Any, member: Any) -> dict[str, Any] | None:
        seen.append(member.name)
        return {"text": f"面板-{member.name}"} if member.name == "张三" else None

    extensions.register_panel(
        "member", extensions.Panel("test", 10, "core/tests/panel.html", member_context)
    )
    extensions.register_panel(
        "organization",
        extensions.Panel(
            "test", 10, "core/tests/panel.html", lambda r, o: {"text": f"组织面板-{o.name}"}
        ),
    )
    client.force_login(county.east_admin)
    assert "面板-张三" in client.get(county.zhang.get_absolute_url()).content.decode()
    assert "面板-" not in client.get(county.li.get_absolute_url()).content.decode()
    assert (
        "组织面板-东村党支部" in client.get(county.east_village.get_absolute_url()).content.decode()
    )
    assert seen == ["张三", "李四"]


def test_demo_steps_run_in_order_and_once(registries: None) -> None:
    extensions._DEMO_STEPS.clear()  # the apps' own steps need a real county
    ran: list[str] = []
    extensions.register_demo_step(extensions.DemoStep("second", 20, lambda c: ran.append("second")))
    extensions.register_demo_step(extensions.DemoStep("first", 10, lambda c: ran.append("first")))
    extensions.register_demo_step(extensions.DemoStep("first", 5, lambda c: ran.append("again")))
    for step in extensions.demo_steps():
        if step.name in ("first", "second"):  # not the steps the domain apps registered
            step.run(None)  # type: ignore[arg-type]
    assert ran[-2:] == ["first", "second"]
    assert "again" not in ran


def test_paths_of_the_tree() -> None:
    from dangjian.core.paths import ancestor_paths, child_on_path

    assert ancestor_paths("/1/7/42/") == ["/1/", "/1/7/", "/1/7/42/"]
    assert child_on_path("/1/7/", "/1/7/42/99/") == 42
    assert child_on_path("/1/7/", "/1/7/42/") == 42
    assert child_on_path("/1/7/", "/1/7/") is None
    assert child_on_path("/1/7/", "/1/8/3/") is None
    assert child_on_path("/1/7/", "/1/77/") is None
