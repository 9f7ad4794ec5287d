"""Benchmark of credits_charge against the same transaction in raw SQL (not a test).

    .venv/bin/python bench/credits.py            # about 2 minutes on 2 cores
    BENCH_SECONDS=2 .venv/bin/python bench/credits.py

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/modo_bench), dropped, created and migrated on every run.
For each scenario (one hot organization; 1,000 organizations) and each thread count
(1, 4, 16) it runs, for BENCH_SECONDS each:
  ours: credits.services.charge.credits_charge(amount=1), one Django connection per thread;
  raw:  SELECT ... FOR UPDATE, UPDATE balance, INSERT ledger row, COMMIT through psycopg,
        one connection per thread,
and prints charges per second, p50 / p99 latency and the ratio ours / raw
(BENCH_SERVER_SIDE_BINDING=1 tries Django's connection with server-side binding). Then it runs
credits_audit and counts lost updates (credits that left a balance without a ledger row, or
charges that did not reach the balance): both must be 0.
"""

import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench")
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
THREADS = [int(n) for n in os.environ.get("BENCH_THREADS", "1,4,16").split(",")]
ORGANIZATIONS = 1000
START_CREDITS = 10_000_000

os.environ["DATABASE_URL"] = BENCH_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "modo.settings.test"

import psycopg  # noqa: E402

recreate_database(BENCH_URL)

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if os.environ.get("BENCH_SERVER_SIDE_BINDING") == "1":
    # An experiment, not the project's setting: psycopg binds parameters on the server and
    # prepares statements used 5 times, as the raw side does.
    settings.DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Organization  # noqa: E402
from credits.models import CreditBalance, CreditTransaction  # noqa: E402
from credits.services.charge import credits_charge  # noqa: E402
from credits.services.grants import credits_grant  # noqa: E402


@dataclass
class Cell:
    charges: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def per_second(self) -> float:
        return self.charges / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


charged: Counter = Counter()  # organization id -> credits charged successfully, both implementations
charged_lock = threading.Lock()


def ours_worker() -> tuple:
    def setup():
        connection.ensure_connection()
        return None

    def charge(_state, organization):
        credits_charge(organization=organization, amount=1, feature="bench")

    def teardown(_state):
        connection.close()

    return setup, charge, teardown


RAW_LOCK = "SELECT balance, bonus_balance FROM credits_creditbalance WHERE organization_id = %s FOR UPDATE"
RAW_UPDATE = (
    "UPDATE credits_creditbalance SET balance = %s, bonus_balance = %s, updated_at = now() WHERE organization_id = %s"
)
RAW_INSERT = (
    "INSERT INTO credits_credittransaction (id, organization_id, user_id, type, amount, main_amount, bonus_amount, "
    "balance_after, bonus_balance_after, feature, reference_type, reference_id, description, refund_of_id, "
    "created_at) VALUES (%s, %s, NULL, 'usage', %s, %s, %s, %s, %s, 'bench', '', '', '', NULL, now())"
)


def raw_worker() -> tuple:
    dsn = BENCH_URL

    def setup():
        return psycopg.connect(dsn)

    def charge(conn, organization):
        amount = 1
        with conn.cursor() as cursor:
            cursor.execute(RAW_LOCK, (organization.pk,))
            main, bonus = cursor.fetchone()
            if main + bonus < amount:
                conn.rollback()
                raise RuntimeError("no credits")
            from_bonus = min(bonus, amount)
            main -= amount - from_bonus
            bonus -= from_bonus
            cursor.execute(RAW_UPDATE, (main, bonus, organization.pk))
            cursor.execute(
                RAW_INSERT,
                (uuid.uuid4(), organization.pk, -amount, -(amount - from_bonus), -from_bonus, main, bonus),
            )
        conn.commit()

    def teardown(conn):
        conn.close()

    return setup, charge, teardown


def run_cell(make_worker, organizations: list[Organization], threads: int) -> Cell:
    cell = Cell()
    lock = threading.Lock()
    ready = threading.Barrier(threads + 1)
    go = threading.Event()
    deadline = [0.0]

    def run(index: int) -> None:
        setup, charge, teardown = make_worker()
        rng = random.Random(index)
        latencies: list[float] = []
        local_charged: Counter = Counter()
        errors: list[str] = []
        state = setup()
        try:
            ready.wait()
            go.wait()
            while time.perf_counter() < deadline[0]:
                organization = organizations[0] if len(organizations) == 1 else rng.choice(organizations)
                started = time.perf_counter()
                try:
                    charge(state, organization)
                except Exception as exc:  # counted and printed: the run must have none
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - started)
                local_charged[organization.pk] += 1
        finally:
            teardown(state)
            with lock:
                cell.latencies.extend(latencies)
                cell.charges += len(latencies)
                cell.errors.extend(errors)
            with charged_lock:
                charged.update(local_charged)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.perf_counter()
    deadline[0] = started + SECONDS
    go.set()
    for worker in workers:
        worker.join()
    cell.elapsed = time.perf_counter() - started
    return cell


def make_organizations() -> tuple[list[Organization], list[Organization]]:
    hot = Organization.objects.create(name="bench hot")
    spread = Organization.objects.bulk_create(
        [Organization(name=f"bench {i:04d}") for i in range(ORGANIZATIONS)], batch_size=500
    )
    for organization in [hot, *spread]:
        credits_grant(organization=organization, amount=START_CREDITS, description="bench")
    return [hot], spread


def lost_updates(organizations: list[Organization]) -> int:
    """Charges counted by the threads that the balances do not show, or the other way round."""
    held = dict(CreditBalance.objects.filter(organization__in=organizations).values_list("organization_id", "balance"))
    return sum(abs((START_CREDITS - held[o.pk]) - charged[o.pk]) for o in organizations)


def main() -> int:
    call_command("migrate", verbosity=0)
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, {os.cpu_count()} cores, "
        f"{SECONDS:g} s per cell"
    )
    hot, spread = make_organizations()
    connection.close()

    header = (
        f"{'scenario':<18} {'threads':>7} {'ours/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'raw/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ours/raw':>8}"
    )
    print(header)
    print("-" * len(header))
    errors: list[str] = []
    for label, organizations in (("1 hot organization", hot), ("1,000 organizations", spread)):
        for threads in THREADS:
            ours = run_cell(ours_worker, organizations, threads)
            raw = run_cell(raw_worker, organizations, threads)
            errors += ours.errors + raw.errors
            ratio = ours.per_second / raw.per_second if raw.per_second else float("nan")
            print(
                f"{label:<18} {threads:>7} {ours.per_second:>8.0f} {ours.percentile(0.5):>7.2f}"
                f" {ours.percentile(0.99):>7.2f} {raw.per_second:>8.0f} {raw.percentile(0.5):>7.2f}"
                f" {raw.percentile(0.99):>7.2f} {ratio:>8.2f}",
                flush=True,
            )

    print()
    try:
        call_command("credits_audit")
        audit_code = 0
    except SystemExit as exit_:
        audit_code = exit_.code
    lost = lost_updates(hot + spread)
    usage_rows = CreditTransaction.objects.filter(type="usage").count()
    print(f"charges counted by the threads: {sum(charged.values())}, usage ledger rows: {usage_rows}")
    print(f"lost updates: {lost}")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    connection.close()
    return 0 if lost == 0 and audit_code == 0 and not errors and usage_rows == sum(charged.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
