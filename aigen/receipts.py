"""A job's receipt: who served it, every attempt, what was charged and refunded, what it cost us.

Built from what is stored anyway: the job row (credits, refund, placeholder) and its usage
log rows (one per provider call or skip, with outcome, duration and USD cost), in one query.
"""

from collections import defaultdict
from decimal import Decimal

from .models import AIUsageLog, GenerationJob
from .providers.base import ProviderError


def call_outcome(error: Exception | None) -> str:
    """One word for how a provider call ended, for receipts and the usage log."""
    if error is None:
        return AIUsageLog.Outcome.SUCCEEDED
    if not isinstance(error, ProviderError):
        return AIUsageLog.Outcome.INVALID_ANSWER  # the answer came but was no story / no image
    if error.safety:
        return AIUsageLog.Outcome.REFUSED
    if error.status == 429:
        return AIUsageLog.Outcome.RATE_LIMITED
    if error.status is not None and error.status >= 500:
        return AIUsageLog.Outcome.SERVER_ERROR
    if error.retryable and "timed out" in error.message:
        return AIUsageLog.Outcome.TIMEOUT
    if error.retryable:
        return AIUsageLog.Outcome.UNREACHABLE
    return AIUsageLog.Outcome.INVALID_ANSWER if error.status is None else AIUsageLog.Outcome.REJECTED


def job_receipt(job: GenerationJob) -> dict:
    """DESIGN section 6: {provider, model, attempts, credits, cached, placeholder, usd_cost}."""
    return job_receipts([job])[job.pk]


def job_receipts(jobs: list[GenerationJob]) -> dict:
    """{job id: receipt} for several jobs, their usage rows read in one query."""
    rows = defaultdict(list)
    usage = (
        AIUsageLog.objects.filter(job_id__in=[job.pk for job in jobs], cache_hit=False)
        .order_by("created_at", "id")
        .values_list("job_id", "provider", "model", "status", "outcome", "duration_ms", "cost_usd")
    )
    for job_id, provider, model, status, outcome, ms, cost in usage:
        rows[job_id].append(({"provider": provider, "model": model, "outcome": outcome or status, "ms": ms}, cost))
    return {job.pk: _receipt(job, rows[job.pk]) for job in jobs}


def _receipt(job: GenerationJob, rows: list[tuple[dict, Decimal]]) -> dict:
    refunded = job_credits_refunded(job)
    served = job.status in (GenerationJob.Status.SUCCEEDED, GenerationJob.Status.PARTIAL)
    return {
        "provider": job.provider if served else None,
        "model": job.model if served else None,
        "attempts": [attempt for attempt, _cost in rows],
        "credits": {"charged": job.credits_used, "refunded": refunded, "net": job.credits_used - refunded},
        "cached": False,  # a cache hit is served without a job; its response says cached: true
        "placeholder": job.placeholder,
        "usd_cost": format(sum((cost for _attempt, cost in rows), Decimal(0)).normalize(), "f"),
    }


def job_credits_refunded(job: GenerationJob) -> int:
    """All of a refunded job; of a per-beat video, the clips refunded on their own."""
    if job.refunded:
        return job.credits_used
    return sum(clip["credits"] for clip in job.clips if clip["status"] == "refunded")
