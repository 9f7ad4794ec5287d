"""Benchmark of paying orders when every paid order takes the next invoice number (not a test).

    .venv/bin/python bench/invoices.py
    BENCH_ORDERS=200 BENCH_THREADS=1,8 .venv/bin/python bench/invoices.py

The invoice sequence is one row per year, locked in each fulfilment's transaction: every paid
order in the country queues on it. This prints paid orders per second and p50 / p99 latency of
`order_status_apply(..., "paid")` (fulfilment, ledger rows, invoice) for each thread count, and
checks the numbers: consecutive, no gap, no duplicate (exit 1 otherwise). Uses its own database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/modo_bench), dropped, created and
migrated on every run.
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench")
ORDERS = int(os.environ.get("BENCH_ORDERS", "400"))
THREADS = [int(n) for n in os.environ.get("BENCH_THREADS", "1,4,16").split(",")]

os.environ["DATABASE_URL"] = BENCH_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "modo.settings.test"
recreate_database(BENCH_URL)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Organization  # noqa: E402
from billing.models import CreditPack, Invoice, Order  # noqa: E402
from billing.services.fulfilment import order_status_apply  # noqa: E402


def orders_make(count: int, tag: str) -> list[str]:
    pack = CreditPack.objects.get(code="credits-100")
    organizations = [Organization.objects.create(name=f"bench {tag} {i}") for i in range(20)]
    rows = [
        Order(
            order_id=f"BENCH-{tag}-{i}",
            organization=organizations[i % 20],
            kind=Order.Kind.PACK,
            pack=pack,
            item_name=pack.name,
            amount=pack.price_idr,
            credits=pack.credits,
            bonus_credits=pack.bonus_credits,
            gateway=Order.Gateway.DEV,
        )
        for i in range(count)
    ]
    Order.objects.bulk_create(rows)
    return [row.order_id for row in rows]


def run(threads: int) -> tuple[float, list[float]]:
    order_ids = orders_make(ORDERS, f"t{threads}")
    latencies: list[float] = []
    lock = threading.Lock()

    def work(share: list[str]) -> None:
        mine = []
        for order_id in share:
            started = time.perf_counter()
            order_status_apply(order_id=order_id, status="paid", raw_status="settlement", amount=49000)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
        connection.close()

    workers = [threading.Thread(target=work, args=(order_ids[i::threads],)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, latencies


def main() -> int:
    call_command("migrate", verbosity=0)
    print(f"{ORDERS} paid orders per cell; each includes its receipt email with the invoice PDF (eager Celery)")
    print(f"{'threads':>7} {'orders/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
    for threads in THREADS:
        elapsed, latencies = run(threads)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"{threads:>7} {ORDERS / elapsed:>9.0f} {statistics.median(latencies) * 1000:>7.2f} {p99 * 1000:>7.2f}")
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    gap_free = numbers == list(range(1, len(numbers) + 1))
    print(f"invoices: {len(numbers)}, consecutive without gaps or duplicates: {gap_free}")
    return 0 if gap_free and len(numbers) == ORDERS * len(THREADS) else 1


if __name__ == "__main__":
    sys.exit(main())
