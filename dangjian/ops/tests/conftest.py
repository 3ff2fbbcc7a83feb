"""The browser fixtures of tests/browser, for dangjian/ops/tests/test_browser.py."""

from tests.browser.conftest import (  # noqa: F401 (fixtures and the screenshot hook)
    browser,
    page,
    pytest_runtest_makereport,
    sign_in,
)
