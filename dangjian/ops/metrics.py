"""Request metrics in the Prometheus text format, kept in this process's memory.

Only what monitoring needs and nothing about people: the URL *route* (``members/<int:pk>/``,
never the path with its numbers), the method, the status class, and a latency histogram. Each
server process keeps its own counters; Prometheus scrapes each worker through the same URL
and sums (docs/deploy.md, "Monitoring").
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

# Upper bounds in seconds; the targets of issue 12 are 0.1 s (branch pages) and 0.3 s (dashboards).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0
    observations: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.observations += 1


class Registry:
    """Counters and histograms of one process, safe for threaded servers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency: dict[str, Histogram] = defaultdict(Histogram)
        self.started = time.time()

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(route, method, f"{status // 100}xx")] += 1
            self.latency[route].observe(seconds)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.latency.clear()

    def render(
        self,
        *,
        database_up: bool,
        migrations_applied: bool,
        replica: bool = False,
        replica_behind: int | None = None,
    ) -> str:
        """`replica`: one is configured; `replica_behind`: the bytes of WAL it has not replayed
        yet, None when it does not answer."""
        lines = [
            "# HELP dangjian_http_requests_total Requests served, by URL route, method and status class.",
            "# TYPE dangjian_http_requests_total counter",
        ]
        with self._lock:
            for (route, method, status), count in sorted(self.requests.items()):
                labels = f'route="{_escape(route)}",method="{method}",status="{status}"'
                lines.append(f"dangjian_http_requests_total{{{labels}}} {count}")
            lines += [
                "# HELP dangjian_http_request_duration_seconds Time to serve a request, by URL route.",
                "# TYPE dangjian_http_request_duration_seconds histogram",
            ]
            for route, histogram in sorted(self.latency.items()):
                label = f'route="{_escape(route)}"'
                cumulative = 0
                for bound, count in zip(BUCKETS, histogram.counts, strict=False):
                    cumulative += count
                    lines.append(
                        f'dangjian_http_request_duration_seconds_bucket{{{label},le="{bound}"}} '
                        f"{cumulative}"
                    )
                lines.append(
                    f'dangjian_http_request_duration_seconds_bucket{{{label},le="+Inf"}} '
                    f"{histogram.observations}"
                )
                lines.append(
                    f"dangjian_http_request_duration_seconds_sum{{{label}}} {histogram.total:.6f}"
                )
                lines.append(
                    f"dangjian_http_request_duration_seconds_count{{{label}}} "
                    f"{histogram.observations}"
                )
        lines += [
            "# HELP dangjian_database_up Whether the database answered a query (1) or not (0).",
            "# TYPE dangjian_database_up gauge",
            f"dangjian_database_up {int(database_up)}",
            "# HELP dangjian_migrations_applied Whether every migration is applied (1) or not (0).",
            "# TYPE dangjian_migrations_applied gauge",
            f"dangjian_migrations_applied {int(migrations_applied)}",
            "# HELP dangjian_process_start_time_seconds When this server process started.",
            "# TYPE dangjian_process_start_time_seconds gauge",
            f"dangjian_process_start_time_seconds {self.started:.0f}",
        ]
        if replica:
            behind = replica_behind
            lines += [
                "# HELP dangjian_replica_up Whether the read replica answered (1) or not (0).",
                "# TYPE dangjian_replica_up gauge",
                f"dangjian_replica_up {int(behind is not None)}",
            ]
            if behind is not None:
                lines += [
                    "# HELP dangjian_replica_behind_bytes The primary's WAL the replica has not "
                    "replayed yet.",
                    "# TYPE dangjian_replica_behind_bytes gauge",
                    f"dangjian_replica_behind_bytes {behind}",
                ]
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


REGISTRY = Registry()


def route_of(request: HttpRequest) -> str:
    """The matched URL pattern (no numbers, no names), or a fixed word when none matched."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "(unmatched)"
    return "/" + str(match.route)


class MetricsMiddleware:
    """Times every request. First in the middleware list so that it sees the whole response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REGISTRY.observe(
            route_of(request),
            request.method or "",
            response.status_code,
            time.perf_counter() - started,
        )
        return response
