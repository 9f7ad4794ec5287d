"""Percentiles, sizes, CPU time and the ledger's figures for the report."""

import os

# --- Figures --------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def mb(value: int | float) -> float:
    return value / 1024 / 1024


def ledger_checks() -> tuple[int, int, int, int]:
    from aigen.models import GenerationJob
    from credits.models import CreditTransaction

    jobs = GenerationJob.objects.count()
    usage = CreditTransaction.objects.filter(type="usage").count()
    refunded_jobs = GenerationJob.objects.filter(refunded=True).count()
    refunds = CreditTransaction.objects.filter(type="refund").count()
    return jobs, usage, refunded_jobs, refunds


def children_cpu_seconds() -> float:
    """CPU of this script's finished children: the locust process (waited for by subprocess.call)."""
    times = os.times()
    return times.children_user + times.children_system


def busy_seconds(before, after) -> float:
    idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
    total = sum(after) - sum(before)
    return total - idle
