"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Never a downloaded browser: Chromium comes from Debian (`make browser`). Without it the tests
are skipped, except in CI (CI=true), where a missing browser is a failure.

Fixtures:
- `browser`: one headless Chromium for the session.
- `page`: a new browser context per test (locale zh-CN) on the live server; desktop-sized by
  default, phone-sized with ``@pytest.mark.parametrize("page", ["phone"], indirect=True)``.
  When the test fails, a screenshot goes to test-artifacts/.
  After the test the page waits until the live server has answered every request it had
  started: a test may pass while a fragment is still loading, and the database flush that
  follows would otherwise meet that request's open cursor ("database table is locked" on
  SQLite, leaving rows behind for the worker's next test).
- `sign_in`: signs a user in through the real login form.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
PASSWORD = "pass-word-123"  # what dangjian.site.testing.build_user sets
# A wait ends as soon as its condition holds, so a long limit costs a passing test nothing; a
# busy 2-core CI machine (the committing passes, the demo county's build beside a browser) has
# taken more than 10 s to answer one form (a certificate's issue, seen on a slow machine).
TIMEOUT_MS = 30_000
QUIET_SECONDS = 0.2  # no request started for this long after the last one ended
IDLE_TIMEOUT_SECONDS = 30.0


class InFlight:
    """A WSGI wrapper around the live server's application that counts unfinished requests.

    A request ends when the server closes its response (after the last byte was written or the
    client went away), which is when Django has finished with the database for it.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.running = 0
        self.last_change = time.monotonic()
        self.changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self.changed:
            self.running += 1
            self.last_change = time.monotonic()
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._finished()
            raise
        return _ClosingResponse(result, self._finished)

    def _finished(self) -> None:
        with self.changed:
            self.running -= 1
            self.last_change = time.monotonic()
            self.changed.notify_all()

    def wait_until_idle(self) -> None:
        """Wait until no request runs and none has started for QUIET_SECONDS."""
        deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
        with self.changed:
            while True:
                now = time.monotonic()
                quiet_for = now - self.last_change
                if self.running == 0 and quiet_for >= QUIET_SECONDS:
                    return
                if now >= deadline:
                    raise AssertionError(
                        f"the live server still had {self.running} request(s) running "
                        f"{IDLE_TIMEOUT_SECONDS:.0f} s after the test ended"
                    )
                wait = QUIET_SECONDS - quiet_for if self.running == 0 else deadline - now
                self.changed.wait(timeout=max(wait, 0.01))


class _ClosingResponse:
    """The application's response, reporting to InFlight when the server closes it."""

    def __init__(self, result: Iterable[bytes], finished: Callable[[], None]) -> None:
        self.result = result
        self.finished = finished
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.finished()


def in_flight(live_server: Any) -> InFlight:
    """The live server's InFlight counter, installed around its application on first use."""
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if not isinstance(app, InFlight):
        app = InFlight(app)
        httpd.set_app(app)
    return app


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"Debian's Chromium is not installed at {CHROMIUM} (make browser)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires the browser tests to run.", pytrace=False)
    pytest.skip(f"{reason}; the browser tests were skipped.")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so `page` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    # `expect` waits 5 s unless told, the page's actions TIMEOUT_MS: the same wait for both, as
    # the committing passes run beside each other and the checks (a busy machine).
    expect.set_options(timeout=TIMEOUT_MS)

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context; ``request.param`` picks a viewport from VIEWPORTS."""
    viewport = getattr(request, "param", "desktop")
    requests = in_flight(live_server)
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, **VIEWPORTS[viewport])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # the page may be gone; the test's own error matters more
            print(f"no screenshot: {exc}")
    context.close()
    requests.wait_until_idle()


@pytest.fixture
def sign_in() -> Callable[[Any, str], None]:
    """Sign in through the login form, as a person would, and wait for the next page."""

    def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()

    return sign_in


def follow_nav(page: Any, name: str) -> None:
    """Click a link of the navigation bar, opening 更多 first when the link sits there."""
    navigation = page.get_by_role("navigation")
    link = navigation.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        navigation.locator("summary", has_text="更多").click()
    link.click()


def wait_until_kept(page: Any, *paths: str) -> None:
    """Wait until a service worker controls the page and its cache holds each path (matched
    without the query and Vary), so that the page opens with the network cut.

    The predicate returns a plain value: `wait_for_function` takes a returned promise for a
    truthy answer and stops waiting at once, so the cache lookups run on the side and leave
    their answer on `window` for the next poll.
    """
    page.wait_for_function(
        """(paths) => {
          Promise.all(paths.map((path) => caches.match(path, { ignoreSearch: true, ignoreVary: true })))
            .then((kept) => { window.djKept = kept.every(Boolean); });
          return navigator.serviceWorker.controller !== null && window.djKept === true;
        }""",
        arg=list(paths),
        polling=100,
    )
