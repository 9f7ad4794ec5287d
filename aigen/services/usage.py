"""The usage log: one row per provider call (what it cost, how long it took, how it ended)."""

import time
from dataclasses import dataclass
from decimal import Decimal

from ..breaker import breaker_record
from ..models import AIUsageLog, GenerationJob
from ..pricing import usage_cost_usd
from ..providers.base import Provider
from ..receipts import call_outcome
from ..registry import ProviderChain


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
    images: int | None = None
    video_seconds: float | None = None
    cost_usd: Decimal = Decimal(0)
    outcome: str = AIUsageLog.Outcome.SUCCEEDED
    duration_ms: int = 0
    probe: bool = False  # the half-open breaker's probe: its outcome closes or re-opens it


def call_start(provider: Provider) -> ProviderCall:
    """A call begins. The first call after the chain took the probe lease is the probe."""
    call = ProviderCall(
        provider=provider.name, model=provider.config.model, started=time.monotonic(), probe=provider.breaker_probe
    )
    provider.breaker_probe = False
    return call


def call_end(call: ProviderCall, *, error: Exception | None = None) -> ProviderCall:
    """Close a call: its duration, outcome and USD cost (from the usage it reported, whether
    or not its answer was usable), and tell the provider's circuit breaker."""
    call.duration_ms = int((time.monotonic() - call.started) * 1000)
    call.outcome = call_outcome(error)
    if error is not None:
        call.status, call.error = AIUsageLog.Status.FAILED, str(error)
    call.cost_usd = usage_cost_usd(
        provider=call.provider,
        model=call.model,
        tokens_in=call.tokens_in,
        tokens_out=call.tokens_out,
        images=call.images,
        video_seconds=call.video_seconds,
    )
    breaker_record(provider=call.provider, model=call.model, error=error, probe=call.probe)
    return call


def call_skipped(provider: str, model: str) -> ProviderCall:
    """A provider left out because its breaker is open, for the receipt."""
    return ProviderCall(
        provider=provider,
        model=model,
        started=time.monotonic(),
        status=AIUsageLog.Status.SKIPPED,
        outcome=AIUsageLog.Outcome.SKIPPED,
    )


def calls_skipped(chain: ProviderChain) -> list[ProviderCall]:
    """The chain's providers left out because their breaker is open, for the receipt; a
    half-open one whose probe another request holds joins the list when the loop reaches it."""
    calls = [call_skipped(provider, model) for provider, model in chain.skipped]
    chain.on_skip = lambda provider, model: calls.append(call_skipped(provider, model))
    return calls


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
            cost_usd=call.cost_usd,
            outcome=call.outcome,
        )
        for call in calls
    ]


def usage_insert(rows: list[AIUsageLog]) -> None:
    if len(rows) == 1:
        rows[0].save(force_insert=True)  # no bulk machinery for the usual single row
    elif rows:
        AIUsageLog.objects.bulk_create(rows)
