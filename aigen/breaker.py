"""A circuit breaker per provider and model, shared by every process through the cache (Redis).

closed: calls go through; each retryable failure (429, 5xx, timeout, connection) counts in a
window of `window_seconds`. `failures` of them open it: for `cooldown_seconds` the provider
is skipped at once (the chain goes to the next entry without waiting on a dead provider).
After the cool-down it is half-open: exactly one caller holds the probe lease (an atomic
`add` with a TTL as long as one call may take, so a probe whose process died frees it) and
calls the provider; its answer closes the breaker, its retryable failure opens it again.
The lease is taken only when the probe is about to call (ProviderChain's iteration), never
for a provider the chain did not reach: an unused lease would hold the probe back one more
cool-down. Only the probe's own outcome decides: a call that was under way when the breaker
opened neither re-opens nor closes it.

What a refusal or a malformed answer says: the provider is up (it answered), so neither
counts as a failure; the chain still moves on to the next provider for that request.

Cost on the hot path: the chain reads every entry's state in one MGET; a call that was not a
probe records its success with no cache access at all. Settings: AI_BREAKER (per provider,
"default" for the rest), validated at start by aigen.config.

Keys live in the default cache: Redis in production and tests, so web processes and every
worker see one state; the embedded default's file cache is shared by its processes without
atomic leases (one machine, one user: good enough).
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


def _state_of(until: float | None, now: float) -> str:
    if until is None:
        return CLOSED
    return OPEN if now < until else HALF_OPEN


def breaker_state(*, provider: str, model: str) -> str:
    _failures, open_key, _probe = _keys(provider, model)
    return _state_of(cache.get(open_key), time.time())


def breaker_states_of(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The state of each (provider, model), read in one round trip (MGET)."""
    if not settings.AI_BREAKER_ENABLED:
        return dict.fromkeys(pairs, CLOSED)
    keys = {pair: _keys(*pair)[1] for pair in pairs}
    found = cache.get_many(list(keys.values()))
    now = time.time()
    return {pair: _state_of(found.get(key), now) for pair, key in keys.items()}


def breaker_probe_take(*, provider: str, model: str, lease_seconds: float) -> bool:
    """Take the half-open probe's lease: True for exactly one caller until the probe's outcome
    is recorded or `lease_seconds` pass (a probe whose process died)."""
    _failures, _open, probe_key = _keys(provider, model)
    return cache.add(probe_key, 1, timeout=max(1, int(lease_seconds + 0.999)))


def breaker_allows(*, provider: str, model: str, lease_seconds: float | None = None) -> bool:
    """Whether to call this provider now. In the half-open state only the caller that takes the
    probe lease gets True; everyone else skips it like an open breaker."""
    if not settings.AI_BREAKER_ENABLED:
        return True
    state = breaker_state(provider=provider, model=model)
    if state != HALF_OPEN:
        return state == CLOSED
    lease = lease_seconds if lease_seconds is not None else breaker_policy(provider).cooldown_seconds
    return breaker_probe_take(provider=provider, model=model, lease_seconds=lease)


def breaker_record(*, provider: str, model: str, error: Exception | None, probe: bool = False) -> None:
    """Tell the breaker how a call ended: None for an answer, else the error. `probe`: this call
    held the half-open probe lease (its outcome closes or re-opens the breaker)."""
    if not settings.AI_BREAKER_ENABLED or provider == "local":
        return
    failures_key, open_key, probe_key = _keys(provider, model)
    if error is None or not (isinstance(error, ProviderError) and error.retryable):
        # An answer (even a refusal or a malformed body) shows the provider is up. Only the
        # probe closes: other calls' successes cost no cache access.
        if probe:
            cache.delete_many([open_key, probe_key, failures_key])
            logger.info("ai.breaker.closed", extra={"provider": provider, "model": model})
        return
    policy = breaker_policy(provider)
    if probe:  # the probe failed: open again for a cool-down
        _open(provider, model, policy, reason=str(error))
        return
    if breaker_state(provider=provider, model=model) != CLOSED:
        return  # a call already under way when it opened: no news (the probe decides)
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
    states = breaker_states_of(pairs)
    return [{"provider": p, "model": m, "state": states[(p, m)]} for p, m in pairs]


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
