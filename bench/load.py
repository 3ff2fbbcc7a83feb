"""Load test of the production configuration on loopback: latency percentiles and throughput
per page, against a trivial page served by the same server (the ceiling).

    DATABASE_URL='postgresql:///dj_ops?host=/var/run/postgresql' \\
        .venv/bin/python bench/load.py --duration 10 --concurrency 10

A province, 200 users arriving at random (open loop), each role's pages:

    DATABASE_URL='postgresql:///h20province_p?host=/var/run/postgresql' \\
        .venv/bin/python bench/load.py --open --users 200 --every 10 --duration 20

The database must already hold data (`dangjian demo` for the county; `bench/province_build.py`
for a province), built with the development keys in var/secrets.json, which this script passes
to the production settings. It starts gunicorn with deploy/gunicorn.conf.py and
config.settings.prod on a free 127.0.0.1 port, signs in as the demo branch secretary (password)
and the administrators of the township, the county and, when the province builder made them,
the city and the province (password + TOTP: the script enrols a known authenticator secret for
those demo users), then hits each page for --duration seconds, one page at a time, and stops
the server. Loopback only; every loop is bounded in time. The "alone p50" column is the median
of the warm-up (two clients, closed loop, up to 2 s): about the page's time when the server
is not queueing, which on a shared machine says more about the code than the percentiles under
load.

Three ways to load it:
- `--think 0` (the default): closed loop, each client sends its next request as soon as the
  last one is answered. This saturates the server: the figures are its capacity, and a
  latency percentile is mostly time spent queueing behind the other clients.
- `--think S`: each client is a person who waits a random 0.5 S to 1.5 S after each answer
  before the next click (the "users" of the targets below), arriving at random over the first
  1.5 S. The req/s column is then the load the people offered.
- `--open` with `--users U --every S`: open loop. Requests arrive at U/S per second in a
  Poisson stream (U people each clicking every S seconds on average), whether or not the
  earlier ones were answered; each latency is counted from the moment its request was due, so
  time spent waiting for a connection is in it (no coordinated omission). At most
  `--max-in-flight` requests are outstanding; an arrival beyond that is counted as dropped (an
  error), and requests still unanswered `--grace` seconds after the window are cancelled and
  counted as errors too (so a page slower than its arrivals cannot hold the run for minutes;
  its percentiles are then of the answered requests only, and the page is marked as missing).
  This is the issue's "200 users" test.

The committee dashboard is measured twice: as served (figures from the cache, core.figures)
and with `?refresh=1`, which counts every figure again on every request (the worst case: a
cache that is always cold).

Targets (issue 12, issue 20): p95 < 100 ms for branch pages (and the API), < 300 ms for
committee pages (township, county, city, province), no errors; each page's p95 is printed
beside its target with the ratio (above 1.00 misses it). Before the run the load average is
printed, and the server's CPU time (gunicorn master and workers, from /proc) beside wall time:
the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import (
    ROOT,
    machine_speed,
    production_environment,
)  # also puts this worktree first on sys.path

HOST = "dangjian.bench.local"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": HOST}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 — the bench's authenticator for the demo admin


BRANCH_TARGET_MS = 100.0
COMMITTEE_TARGET_MS = 300.0


@dataclass
class Result:
    page: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    dropped: int = 0
    unanswered: int = 0
    alone_ms: float = float("nan")
    seconds: float = 0.0
    target_ms: float | None = None

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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DANGJIAN_"))}
    return env | production_environment(database_url, f"127.0.0.1,{HOST}")


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
from dangjian.assessment.models import AssessmentRound
from dangjian.members.models import Member
for username in ("county", "township", "city", "province"):
    admin = User.objects.filter(username=username).first()
    if admin is not None and not TOTPDevice.objects.filter(user=admin).exists():
        past = time.time() - 120
        two_factor.two_factor_enrol(user=admin, secret="{TOTP_SECRET}", code=pyotp.TOTP("{TOTP_SECRET}").at(past), at=past)
ids = {{}}
for username in ("branch", "township", "county", "city", "province"):
    user = User.objects.filter(username=username).first()
    if user is not None:
        ids[username] = user.roles.get().organization.pk
ids["member"] = Member.objects.filter(memberships__organization=ids["branch"]).order_by("pk").first().pk
round_ = AssessmentRound.objects.filter(committee=ids["county"]).order_by("-pk").first()
if round_ is not None:
    ids["assessment"] = round_.pk
print(json.dumps(ids))
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
    timeout: float = 30.0,
) -> Result:
    result = Result(page)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={**PROXY_HEADERS, **headers}, limits=limits, timeout=timeout
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


async def open_loop(
    base: str,
    page: str,
    url: str,
    headers: dict[str, str],
    duration: float,
    rate: float,
    max_in_flight: int,
    grace: float,
) -> Result:
    """Poisson arrivals at `rate` per second for `duration` seconds, independent of answers."""
    result = Result(page)
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
    in_flight = 0
    async with httpx.AsyncClient(
        base_url=base, headers={**PROXY_HEADERS, **headers}, limits=limits, timeout=60
    ) as client:

        async def one(due: float) -> None:
            nonlocal in_flight
            try:
                response = await client.get(url)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            except asyncio.CancelledError:
                in_flight -= 1
                raise
            else:
                in_flight -= 1
            if ok:
                result.latencies.append(time.perf_counter() - due)
            else:
                result.errors += 1

        rng = random.Random(page)
        started = time.perf_counter()
        due = started
        tasks = []
        while True:
            due += rng.expovariate(rate)
            if due > started + duration:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if in_flight >= max_in_flight:
                result.dropped += 1
                continue
            in_flight += 1
            tasks.append(asyncio.create_task(one(due)))
        result.seconds = time.perf_counter() - started
        if tasks:
            # Past the window, wait `grace` seconds for the last answers; the rest are errors.
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for unanswered in pending:
                unanswered.cancel()
            result.unanswered = len(pending)
            await asyncio.gather(*pending, return_exceptions=True)
    return result


def _server_cpu(pid: int) -> float:
    """CPU seconds of the gunicorn master and its workers so far (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        return float("nan")
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat (after the name: index 11-14)
        total += sum(int(x) for x in fields[11:15]) / tick
    return total


def _start(env: dict[str, str], base: str) -> subprocess.Popen[bytes]:
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
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/ops/health/live", timeout=2)
            return server
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                _stop(server, quick=True)
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def _stop(server: subprocess.Popen[bytes], *, quick: bool = False) -> None:
    """TERM (graceful), or QUIT (gunicorn's quick shutdown: the workers stop at once and the
    requests still queued on the socket go with it)."""
    server.send_signal(signal.SIGQUIT if quick else signal.SIGTERM)
    try:
        server.wait(timeout=10 if quick else 30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)
    if quick:
        _end_orphaned_queries()


def _end_orphaned_queries() -> None:
    """PostgreSQL goes on with a killed worker's query until it has an answer to send: a page
    that counts for a minute would still load the machine while the next page is measured.
    End every other session on the bench's database (this script holds none)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        ended = connection.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    print(
        f"    (server restarted; {ended[0] if ended else 0} orphaned queries ended)",
        file=sys.stderr,
    )


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
    parser.add_argument(
        "--skip", default="", help="leave out the pages whose name contains one of these"
    )
    parser.add_argument(
        "--open", action="store_true", help="open loop: Poisson arrivals (--users, --every)"
    )
    parser.add_argument("--users", type=int, default=200, help="open loop: people (default 200)")
    parser.add_argument(
        "--every",
        type=float,
        default=10.0,
        help="open loop: mean seconds between one person's clicks (default 10)",
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=64,
        help="open loop: outstanding requests before arrivals are dropped (default 64)",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=20.0,
        help="open loop: seconds to wait for the last answers after the window (default 20)",
    )
    args = parser.parse_args()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    machine = machine_speed()  # before the server starts: the machine as it is
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
    server = _start(env, base)
    try:
        secretary = sign_in(base, "branch", "dangjian-demo-2026")
        admins = {
            role: sign_in(base, role, "dangjian-demo-2026", totp=True)
            for role in ("township", "county", "city", "province")
            if role in ids
        }
        b, c = BRANCH_TARGET_MS, COMMITTEE_TARGET_MS
        pages: list[tuple[str, str, dict[str, str], float | None]] = [
            ("trivial page (/ops/health/live)", "/ops/health/live", {}, None),
            ("branch: home (本月待办)", "/", secretary, b),
            ("branch: member list", f"/members/?org={ids['branch']}", secretary, b),
            ("branch: member page", f"/members/{ids['member']}/", secretary, b),
            ("API: /api/v1/me", "/api/v1/me", secretary, b),
        ]
        for role, label in (
            ("township", "township"),
            ("county", "county"),
            ("city", "city"),
            ("province", "province"),
        ):
            if role not in admins:
                continue
            who, org = admins[role], ids[role]
            pages += [
                (f"{label}: home dashboard", "/", who, c),
                (f"{label}: organization page", f"/reports/organizations/{org}/", who, c),
            ]
            if role == "township":
                continue
            pages += [
                (f"{label}: annual report", f"/reports/organizations/{org}/report/", who, c),
                (f"{label}: member search", "/members/?q=%E5%BC%A0", who, c),
            ]
            if role == "county":
                pages += [
                    ("county: dashboard, figures uncached", "/?refresh=1", who, c),
                    ("county: dues report", f"/dues/org/{org}/report/", who, c),
                    ("county: compliance", f"/activities/compliance/{org}/", who, c),
                    ("county: recruitment", "/recruitment/", who, c),
                ]
                if "assessment" in ids:
                    pages.append(
                        ("county: assessment round", f"/assessment/{ids['assessment']}", who, c)
                    )
        wanted = [w for w in args.pages.split(",") if w]
        unwanted = [w for w in args.skip.split(",") if w]
        pages = [
            p
            for i, p in enumerate(pages)
            if i == 0
            or (
                (not wanted or any(w in p[0] for w in wanted))
                and not any(w in p[0] for w in unwanted)
            )
        ]
        results = []
        cpu_before, wall_before = _server_cpu(server.pid), time.perf_counter()
        server_cpu_so_far = 0.0
        for name, url, headers, target in pages:
            print(f"  {name}…", file=sys.stderr, flush=True)
            # Warm-up: the first visits fill the figure cache and the workers' imports; its
            # median (two clients, closed loop) is near the page's time served alone.
            # A page slower than 15 s alone is not waited for (its "alone" is then empty).
            warm = asyncio.run(
                hammer(base, name, url, headers, min(2.0, args.duration), 2, timeout=15)
            )
            if warm.errors:  # the server still works on them: start afresh
                server_cpu_so_far += _server_cpu(server.pid)
                _stop(server, quick=True)
                server = _start(env, base)
            if args.open:
                result = asyncio.run(
                    open_loop(
                        base,
                        name,
                        url,
                        headers,
                        args.duration,
                        args.users / args.every,
                        args.max_in_flight,
                        args.grace,
                    )
                )
            else:
                result = asyncio.run(
                    hammer(base, name, url, headers, args.duration, args.concurrency, args.think)
                )
            result.target_ms = target
            result.alone_ms = warm.percentile(50)
            results.append(result)
            print(
                f"    alone {result.alone_ms:.0f} ms, p50 {result.percentile(50):.0f} ms, "
                f"p95 {result.percentile(95):.0f} ms, {len(result.latencies)} answered, "
                f"{result.errors} failed, {result.dropped} dropped, {result.unanswered} unanswered",
                file=sys.stderr,
                flush=True,
            )
            if result.unanswered or result.dropped:
                # The server still holds requests nobody waits for: start it again, so the
                # next page is not measured behind them.
                server_cpu_so_far += _server_cpu(server.pid)
                _stop(server, quick=True)
                server = _start(env, base)
        server_cpu = server_cpu_so_far + _server_cpu(server.pid) - cpu_before
        server_wall = time.perf_counter() - wall_before
    finally:
        _stop(server)
    if args.open:
        how = (
            f"open loop: {args.users} people each clicking every {args.every:g} s on average "
            f"(Poisson arrivals, {args.users / args.every:g} req/s offered, at most "
            f"{args.max_in_flight} in flight)"
        )
    elif args.think:
        how = (
            f"{args.concurrency} concurrent clients, each waiting "
            f"{0.5 * args.think:g}-{1.5 * args.think:g} s between requests"
        )
    else:
        how = f"{args.concurrency} concurrent clients, closed loop (no wait between requests)"
    print(
        f"\nload: {how}, {args.duration:g} s per page, gunicorn {args.workers} sync workers, "
        f"production settings, PostgreSQL, loopback, {os.cpu_count()} CPUs, "
        f"load average before {load_before}; server CPU {server_cpu:.0f} s over "
        f"{server_wall:.0f} s wall ({server_cpu / server_wall:.2f} cores)"
    )
    print(machine)
    print()
    print(
        "| page | alone p50 ms | req | err | req/s | p50 ms | p95 ms | p99 ms | target p95 ms "
        "| p95/target | |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    missed = []
    for r in results:
        if r.target_ms is None:
            target_text, ratio, verdict = "—", "—", ""
        else:
            value = r.percentile(95) / r.target_ms
            target_text, ratio = f"{r.target_ms:.0f}", f"{value:.2f}"
            failed = r.errors or r.dropped or r.unanswered
            verdict = "ok" if value <= 1 and not failed else "MISSES"
            if verdict != "ok":
                missed.append(r.page)
        errors = r.errors + r.dropped + r.unanswered
        print(
            f"| {r.page} | {r.alone_ms:.0f} | {len(r.latencies)} | {errors} | {r.rps:.1f} | {r.percentile(50):.1f} | "
            f"{r.percentile(95):.1f} | {r.percentile(99):.1f} | {target_text} | {ratio} | {verdict} |"
        )
    if any(r.errors or r.dropped or r.unanswered for r in results):
        print(
            "\nerrors: non-200 or transport errors; open loop: "
            + "; ".join(
                f"{r.page}: {r.errors} failed, {r.dropped} dropped past the cap, "
                f"{r.unanswered} unanswered after the grace"
                for r in results
                if r.errors or r.dropped or r.unanswered
            )
        )
    if missed:
        print("misses its target: " + "; ".join(missed))


if __name__ == "__main__":
    main()
