"""A circuit breaker per provider and model, shared by every process through the cache (Redis).

closed: calls go through; each retryable failure (429, 5xx, timeout, connection) counts in a
window of `window_seconds`. `failures` of them open it: for `cooldown_seconds` the provider
is skipped at once (the chain goes to the next entry without waiting on a dead provider).
After the cool-down it is half-open: exactly one caller (an atomic cache `add`) is let through
as a probe; its success closes the breaker, its retryable failure opens it again. Settings:
AI_BREAKER (per provider, "default" for the rest), validated at start by aigen.config.

Keys live in the default cache: Redis in production and tests, so web processes and every
worker see one state; the embedded default's local-memory cache keeps one per process.
"""

import logging
import time
from dataclasses import dataclass

import sentry_sdk
from django.conf import settings
from django.core.cache import cache

from .providers.base import ProviderError

logger = logging.getLogger(__name__)

CLOSED, HALF_OPEN, OPEN = "closed", "half_open", "open"
STATE_VALUES = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}  # the /metrics gauge


@dataclass(frozen=True)
class BreakerPolicy:
    failures: int
    window_seconds: float
    cooldown_seconds: float


def breaker_policy(provider: str) -> BreakerPolicy:
    values = settings.AI_BREAKER.get(provider) or settings.AI_BREAKER["default"]
    return BreakerPolicy(
        failures=int(values["failures"]),
        window_seconds=float(values["window_seconds"]),
        cooldown_seconds=float(values["cooldown_seconds"]),
    )


def _keys(provider: str, model: str) -> tuple[str, str, str]:
    base = f"aigen:breaker:{provider}:{model}"
    return f"{base}:failures", f"{base}:open_until", f"{base}:probe"


def breaker_state(*, provider: str, model: str) -> str:
    _failures, open_key, _probe = _keys(provider, model)
    until = cache.get(open_key)
    if until is None:
        return CLOSED
    return OPEN if time.time() < until else HALF_OPEN


def breaker_allows(*, provider: str, model: str) -> bool:
    """Whether to call this provider now. In the half-open state only the first caller gets
    True (it becomes the probe); everyone else skips it like an open breaker."""
    if not settings.AI_BREAKER_ENABLED:
        return True
    state = breaker_state(provider=provider, model=model)
    if state == CLOSED:
        return True
    if state == OPEN:
        return False
    _failures, _open, probe_key = _keys(provider, model)
    # The probe's lease: if its process dies, another may probe after one cool-down.
    return cache.add(probe_key, 1, timeout=max(1, int(breaker_policy(provider).cooldown_seconds)))


def breaker_record(*, provider: str, model: str, error: Exception | None) -> None:
    """Tell the breaker how a call ended: None for an answer, else the ProviderError."""
    if not settings.AI_BREAKER_ENABLED or provider == "local":
        return
    failures_key, open_key, probe_key = _keys(provider, model)
    if error is None or not (isinstance(error, ProviderError) and error.retryable):
        # An answer (even a refusal or a malformed body) shows the provider is up.
        if cache.get(open_key) is not None:
            cache.delete_many([open_key, probe_key, failures_key])
            logger.info("ai.breaker.closed", extra={"provider": provider, "model": model})
        return
    policy = breaker_policy(provider)
    state = breaker_state(provider=provider, model=model)
    if state == OPEN:
        return  # a call that was already under way when it opened: no news
    if state == HALF_OPEN:  # the probe failed: open again
        _open(provider, model, policy, reason=str(error))
        return
    cache.add(failures_key, 0, timeout=max(1, int(policy.window_seconds)))
    try:
        count = cache.incr(failures_key)
    except ValueError:  # the window ended between add and incr
        cache.set(failures_key, 1, timeout=max(1, int(policy.window_seconds)))
        count = 1
    if count >= policy.failures:
        _open(provider, model, policy, reason=str(error))


def _open(provider: str, model: str, policy: BreakerPolicy, *, reason: str) -> None:
    failures_key, open_key, probe_key = _keys(provider, model)
    # Kept past the cool-down (the half-open state) until a probe closes it.
    cache.set(open_key, time.time() + policy.cooldown_seconds, timeout=None)
    cache.delete_many([failures_key, probe_key])
    message = f"AI circuit breaker opened: {provider}/{model} for {policy.cooldown_seconds:g} s"
    logger.warning("ai.breaker.opened", extra={"provider": provider, "model": model, "reason": reason[:200]})
    with sentry_sdk.new_scope() as scope:  # a no-op without a DSN
        scope.set_tag("ai_provider", provider)
        scope.set_tag("ai_model", model)
        sentry_sdk.capture_message(message, level="warning")


def breaker_states() -> list[dict]:
    """Every configured real provider+model and its state, for /metrics and the admin."""
    pairs = sorted(
        {(entry["provider"], entry["model"]) for entry in settings.AI_MODELS.values() if entry["provider"] != "local"}
    )
    return [{"provider": p, "model": m, "state": breaker_state(provider=p, model=m)} for p, m in pairs]


class BreakerStateCollector:
    """`modo_ai_circuit_state{provider,model}`: 0 closed, 1 half-open, 2 open, read from the
    cache when Prometheus scrapes."""

    def describe(self):
        return []  # keeps the registry from reading the cache at registration

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        gauge = GaugeMetricFamily(
            "modo_ai_circuit_state",
            "Circuit breaker of an AI provider and model: 0 closed, 1 half-open, 2 open.",
            labels=["provider", "model"],
        )
        try:
            for row in breaker_states():
                gauge.add_metric([row["provider"], row["model"]], STATE_VALUES[row["state"]])
        except Exception as error:  # noqa: BLE001 - a cache problem must not break the scrape
            logger.warning("metrics: breaker states unavailable: %s", error)
        yield gauge
