"""The schemathesis run against /api/v1/ at a large budget (the test suite runs 8 examples).

    .venv/bin/python bench/api_fuzz.py [--examples 500] [--postgres]

Runs dangjian/api/tests/test_fuzz.py with DANGJIAN_FUZZ_EXAMPLES set, on SQLite (or the
PostgreSQL of DATABASE_URL with --postgres), and prints the operations, examples and time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--all-checks",
        action="store_true",
        help="every schemathesis check (but ST202, see test_fuzz.py)",
    )
    args = parser.parse_args()
    env = {
        **os.environ,
        "DANGJIAN_FUZZ_EXAMPLES": str(args.examples),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DANGJIAN_FUZZ_CHECKS": "all" if args.all_checks else "",
    }
    if args.postgres:
        env.setdefault("DATABASE_URL", "postgresql:///dangjian?host=/var/run/postgresql")
    else:
        env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "dangjian/api/tests/test_fuzz.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    summary = [
        line for line in result.stdout.splitlines() if " passed" in line or " failed" in line
    ]
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
    print(f"examples per operation: {args.examples}")
    checks = "all but positive_data_acceptance" if args.all_checks else "server errors, schema"
    print(f"checks: {checks}")
    print(f"result: {summary[-1] if summary else result.stdout[-2000:]}")
    print(f"seconds: {seconds:.1f}")
    if result.returncode:
        print(result.stdout[-5000:])
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
