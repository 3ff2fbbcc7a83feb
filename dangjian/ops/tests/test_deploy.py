"""The production configuration: `check --deploy` is clean, and gunicorn with the production
settings on PostgreSQL serves the sign-in page and the health endpoint on a free loopback port."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
PYTHON = sys.executable


def production_env(tmp_path: Path, database_url: str = "") -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DANGJIAN_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY="prod-test-" + "x7Kq2mPz9vL4wR8tY3nB6cJ1hF5dG0sA" * 2,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,dangjian.example.gov.cn",
        DANGJIAN_FIELD_ENCRYPTION_KEYS=",".join(settings.DANGJIAN_FIELD_ENCRYPTION_KEYS),
        DANGJIAN_LOOKUP_KEY=settings.DANGJIAN_LOOKUP_KEY,
        DANGJIAN_ISSUER="CN-DEPLOYTEST",
        DANGJIAN_SIGNING_KEYS=",".join(settings.DANGJIAN_SIGNING_KEYS),
        DANGJIAN_VAR_DIR=str(tmp_path / "var"),
        DANGJIAN_LOG_DIR=str(tmp_path),
        PYTHONDONTWRITEBYTECODE="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def test_check_deploy_is_clean_with_the_production_settings(tmp_path: Path) -> None:
    """`manage.py check --deploy --fail-level WARNING` passes: HSTS, secure cookies, SSL redirect…"""
    result = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secrets(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [PYTHON, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _collected_static(env: dict[str, str]) -> Path:
    """A var/ directory with `collectstatic` done, reused while the static sources are unchanged
    (collecting and compressing takes 5–20 s)."""
    digest = hashlib.sha256()
    for source in settings.STATICFILES_DIRS:
        directory = Path(str(source[1] if isinstance(source, tuple) else source))
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for vendored in sorted(settings.VENDOR_FILES.values()):
        stat = (Path(settings.NODE_MODULES) / vendored).stat()
        digest.update(f"{vendored}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update((ROOT / "config/settings/prod.py").read_bytes())
    var_dir = ROOT / "var" / "deploy-test" / digest.hexdigest()[:16]
    if not (var_dir / "staticfiles" / "staticfiles.json").exists():
        collected = subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--no-input", "--clear", "-v", "0"],
            cwd=ROOT,
            env={**env, "DANGJIAN_VAR_DIR": str(var_dir)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert collected.returncode == 0, collected.stderr
    return var_dir


def static_url(name: str, env: dict[str, str]) -> str:
    """The hashed URL collectstatic gave a static file (from its manifest)."""
    manifest = Path(env["DANGJIAN_VAR_DIR"]) / "staticfiles" / "staticfiles.json"
    return "/static/" + json.loads(manifest.read_text())["paths"][name]


def test_collectstatic_writes_brotli_and_gzip_beside_echarts(tmp_path: Path) -> None:
    """Production static files: the hashed ECharts with a .br (Brotli is installed) and a .gz,
    each a fraction of the 1 MB file, so whitenoise serves them compressed (decision 0262)."""
    env = production_env(tmp_path)
    env["DANGJIAN_VAR_DIR"] = str(_collected_static(env))
    name = static_url("vendor/echarts/echarts.min.js", env).removeprefix("/static/")
    hashed = Path(env["DANGJIAN_VAR_DIR"]) / "staticfiles" / name
    size = hashed.stat().st_size
    assert size > 900_000
    assert hashed.with_name(hashed.name + ".br").stat().st_size < size / 3
    assert hashed.with_name(hashed.name + ".gz").stat().st_size < size / 2.5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    params = connection.settings_dict
    host = params.get("HOST") or "/var/run/postgresql"
    user = f"{params['USER']}@" if params.get("USER") else ""
    return f"postgresql://{user}/{params['NAME']}?host={host}"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_production_configuration(tmp_path: Path) -> None:
    """Static files collected, gunicorn with deploy/gunicorn.conf.py, two workers: the sign-in
    page over "HTTPS" (as nginx forwards it) with the security headers, and readiness."""
    if connection.vendor != "postgresql":
        pytest.skip("the production configuration runs on PostgreSQL (run with DATABASE_URL)")
    env = production_env(tmp_path, _database_url())
    env["DANGJIAN_VAR_DIR"] = str(_collected_static(env))
    port = _free_port()
    env.update(DANGJIAN_WEB_BIND=f"127.0.0.1:{port}", DANGJIAN_WEB_WORKERS="2")
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "--config", str(ROOT / "deploy/gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                live = httpx.get(f"{base}/ops/health/live", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert live.text == "ok"
        ready = httpx.get(f"{base}/ops/health/ready", timeout=10)
        assert ready.json() == {"status": "ok", "database": "ok", "migrations": "ok"}

        plain = httpx.get(f"{base}/accounts/login/", timeout=10)
        assert plain.status_code == 301
        assert plain.headers["location"].startswith("https://")

        login = httpx.get(
            f"{base}/accounts/login/",
            headers={"X-Forwarded-Proto": "https", "Host": "dangjian.example.gov.cn"},
            timeout=10,
        )
        assert login.status_code == 200
        assert "登录党员全员信息库" in login.text
        assert "max-age=31536000" in login.headers["strict-transport-security"]
        assert "script-src 'self'" in login.headers["content-security-policy"]
        assert login.headers["x-frame-options"] == "DENY"
        cookie = login.headers["set-cookie"]
        assert "csrftoken=" in cookie
        assert "Secure" in cookie
        stylesheet = re.search(r'href="([^"]*bootstrap[^"]*\.css)"', login.text).group(1)  # type: ignore[union-attr]
        assert re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", stylesheet)  # the hashed name
        css = httpx.get(base + stylesheet, headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert css.status_code == 200
        assert "max-age" in css.headers["cache-control"]

        # ECharts (1 MB) goes out compressed, and its hashed name is cached for good.
        echarts = base + static_url("vendor/echarts/echarts.min.js", env)
        for encoding in ("br", "gzip"):
            got = httpx.get(
                echarts,
                headers={"X-Forwarded-Proto": "https", "Accept-Encoding": encoding},
                timeout=10,
            )
            assert got.status_code == 200
            assert got.headers["content-encoding"] == encoding
            assert int(got.headers["content-length"]) < 400_000
            assert "immutable" in got.headers["cache-control"]
            assert "max-age=315360000" in got.headers["cache-control"]

        metrics = httpx.get(f"{base}/ops/metrics", timeout=10)
        assert "dangjian_database_up 1" in metrics.text
        assert (tmp_path / "dangjian.log").exists()  # DANGJIAN_LOG_DIR gets the log file
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, server.stdout.read().decode() if server.stdout else ""


def test_deploy_files_agree_with_the_settings() -> None:
    """The env example names every variable the production settings require."""
    example = (ROOT / "deploy/dangjian.env.example").read_text()
    source = (ROOT / "config/settings/prod.py").read_text()
    for name in re.findall(r'_required\("([A-Z_]+)"\)', source):
        assert f"{name}=" in example, name
    for unit in ("dangjian-web.service", "dangjian-worker.service"):
        assert (ROOT / "deploy/systemd" / unit).exists()
    assert "location /media" not in (ROOT / "deploy/nginx/dangjian.conf").read_text()
