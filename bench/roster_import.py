"""Roster import and export: rows per second, peak memory, and the ratio to a raw bulk insert.

    .venv/bin/python bench/roster_import.py --size 10000                 # SQLite and PostgreSQL
    .venv/bin/python bench/roster_import.py --size 100000 --databases sqlite
    .venv/bin/python bench/roster_import.py --size 1000000 --format xlsx

Each database runs in its own process on a fresh database (a temporary SQLite file; the
PostgreSQL database named by --pg-url, default dj_roster_bench, dropped and created). The
process generates a roster file (unique valid ID numbers, realistic spellings: labels,
`2008.10` and `2008/10/1` dates), imports it with full validation through the same job
functions as the page and the command, then:

- export: the whole roster to .xlsx and .csv (with --export-size rows at most), as the
  county administrator (every ID number decrypted);
- raw: the same rows, prepared without any validation (one constant encrypted value),
  written with COPY (PostgreSQL) or executemany (SQLite) into the same three tables
  (members, membership rows, archive entries) in a transaction that is rolled back after the
  deferred foreign-key checks have run (`SET CONSTRAINTS ALL IMMEDIATE` on PostgreSQL; SQLite
  checks them at commit, which the rollback skips).

Files of `importing.PARALLEL_ROWS` rows or more are checked by worker processes, one per core,
on a machine of `importing.PARALLEL_MIN_CORES` cores or more (decision 0270); `--workers 0`
forces the plain path, `--workers N` N workers (at least 2) at any size and core count.
CPU seconds are given for the importing process and for its children (the workers; for .xlsx
the reading child) beside the wall clock, and the load average before each phase: on a shared
machine the wall clock is inflated, CPU seconds much less.

Peak memory is the process's maximum resident set (ru_maxrss) after each phase, the growth
over the baseline after Django's start-up, and the largest child's. The maximum only grows, so
the phases run in that order: the export's peak shows only where it passes the import's, and the
raw phase, which holds every prepared row in memory (the benchmark's, not the product's), comes
last (`peak_after_raw_mb`). Figures depend heavily on the machine; on a shared machine they are
a lower bound.

Targets (issue 20): 50,000 rows/s on PostgreSQL with full validation, at least 1/3 of the raw
COPY, under 500 MB at a million rows.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强文华海燕红梅玉兰春梅晓东晓明小红丽娟国强德华永红凤英"
REGIONS = ["110101", "110102", "110105", "110108", "120101", "310101", "310104", "120103"]
EDUCATIONS = ["大学本科", "本科", "大学专科", "大专", "中等专科", "普通高中", "初中", "硕士研究生"]
OCCUPATIONS = [
    "工人",
    "农牧渔民",
    "专业技术人员",
    "企事业单位管理人员",
    "党政机关工作人员",
    "离退休人员",
]
BRANCHES = 200
HEADERS = [
    "姓名",
    "公民身份号码",
    "性别",
    "民族",
    "出生日期",
    "学历",
    "工作岗位",
    "联系电话",
    "人员类别",
    "入党日期",
    "转正日期",
    "党组织代码",
]


def cpu_s() -> float:
    """CPU seconds of this process (user + system): less sensitive to a busy machine than the
    wall clock, but without the PostgreSQL server's share of the work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu_s() -> float:
    """CPU seconds of the finished children (validation workers, the sheet-reading child)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu_s() -> float:
    """CPU seconds of this connection's PostgreSQL backend (from /proc: the bench runs on the
    database's machine); 0 on SQLite, whose work is inside this process already."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> float:
    return round(os.getloadavg()[0], 2)


TARGET_ROWS_PER_S = 50_000
TARGET_RATIO_TO_RAW = 1 / 3
TARGET_PEAK_MB = 500


def generate(path: Path, size: int, seed: int = 3) -> None:
    """A roster of `size` members with unique, valid ID numbers, spread over the branches."""
    from dangjian.members.idnumbers import make_id_number

    rng = random.Random(seed)
    start = dt.date(1950, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(size):
            # Unique by construction: (region, birth day, serial, sex) never repeats.
            day, rest = divmod(i, len(REGIONS) * 500)
            region_index, serial = divmod(rest, 500)
            birth = start + dt.timedelta(days=(day * 7919) % 18000)
            sex = "1" if i % 7 else "2"
            number = make_id_number(REGIONS[region_index], birth, serial, sex)
            if i % 11 == 0 and number.endswith("X"):
                number = number[:17] + "x"
            joined = dt.date(birth.year + rng.randint(19, 40), rng.randint(1, 12), 1)
            joined = min(joined, dt.date(2023, 6, 1))
            spelling = i % 3
            joined_text = (
                joined.isoformat()
                if spelling == 0
                else f"{joined.year}.{joined.month:02d}"  # 1985.03: 1985.1 is ambiguous
                if spelling == 1
                else f"{joined.year}/{joined.month}/{joined.day}"
            )
            full = joined.replace(year=joined.year + 1)
            writer.writerow(
                [
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    number,
                    "男" if sex == "1" else "女",
                    "汉族" if i % 20 else "回族",
                    "" if i % 2 else birth.isoformat(),
                    rng.choice(EDUCATIONS),
                    rng.choice(OCCUPATIONS),
                    f"138{i:08d}",
                    "正式党员",
                    joined_text,
                    full.isoformat(),
                    f"B{i % BRANCHES:04d}",
                ]
            )


def build_county() -> tuple[Any, Any]:
    """A superuser and a county committee with BRANCHES branches (codes B0000…), for the
    generated rosters' organization codes; run after migrate in a fresh database."""
    from django.contrib.auth import get_user_model

    from dangjian.organizations import services as organization_services
    from dangjian.organizations.choices import OrgKind

    actor = get_user_model().objects.create_superuser("bench", password="x")  # noqa: S106
    county = organization_services.organization_create(
        actor=actor,
        parent=None,
        fields={"name": "基准县委", "code": "C0001", "kind": OrgKind.LOCAL_COMMITTEE},
    )
    for b in range(BRANCHES):
        organization_services.organization_create(
            actor=actor,
            parent=county,
            fields={"name": f"第{b}支部", "code": f"B{b:04d}", "kind": OrgKind.BRANCH},
        )
    return actor, county


def worker(args: argparse.Namespace) -> dict[str, object]:
    from _setup import fresh_database

    backend = fresh_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    actor, county = build_county()
    directory = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    source = directory / f"roster-{args.size}.csv"
    started = time.perf_counter()
    generate(source, args.size)
    generated = time.perf_counter() - started
    if args.format == "xlsx":
        source = _to_xlsx(source)
    from dangjian.roster import importing, services
    from dangjian.roster.choices import ImportKind, JobStatus

    if args.workers is not None:
        importing.PARALLEL_ROWS = 0 if args.workers else 10**12
        importing.PARALLEL_MIN_CORES = 1
        importing.MAX_WORKERS = max(args.workers, 1)

    baseline = peak_mb()
    results: dict[str, object] = {"database": backend, "rows": args.size, "format": args.format}
    results["generate_s"] = round(generated, 2)
    results["load_before_import"] = load()
    job = services.job_create(
        actor=actor, kind=ImportKind.MEMBERS, upload=source, organization=county
    )
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: steadier on a busy machine
        profiler.enable()
    started = time.perf_counter()
    cpu_started = cpu_s()
    children_started = children_cpu_s()
    server_started = server_cpu_s()
    job = services.job_validate(job.pk)
    validated = time.perf_counter() - started
    validate_cpu = cpu_s() - cpu_started
    if job.status != JobStatus.VALIDATED or job.error_rows:
        raise SystemExit(f"the generated roster did not validate: {job.message} {job.errors[:5]}")
    started = time.perf_counter()
    job = services.job_commit(job.pk)
    committed = time.perf_counter() - started
    cpu = cpu_s() - cpu_started
    children_cpu = children_cpu_s() - children_started
    server_cpu = server_cpu_s() - server_started
    if profiler is not None:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
    assert job.status == JobStatus.DONE, job.message
    total = validated + committed
    results |= {
        "validate_s": round(validated, 2),
        "commit_s": round(committed, 2),
        "import_rows_per_s": round(args.size / total),
        "ratio_to_target": round(args.size / total / TARGET_ROWS_PER_S, 3),
        "import_cpu_s": round(cpu, 2),
        "validate_cpu_s": round(validate_cpu, 2),
        "commit_cpu_s": round(cpu - validate_cpu, 2),
        "children_cpu_s": round(children_cpu, 2),
        "server_cpu_s": round(server_cpu, 2),
        "rows_per_cpu_s": round(args.size / (cpu + children_cpu + server_cpu)),
        "peak_mb": round(peak_mb()),
        "growth_mb": round(peak_mb() - baseline),
        "peak_ratio_to_limit": round(peak_mb() / TARGET_PEAK_MB, 2),
    }
    # The export before the raw insert: the raw phase holds every prepared row in this process
    # (the benchmark's own data, not the product's), which would hide the export's peak.
    if args.export_size:
        results |= export(actor, directory, args.export_size)
    results["load_before_raw"] = load()
    raw_seconds, raw_cpu, raw_server_cpu = raw_insert(
        source if args.format == "csv" else directory / f"roster-{args.size}.csv", county.pk
    )
    results["raw_s"] = round(raw_seconds, 2)
    results["raw_rows_per_s"] = round(args.size / raw_seconds)
    results["raw_cpu_s"] = round(raw_cpu, 2)
    results["raw_server_cpu_s"] = round(raw_server_cpu, 2)
    results["raw_rows_per_cpu_s"] = round(args.size / (raw_cpu + raw_server_cpu))
    results["ratio_to_raw"] = round(raw_seconds / total, 3)
    results["cpu_ratio_to_raw"] = round(
        (raw_cpu + raw_server_cpu) / (cpu + children_cpu + server_cpu), 3
    )
    results["raw_ratio_to_target"] = round(raw_seconds / total / TARGET_RATIO_TO_RAW, 2)
    results["peak_after_raw_mb"] = round(peak_mb())  # the raw phase's prepared rows included
    return results


def _to_xlsx(source: Path) -> Path:
    import xlsxwriter

    target = source.with_suffix(".xlsx")
    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    with source.open(encoding="utf-8") as handle:
        for r, row in enumerate(csv.reader(handle)):
            sheet.write_row(r, 0, row)
    workbook.close()
    return target


def raw_insert(source: Path, organization_id: int) -> tuple[float, float, float]:
    """The same rows, no validation, straight into the three tables; rolled back."""
    import hashlib
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.core import crypto
    from dangjian.members import bulk
    from dangjian.members.models import ArchiveEntry, Member, Membership
    from dangjian.roster import importing

    token = crypto.encrypt_text("110101198001010010")
    postgres = connection.vendor == "postgresql"
    now: object = timezone.now()
    convert = (lambda value: value) if postgres else bulk.sqlite_value
    now = convert(now)
    true: object = True if postgres else 1

    def public_id() -> object:
        return uuid.uuid4() if postgres else uuid.uuid4().hex

    # Prepared before the clock starts: the database values of every row, no validation. The
    # indexed values are the import's (pinyin, initials, lookup hash, phone, branch), so the
    # database maintains the same indexes over the same kind of keys.
    from dangjian.organizations.models import Organization

    branches = dict(Organization.objects.values_list("code", "pk"))
    paths = dict(Organization.objects.values_list("pk", "path"))
    pinyin = importing.NamePinyin()
    with source.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        prepared = []
        for row in reader:
            number = row[1].upper()
            birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            joined = _loose_date(row[9])
            full = dt.date.fromisoformat(row[10])
            prepared.append(
                (
                    row[0],
                    *pinyin(row[0]),
                    # not the import's own hashes (its members are in the table already)
                    hashlib.sha256(f"raw{number}".encode()).hexdigest(),
                    row[7],
                    branches.get(row[11], organization_id),
                    convert(birth),
                    convert(joined),
                    convert(full),
                )
            )
    started = time.perf_counter()
    cpu_started = cpu_s()
    server_started = server_cpu_s()

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            writer = bulk.TableWriter()
            for offset in range(0, len(prepared), importing.BATCH):
                chunk = prepared[offset : offset + importing.BATCH]
                ids = writer.allocate_member_ids(len(chunk))
                members, memberships, archive = [], [], []
                for member_id, values in zip(ids, chunk, strict=True):
                    name, name_pinyin, initials, lookup, phone, branch, born, on, full_on = values
                    members.append(
                        (
                            member_id,
                            public_id(),
                            name,
                            name_pinyin,
                            initials,
                            "1",
                            "01",
                            token,
                            lookup,
                            born,
                            "",
                            "21",
                            "",
                            "WORKER",
                            "",
                            "",
                            phone,
                            "",
                            "FULL",
                            on,
                            full_on,
                            "NORMAL",
                            False,
                            False,
                            False,
                            now,
                            now,
                            paths[branch],
                        )
                    )
                    memberships.append((member_id, branch, on, None, "OTHER", "", true))
                    archive.append((member_id, now, on, None, "CREATED", "导入", "{}", "{}", ""))
                writer.write(Member, bulk.MEMBER_FIELDS, members)
                writer.write(Membership, bulk.MEMBERSHIP_FIELDS, memberships)
                writer.write(ArchiveEntry, bulk.ARCHIVE_FIELDS, archive)
            if postgres:  # the foreign keys are deferred: checked here, as the import's commit does
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            elapsed = time.perf_counter() - started
            cpu = cpu_s() - cpu_started
            server = server_cpu_s() - server_started
            raise Rollback
    except Rollback:
        pass
    assert connection.vendor
    return elapsed, cpu, server


def _loose_date(text: str) -> dt.date:
    for separator in ".-/":
        if separator in text:
            parts = [int(p) for p in text.split(separator)]
            return dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    raise ValueError(text)


def export(actor: object, directory: Path, limit: int) -> dict[str, object]:
    from dangjian.accounts.scope import scope_for
    from dangjian.members import selectors
    from dangjian.roster import exporting

    queryset = selectors.member_list(user=actor, filters=selectors.MemberFilters())
    queryset = queryset.filter(pk__in=queryset.order_by("pk").values("pk")[:limit])
    figures: dict[str, object] = {}
    for suffix in ("xlsx", "csv"):
        started = time.perf_counter()
        cells = exporting.export_cells(exporting.export_queryset(queryset), scope=scope_for(actor))
        target = directory / f"export.{suffix}"
        count = (exporting.write_xlsx if suffix == "xlsx" else exporting.write_csv)(target, cells)
        seconds = time.perf_counter() - started
        figures[f"export_{suffix}_rows"] = count
        figures[f"export_{suffix}_s"] = round(seconds, 2)
        figures[f"export_{suffix}_rows_per_s"] = round(count / seconds)
    figures["peak_after_export_mb"] = round(peak_mb())
    figures["export_peak_ratio_to_limit"] = round(peak_mb() / TARGET_PEAK_MB, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000, help="rows: 10000, 100000, 1000000")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url", default="postgresql:///dj_roster_bench?host=/var/run/postgresql"
    )
    parser.add_argument(
        "--export-size", type=int, default=100_000, help="0: no export phase (bench/exports.py)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="validation workers: 0 the plain path; default one per core from PARALLEL_ROWS rows",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="print the N costliest functions (CPU) to stderr"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args), ensure_ascii=False))
        return
    rows = []
    for database in args.databases.split(","):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DANGJIAN_VAR_DIR")}
        if database == "postgresql":
            env["DATABASE_URL"] = args.pg_url
        command = [sys.executable, __file__, "--worker", "--size", str(args.size)]
        command += ["--format", args.format, "--export-size", str(args.export_size)]
        command += ["--profile", str(args.profile)]
        if args.workers is not None:
            command += ["--workers", str(args.workers)]
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        if args.profile:
            print(output.stderr, file=sys.stderr)
        rows.append(json.loads(output.stdout.strip().splitlines()[-1]))
    from _setup import machine_speed

    print(f"roster import benchmark: {args.size:,} rows, {args.format}, {os.cpu_count()} cores")
    print(machine_speed())
    print(
        f"targets: {TARGET_ROWS_PER_S:,} rows/s on PostgreSQL, >= 1/3 of raw COPY, "
        f"< {TARGET_PEAK_MB} MB at 1M rows; ratio_to_target = rows/s / {TARGET_ROWS_PER_S:,}"
    )
    keys = list(rows[0])
    print(f"{'':24}" + "".join(f"{r['database']:>14}" for r in rows))
    for key in keys[1:]:
        print(f"{key:24}" + "".join(f"{r[key]!s:>14}" for r in rows))


if __name__ == "__main__":
    main()
