"""Benchmark of the staff analytics queries (analytics/selectors/) on a large history (not a test).

    .venv/bin/python bench/analytics.py                 # minutes: most of it generating 2M rows in Python
    BENCH_USAGE_ROWS=200000 .venv/bin/python bench/analytics.py
    BENCH_PLANS=full .venv/bin/python bench/analytics.py   # print whole plans, not their summary
    BENCH_REUSE=1 .venv/bin/python bench/analytics.py      # measure again without reloading

It drops, creates and migrates `modo_bench_analytics` (BENCH_DATABASE_URL), then loads with
COPY (psycopg): 1,000 organizations created over the last two years; 1,000,000 AI usage rows
(BENCH_USAGE_ROWS) spread evenly over the same two years (BENCH_HISTORY_DAYS), a few heavy
organizations and many light ones (a row may predate its organization: no query minds); the
ledger rows of those generations (a usage row per charge, a refund row per failed one); the
orders of the paying organizations (monthly plans and packs, some failed or expired) with
their grant/purchase ledger rows and subscriptions. Then VACUUM ANALYZE, and for a 30-day and
a 365-day range ending today it times each selector (median of 5 runs after one warm-up) and
prints the summary of `EXPLAIN (ANALYZE, BUFFERS)` of each statement the selector runs: the
scans (with the index used), the execution time and the buffers. Exit 1 if any median is
over BENCH_TARGET_MS (200).

Before measuring it backfills the daily rollups (analytics.services.rollup_backfill, what
`manage.py analytics_rollup --since` runs) over the whole history and VACUUMs them, timed and
printed on their own; the selectors then read the rollups for every closed day and the live
tables for today. BENCH_ROLLUPS=off measures the live queries alone (no rollup day).

The settings are in bench/analyticskit/config.py, the synthetic history in
bench/analyticskit/history.py; this file sets up Django, loads, and measures.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.analyticskit.config import (  # noqa: E402
    BENCH_URL,
    FULL_PLANS,
    ROLLUPS,
    RUNS,
    TARGET_MS,
)
from bench.benchdb import recreate_database  # noqa: E402

os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ["DJANGO_SETTINGS_MODULE"] = "modo.settings.test"

import psycopg  # noqa: E402

REUSE = os.environ.get("BENCH_REUSE") == "1"  # measure again on the rows of the last run
if not REUSE:
    recreate_database(BENCH_URL)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics import services  # noqa: E402
from analytics.models import RollupDay  # noqa: E402
from analytics.selectors.conversion import trial_conversion  # noqa: E402
from analytics.selectors.credits_spent import credits_spent_per_day  # noqa: E402
from analytics.selectors.margins import margin_per_feature  # noqa: E402
from analytics.selectors.organizations import top_organizations  # noqa: E402
from analytics.selectors.periods import Period  # noqa: E402
from analytics.selectors.provider_health import provider_health  # noqa: E402
from analytics.selectors.revenue import revenue_per_day  # noqa: E402
from bench.analyticskit.history import load  # noqa: E402


def rollup() -> None:
    """Backfill the daily rollups over the whole history (or empty them: BENCH_ROLLUPS=off)."""
    if not ROLLUPS:
        RollupDay.objects.all().delete()  # every day is then read live
        print("rollups off (BENCH_ROLLUPS=off): every day is read from the live tables")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(created_at) FROM aigen_aiusagelog")
        first = cursor.fetchone()[0]
    since = timezone.localdate(first) if first else timezone.localdate()
    started, cpu_started = time.perf_counter(), time.process_time()
    results = services.rollup_backfill(since=since)
    backfill = time.perf_counter() - started
    with psycopg.connect(BENCH_URL, autocommit=True) as conn:
        vacuum_started = time.perf_counter()
        for table in ("rollupday", "dailyfeaturecredits", "dailyorganizationcredits", "dailyproviderusage",
                      "dailyproviderdurations"):  # fmt: skip
            conn.execute(f"VACUUM (ANALYZE) analytics_{table}")  # the visibility map: index-only scans
        vacuum = time.perf_counter() - vacuum_started
        sizes = conn.execute(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname LIKE 'analytics_%' ORDER BY relname"
        ).fetchall()
    days = sum(len(result.days) for result in results)
    print(f"rollup backfill from {since}: {days:,} day-recomputations in {backfill:.1f} s "
          f"({time.process_time() - cpu_started:.1f} s of it Python), VACUUM ANALYZE {vacuum:.1f} s; "
          + ", ".join(f"{name} {rows:,} rows" for name, rows in sizes))  # fmt: skip
    started = time.perf_counter()
    refreshed = services.rollup_refresh()
    print(f"one beat run (analytics_rollup): {len(refreshed.days)} days recomputed in "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip


SELECTORS = [
    ("credits per day by feature", credits_spent_per_day),
    ("revenue per day by gateway", revenue_per_day),
    ("margin per feature", margin_per_feature),
    ("provider errors and p95", provider_health),
    ("top organizations", top_organizations),
    ("trial-to-paid conversion", trial_conversion),
]
PLAN_WORDS = ("Scan", "Join", "Aggregate", "Execution Time", "Planning Time", "Buffers", "Sort", "Workers")


def explain(sql: str, session: list[str]) -> list[str]:
    """The plan of `sql`, run after the selector's own SET LOCAL statements (`session`)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in session:
            cursor.execute(statement)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    if FULL_PLANS:
        return lines
    summary = [line for line in lines if any(word in line for word in PLAN_WORDS)]
    return [line.split("  (cost=")[0].rstrip() if "(cost=" in line else line for line in summary]


def backend_cpu_ms(selector, period: Period) -> float | None:
    """CPU time the PostgreSQL backend spent on one run, without parallel workers (least of 3).

    On a shared machine wall time mostly measures the neighbours; this is what the query
    costs, and about its wall time on an idle machine (the rows are in memory). Linux only.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
        if not stat.exists():
            return None
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        try:
            spent = []
            for _ in range(3):
                before = int(stat.read_text().split()[0])
                selector(period=period)
                spent.append((int(stat.read_text().split()[0]) - before) / 1e6)
        finally:
            cursor.execute("RESET max_parallel_workers_per_gather")
    return min(spent)


def measure(label: str, selector, period: Period) -> tuple[float, float | None]:
    selector(period=period)  # warm-up: the pages are hot in a running system too
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        selector(period=period)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    cpu = backend_cpu_ms(selector, period)
    verdict = "ok" if median <= TARGET_MS else "OVER TARGET"
    print(f"\n### {label}, {period.start} .. {period.end}: median {median:.1f} ms "
          f"(min {min(timings):.1f}, max {max(timings):.1f}) {verdict}; "
          f"backend CPU, serial: {cpu if cpu is None else round(cpu, 1)} ms")  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        selector(period=period)
    session = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith("SET LOCAL"):
            session.append(sql)
            print("  " + sql)
            continue
        if not sql.startswith("SELECT"):
            continue  # BEGIN, COMMIT
        if "billing_plan" in sql or "billing_creditpack" in sql or '"accounts_organization"."id" IN' in sql:
            continue  # catalogue rows and names by primary key: a handful of rows
        if 'FROM "analytics_rollupday"' in sql:
            continue  # which days are rolled up: one row per day of the range
        print("  " + sql[:150] + ("..." if len(sql) > 150 else ""))
        for line in explain(sql, session):
            print("    " + line)
    return median, cpu


def main() -> int:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_workers_per_gather")
        workers = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, {os.cpu_count()} cores, max_parallel_workers_per_gather {workers}")
    if REUSE:
        print("reusing the rows of the last run (BENCH_REUSE=1)")
    else:
        load(timezone.now())
    rollup()
    connection.close()
    results = []
    for days in (30, 365):
        period = Period.last_days(days)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM aigen_aiusagelog WHERE created_at >= %s AND created_at < %s",
                [period.starts_at, period.ends_at],
            )
            rows = cursor.fetchone()[0]
            started = time.perf_counter()
            cursor.execute(
                "SELECT count(*) FROM credits_credittransaction WHERE type = 'usage' AND created_at >= %s "
                "AND created_at < %s",
                [period.starts_at, period.ends_at],
            )
            charges = cursor.fetchone()[0]
            bare = (time.perf_counter() - started) * 1000
            # A yardstick for the machine's load at this moment: the cheapest pass over the same rows.
            print(f"\n## last {days} days: {rows:,} usage rows, {charges:,} ledger charges in range "
                  f"(a bare count(*) of those charges: {bare:.0f} ms)")  # fmt: skip
        for label, selector in SELECTORS:
            results.append((days, label, *measure(label, selector, period)))
    print(f"\n## summary (median of {RUNS} runs, ms)")
    print(f"{'query':<30} {'30 days':>9} {'(cpu)':>7} {'365 days':>9} {'(cpu)':>7}")
    for label, _selector in SELECTORS:
        cells = {days: (ms, cpu or float("nan")) for days, name, ms, cpu in results if name == label}
        print(f"{label:<30} {cells[30][0]:>9.1f} {cells[30][1]:>7.1f} {cells[365][0]:>9.1f} {cells[365][1]:>7.1f}")
    over = [r for r in results if r[2] > TARGET_MS]
    print(f"\ntarget {TARGET_MS:g} ms per query: " + ("met" if not over else f"{len(over)} over"))
    return 0 if not over else 1


if __name__ == "__main__":
    sys.exit(main())
