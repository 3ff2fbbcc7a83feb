"""Health, metrics and the content security policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from dangjian.ops import health
from dangjian.ops.metrics import REGISTRY

pytestmark = pytest.mark.django_db


def test_liveness_and_readiness_need_no_sign_in(client: Any) -> None:
    assert client.get(reverse("ops:live")).content == b"ok"
    assert client.get("/healthz").content == b"ok"  # the old address still answers
    response = client.get(reverse("ops:ready"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


def test_readiness_says_when_migrations_are_pending(client: Any) -> None:
    """With a migration unapplied the server answers 503 and says which check failed."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.filter(app="accounts").order_by("-id").first()
    assert last is not None
    recorder.migration_qs.filter(pk=last.pk).delete()
    assert health.migrations_applied() is False
    response = client.get(reverse("ops:ready"))
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"


def test_metrics_from_loopback_in_prometheus_format(client: Any, county: Any) -> None:
    """Counts per URL route (never the path with numbers), a histogram, and database up."""
    REGISTRY.reset()
    client.force_login(county.east_admin)
    client.get(reverse("members:detail", args=[county.li.pk]))
    client.get(reverse("members:detail", args=[county.wang.pk]))
    client.logout()
    text = client.get(reverse("ops:metrics"), REMOTE_ADDR="127.0.0.1").content.decode()
    assert (
        'dangjian_http_requests_total{route="/members/<int:pk>/",method="GET",status="2xx"} 2'
        in text
    )
    assert (
        'dangjian_http_request_duration_seconds_bucket{route="/members/<int:pk>/",le="+Inf"} 2'
        in text
    )
    assert "dangjian_database_up 1" in text
    assert "dangjian_migrations_applied 1" in text
    # no personal data and no secrets: no member names, numbers, user names or keys
    for secret in (
        "李四",
        str(county.li.pk) + "/",
        county.li.id_number,
        "east",
        settings.SECRET_KEY,
    ):
        assert secret not in text
    assert re.fullmatch(
        r"(#.*|[a-z_]+(\{[^}]*\})? [0-9.e+-]+)(\n(#.*|[a-z_]+(\{[^}]*\})? [0-9.e+-]+))*\n", text
    )


def test_metrics_refuse_other_addresses_and_the_proxy(client: Any, settings: Any) -> None:
    """From another address, or through the reverse proxy: 404; a bearer token opens it."""
    url = reverse("ops:metrics")
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 404
    assert (
        client.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code
        == 404
    )
    settings.DANGJIAN_METRICS_TOKEN = "s3cret-token"
    assert (
        client.get(url, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code
        == 404
    )
    ok = client.get(url, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200
    assert "s3cret-token" not in ok.content.decode()


def _directives(response: Any) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in policy.split(";"))


STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def test_every_page_carries_a_strict_script_policy(client: Any, county: Any) -> None:
    """No inline script and no eval: scripts only from this site, the same policy as before
    django-csp wrote it (decision 0151), on pages, errors and API answers alike."""
    client.force_login(county.east_admin)
    for url in (
        reverse("accounts:login"),
        reverse("site:home"),
        reverse("members:list"),
        "/api/v1/me",
        "/no-such-page/",
    ):
        response = client.get(url)
        assert _directives(response) == STRICT, url
        assert "Content-Security-Policy-Report-Only" not in response


def test_the_api_docs_page_works_under_the_policy(client: Any, county: Any) -> None:
    """Swagger UI needs nothing the policy refuses: its scripts are the ninja package's static
    files, and its settings are a JSON data block, not code."""
    client.force_login(county.east_admin)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert _directives(response) == STRICT
    page = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", page)
    assert scripts
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_a_deployment_can_try_a_policy_report_only(client: Any, county: Any, settings: Any) -> None:
    """A report-only policy beside the enforced one (django-csp's second setting)."""
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report/"}
    }
    response = client.get(reverse("accounts:login"))
    assert _directives(response) == STRICT
    assert response["Content-Security-Policy-Report-Only"] == (
        "default-src 'self'; report-uri /csp-report/"
    )


TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / "templates",
    *Path(settings.BASE_DIR).glob("dangjian/*/templates"),
]
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=|\shx-on[:-]|javascript:", re.IGNORECASE
)


def test_no_template_has_inline_script() -> None:
    """The policy forbids inline script, so no template may rely on it (it would silently fail)."""
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if INLINE.search(line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}")
    assert offenders == [], "move these to a file under static/js/: " + ", ".join(offenders)


def test_the_menu_button_script_is_served(client: Any) -> None:
    """The phone menu button works through static/js/dangjian.js instead of onclick."""
    page = client.get(reverse("accounts:login")).content.decode()
    assert "js/dangjian.js" in page
    script = (Path(settings.BASE_DIR) / "static/js/dangjian.js").read_text()
    assert "data-dj-toggle" in script
