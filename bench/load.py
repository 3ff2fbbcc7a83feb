"""Load test of the production configuration on loopback: latency percentiles and throughput
per page, against a trivial page served by the same server (the ceiling).

    DATABASE_URL='postgresql:///dj_ops?host=/var/run/postgresql' \\
        .venv/bin/python bench/load.py --duration 10 --concurrency 10

The database must already hold data (`dangjian demo` for the county; the province generator of
the statistics issue for a province), built with the development keys in var/secrets.json,
which this script passes to the production settings. It starts gunicorn with
deploy/gunicorn.conf.py and config.settings.prod on a free 127.0.0.1 port, signs in as the demo
branch secretary (password) and the county administrator (password + TOTP: the script enrols a
known authenticator secret for that demo user), then hits each page for --duration seconds with
--concurrency concurrent clients, one page at a time, and stops the server. Loopback only;
every loop is bounded in time.

Two ways to load it:
- `--think 0` (the default): closed loop, each client sends its next request as soon as the
  last one is answered. This saturates the server: the figures are its capacity, and a
  latency percentile is mostly time spent queueing behind the other clients.
- `--think S`: each client is a person who waits a random 0.5 S to 1.5 S after each answer
  before the next click (the "users" of the targets below), arriving at random over the first
  1.5 S. The req/s column is then the load the people offered.

The committee dashboard is measured twice: as served (figures from the cache, core.figures)
and with `?refresh=1`, which counts every figure again on every request (the worst case: a
cache that is always cold).

Targets (issue 12): p95 < 100 ms for branch pages, < 300 ms for a county dashboard, with 50
concurrent users on the 2-core machine, and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "dangjian.bench.local"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": HOST}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 — the bench's authenticator for the demo admin


@dataclass
class Result:
    page: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(database_url: str) -> dict[str, str]:
    secrets = json.loads((ROOT / "var" / "secrets.json").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DANGJIAN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY=secrets["secret_key"],
        DJANGO_ALLOWED_HOSTS=f"127.0.0.1,{HOST}",
        DATABASE_URL=database_url,
        DANGJIAN_FIELD_ENCRYPTION_KEYS=secrets["field_key"],
        DANGJIAN_LOOKUP_KEY=secrets["lookup_key"],
        DANGJIAN_ISSUER="CN-BENCH",
        DANGJIAN_SIGNING_KEYS=secrets["signing_key"],
        DANGJIAN_VAR_DIR=str(ROOT / "var" / "bench-prod"),
    )
    return env


def _prepare(env: dict[str, str]) -> dict[str, int]:
    """Collect static files; enrol the bench authenticator; find the pages' objects."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    script = f"""
import json, pyotp, time
import django; django.setup()
from dangjian.accounts.models import User, TOTPDevice
from dangjian.accounts import two_factor
from dangjian.members.models import Member
for username in ("county", "township"):
    admin = User.objects.get(username=username)
    if not TOTPDevice.objects.filter(user=admin).exists():
        past = time.time() - 120
        two_factor.two_factor_enrol(user=admin, secret="{TOTP_SECRET}", code=pyotp.TOTP("{TOTP_SECRET}").at(past), at=past)
admin = User.objects.get(username="county")
secretary = User.objects.get(username="branch")
branch = secretary.roles.get().organization
county = admin.roles.get().organization
member = Member.objects.filter(memberships__organization=branch).order_by("pk").first()
print(json.dumps({{"branch": branch.pk, "county": county.pk, "member": member.pk}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    ids: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return ids


def _cookies(response: httpx.Response, jar: dict[str, str]) -> None:
    # The production cookies are Secure; over loopback HTTP we carry them by hand.
    for header in response.headers.get_list("set-cookie"):
        name, _sep, rest = header.partition("=")
        jar[name] = rest.split(";", 1)[0]


def _cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def sign_in(base: str, username: str, password: str, totp: bool = False) -> dict[str, str]:
    import pyotp

    jar: dict[str, str] = {}
    with httpx.Client(base_url=base, headers=PROXY_HEADERS, timeout=30) as client:
        page = client.get("/accounts/login/")
        _cookies(page, jar)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        headers = {**_cookie_header(jar), "Referer": f"https://{HOST}/accounts/login/"}
        response = client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers=headers,
        )
        _cookies(response, jar)
        if response.status_code != 302:
            raise SystemExit(f"sign-in of {username} failed: {response.status_code}")
        if totp:
            page = client.get("/accounts/two-factor/verify/", headers=_cookie_header(jar))
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            response = client.post(
                "/accounts/two-factor/verify/",
                data={"code": pyotp.TOTP(TOTP_SECRET).now(), "csrfmiddlewaretoken": token},
                headers={
                    **_cookie_header(jar),
                    "Referer": f"https://{HOST}/accounts/two-factor/verify/",
                },
            )
            _cookies(response, jar)
            if response.status_code != 302 or "two-factor" in response.headers.get("location", ""):
                raise SystemExit(f"two-factor step of {username} failed: {response.status_code}")
    return _cookie_header(jar)


async def hammer(
    base: str,
    page: str,
    url: str,
    headers: dict[str, str],
    duration: float,
    concurrency: int,
    think: float = 0.0,
) -> Result:
    result = Result(page)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={**PROXY_HEADERS, **headers}, limits=limits, timeout=30
    ) as client:
        started = time.perf_counter()
        deadline = started + duration
        rng = random.Random(page)

        async def one_user() -> None:
            if think:  # people arrive over the first pause, not all in the same instant
                await asyncio.sleep(rng.uniform(0, 1.5 * think))
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await client.get(url)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - t0
                if ok:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
                if think:
                    pause = rng.uniform(0.5 * think, 1.5 * think)
                    await asyncio.sleep(max(0.0, min(pause, deadline - time.perf_counter())))

        await asyncio.gather(*(one_user() for _n in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds per page (default 20)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="concurrent clients (default 50)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a client waits between requests (default 0: closed loop)",
    )
    parser.add_argument(
        "--pages", default="", help="only the pages whose name contains one of these (comma)"
    )
    args = parser.parse_args()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL database that holds the data.")
    env = _environment(database_url)
    ids = _prepare(env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env.update(
        DANGJIAN_WEB_BIND=f"127.0.0.1:{port}",
        DANGJIAN_WEB_WORKERS=str(args.workers),
        DANGJIAN_ACCESS_LOG="/dev/null",
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(ROOT / "deploy/gunicorn.conf.py"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/ops/health/live", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)
        secretary = sign_in(base, "branch", "dangjian-demo-2026")
        county = sign_in(base, "county", "dangjian-demo-2026", totp=True)
        township = sign_in(base, "township", "dangjian-demo-2026", totp=True)
        pages = [
            ("trivial page (/ops/health/live)", "/ops/health/live", {}),
            ("branch: home (本月待办)", "/", secretary),
            ("branch: member list", f"/members/?org={ids['branch']}", secretary),
            ("branch: member page", f"/members/{ids['member']}/", secretary),
            ("township: home dashboard", "/", township),
            ("county: home dashboard", "/", county),
            ("county: dashboard, figures uncached", "/?refresh=1", county),
            ("county: report page", f"/reports/organizations/{ids['county']}/", county),
            ("county: member search", "/members/?q=%E5%BC%A0", county),
            ("API: /api/v1/me", "/api/v1/me", secretary),
        ]
        wanted = [w for w in args.pages.split(",") if w]
        pages = [
            p for i, p in enumerate(pages) if i == 0 or not wanted or any(w in p[0] for w in wanted)
        ]
        results = []
        for name, url, headers in pages:
            asyncio.run(
                hammer(base, name, url, headers, min(2.0, args.duration), min(4, args.concurrency))
            )  # warm-up
            results.append(
                asyncio.run(
                    hammer(base, name, url, headers, args.duration, args.concurrency, args.think)
                )
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    trivial = results[0]
    how = (
        f"each waiting {0.5 * args.think:g}-{1.5 * args.think:g} s between requests"
        if args.think
        else "closed loop (no wait between requests)"
    )
    print(
        f"\nload: {args.concurrency} concurrent clients, {how}, {args.duration:g} s per page, "
        f"gunicorn {args.workers} sync workers, production settings, PostgreSQL, loopback, "
        f"{os.cpu_count()} CPUs, load average before {load_before}"
    )
    print(
        f"{'page':<38}{'req':>7}{'err':>5}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'p50/trivial':>12}{'rps share':>10}"
    )
    for r in results:
        ratio = r.percentile(50) / trivial.percentile(50) if trivial.latencies else float("nan")
        share = r.rps / trivial.rps if trivial.rps else float("nan")
        print(
            f"{r.page:<38}{len(r.latencies):>7}{r.errors:>5}{r.rps:>8.1f}{r.percentile(50):>8.1f}"
            f"{r.percentile(95):>8.1f}{r.percentile(99):>8.1f}{ratio:>12.1f}{share:>10.2f}"
        )
    if any(r.errors for r in results):
        print("\nerrors: some requests failed (non-200 or transport error)")


if __name__ == "__main__":
    main()
