"""The usage log: one row per provider call (what it cost, how long it took, how it ended)."""

import time
from dataclasses import dataclass

from ..models import AIUsageLog, GenerationJob
from ..providers.base import Provider


@dataclass
class ProviderCall:
    """One provider call, for the usage log."""

    provider: str
    model: str
    started: float
    status: str = AIUsageLog.Status.SUCCEEDED
    error: str = ""
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float = 0.0
    duration_ms: int = 0


def call_start(provider: Provider) -> ProviderCall:
    return ProviderCall(provider=provider.name, model=provider.config.model, started=time.monotonic())


def call_end(call: ProviderCall, *, error: Exception | None = None, cost: float = 0.0) -> ProviderCall:
    call.duration_ms = int((time.monotonic() - call.started) * 1000)
    if error is not None:
        call.status, call.error = AIUsageLog.Status.FAILED, str(error)
    else:
        call.cost_usd = cost
    return call


def usage_rows(*, job: GenerationJob, endpoint: str, calls: list[ProviderCall], credits: int) -> list[AIUsageLog]:
    # The job's ids: a worker's job has not loaded its organization or user, and needs not.
    return [
        AIUsageLog(
            organization_id=job.organization_id,
            user_id=job.user_id,
            job=job,
            endpoint=endpoint,
            provider=call.provider,
            model=call.model,
            credits=credits if call.status == AIUsageLog.Status.SUCCEEDED else 0,
            duration_ms=call.duration_ms,
            status=call.status,
            error=call.error[:500],
            tokens_in=call.tokens_in,
            tokens_out=call.tokens_out,
            cost_usd=round(call.cost_usd, 6),
        )
        for call in calls
    ]


def usage_insert(rows: list[AIUsageLog]) -> None:
    if len(rows) == 1:
        rows[0].save(force_insert=True)  # no bulk machinery for the usual single row
    elif rows:
        AIUsageLog.objects.bulk_create(rows)
