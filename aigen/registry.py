"""The provider registry: AI_MODELS entries (settings) -> adapters, with their fallbacks.

An entry such as "image:fast" names a provider, a model and the entries to fall back to.
`provider_chain` walks the entry and its fallbacks depth-first in the order written, skipping
providers with no API key or an open circuit breaker. `local` text and images (placeholders)
serve only where AI_LOCAL_PROVIDER_ENABLED allows and no real provider of the chain has a key.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .breaker import CLOSED, OPEN, breaker_probe_take, breaker_states_of
from .errors import ProvidersUnavailable
from .providers.base import Provider, ProviderConfig

# Dotted paths, imported on first use: each SDK costs 20-40 MB per process, so a process loads
# only the SDKs of the providers it really calls (with no keys: none but `local`).
PROVIDERS: dict[str, str] = {
    "local": "aigen.providers.local.LocalProvider",
    "gemini": "aigen.providers.gemini.GeminiProvider",
    "veo": "aigen.providers.gemini.VeoProvider",
    "openai": "aigen.providers.openai.OpenAIProvider",
    "stability": "aigen.providers.stability.StabilityProvider",
    "anthropic": "aigen.providers.anthropic.AnthropicProvider",
}
LOCAL_FALLBACK = {"text": "text:local", "image": "image:local", "video": "video:fast"}


def model_entry(key: str) -> dict:
    return settings.AI_MODELS[key]


def provider_configured(provider: str) -> bool:
    return provider == "local" or bool(settings.AI_PROVIDER_KEYS.get(provider))


def provider_build(key: str) -> Provider:
    entry = model_entry(key)
    name = entry["provider"]
    provider_class: type[Provider] = import_string(PROVIDERS[name])
    provider = provider_class(
        ProviderConfig(
            entry=key,
            provider=name,
            model=entry["model"],
            api_key=settings.AI_PROVIDER_KEYS.get(name, ""),
            base_url=entry.get("base_url") or settings.AI_PROVIDER_BASE_URLS.get(name, ""),
            timeout=float(entry.get("timeout", 60)),
            max_retries=settings.AI_PROVIDER_MAX_RETRIES,
            backoff=settings.AI_PROVIDER_BACKOFF_SECONDS,
            retry_after_max=settings.AI_PROVIDER_RETRY_AFTER_MAX_SECONDS,
        )
    )
    if name == "veo":
        provider.poll_seconds = settings.AI_VEO_POLL_SECONDS
        provider.clip_seconds = settings.AI_VEO_CLIP_SECONDS
    return provider


def entry_kind(key: str) -> str:
    return key.split(":", 1)[0]


def entry_is_placeholder(key: str) -> bool:
    """`local` text and images stand in for a real provider; the animatic (local video) is a
    real product made of the user's own images, priced as such."""
    return model_entry(key)["provider"] == "local" and entry_kind(key) != "video"


def chain_entries(key: str) -> list[str]:
    """`key` and its fallbacks, depth-first in the order written: each entry's own fallbacks
    come before its next sibling's (text:fast -> text:premium -> text:anthropic -> ...)."""
    order: list[str] = []

    def visit(current: str) -> None:
        if current in order or current not in settings.AI_MODELS:
            return
        order.append(current)
        for fallback in model_entry(current).get("fallback", []):
            visit(fallback)

    visit(key)
    return order


def chain_entries_serving(key: str) -> list[str]:
    """The entries that may serve `key` by configuration (keys, AI_LOCAL_PROVIDER_ENABLED).

    A placeholder serves only where the operator allows it and no real provider of the chain
    has a key: never as a silent fallback for a paid request."""
    entries = chain_entries(key)
    serving = [k for k in entries if not entry_is_placeholder(k) and provider_configured(model_entry(k)["provider"])]
    if serving or not settings.AI_LOCAL_PROVIDER_ENABLED:
        return serving
    placeholders = [k for k in entries if entry_is_placeholder(k)]
    fallback = LOCAL_FALLBACK.get(entry_kind(key))
    return placeholders or ([fallback] if fallback in settings.AI_MODELS else [])


def providers_preload(kinds: set[str]) -> list[str]:
    """Import the adapter (and SDK) of every provider that may serve these kinds (`text`,
    `image`, `video`) as configured now; their names. An I/O worker does this as it starts
    (aigen.worker_start): imported on the first job instead, the import held up every thread of
    a fresh worker that needed it, inside the first burst of jobs after a deploy."""
    names = sorted(
        {
            model_entry(entry)["provider"]
            for key in settings.AI_MODELS
            if entry_kind(key) in kinds
            for entry in chain_entries_serving(key)
        }
    )
    for name in names:
        import_string(PROVIDERS[name])
    return names


class ProviderChain(list):
    """The providers to call, in order; `skipped`: (provider, model) pairs left out because
    their circuit breaker is open.

    A provider whose breaker is half-open is in the list, marked `breaker_probe_pending`: the
    iteration takes its probe lease only when the loop reaches it (a chain served by an earlier
    provider leaves the probe to the next request). Without the lease it is skipped, and
    `on_skip` (set by the usage log) hears of it."""

    skipped: list[tuple[str, str]]
    on_skip = None

    def __iter__(self):
        for provider in super().__iter__():
            if getattr(provider, "breaker_probe_pending", False):
                provider.breaker_probe_pending = False
                provider.breaker_probe = breaker_probe_take(
                    provider=provider.name, model=provider.config.model, lease_seconds=_call_seconds(provider)
                )
                if not provider.breaker_probe:
                    provider.breaker_skipped = True
                    self.skipped.append((provider.name, provider.config.model))
                    if self.on_skip is not None:
                        self.on_skip(provider.name, provider.config.model)
            if getattr(provider, "breaker_skipped", False):
                continue
            yield provider


def _call_seconds(provider: Provider) -> float:
    """The longest one call of this provider may take (its timeout, for each retry, and the
    waits between): the probe's lease, so a live probe is never joined by a second one."""
    config = provider.config
    retries = config.max_retries
    waits = max(config.backoff * (2**retries - 1), config.retry_after_max * retries)
    return config.timeout * (retries + 1) + waits + 5


def provider_chain(key: str) -> ProviderChain:
    """The providers to try for `key` now, first choice first, without those whose breaker is
        open. Raises ProvidersUnavailable (503; before any charge for a story) when configuration
    allows none or every breaker is open."""
    entries = _serving_or_refuse(key)
    pairs = [(model_entry(entry)["provider"], model_entry(entry)["model"]) for entry in entries]
    states = breaker_states_of(pairs)  # one round trip for the whole chain
    chain = ProviderChain()
    chain.skipped = []
    for entry, pair in zip(entries, pairs, strict=True):
        if states[pair] == OPEN:
            chain.skipped.append(pair)
            continue
        provider = provider_build(entry)
        provider.breaker_probe_pending = states[pair] != CLOSED  # half-open
        chain.append(provider)
    if not chain:
        raise ProvidersUnavailable(
            _("Every provider for this is failing right now. Nothing was charged; please try again in a minute."),
            tier=key,
        )
    return chain


@dataclass(frozen=True)
class ChainStart:
    """The entry, provider and model a job starts on: its label when queued (the worker decides).
    No adapter is built: the web process that queues jobs never imports a provider's SDK (before,
    its first story stalled every request of the process for the import, ~0.3 s, and kept the
    SDK's memory)."""

    entry: str
    name: str
    model: str


def chain_first(key: str) -> ChainStart:
    entry = _serving_or_refuse(key)[0]
    settings_of = model_entry(entry)
    return ChainStart(entry=entry, name=settings_of["provider"], model=settings_of["model"])


def _serving_or_refuse(key: str) -> list[str]:
    entries = chain_entries_serving(key)
    if not entries:
        raise ProvidersUnavailable(
            _("This kind of generation is not available right now. Nothing was charged."), tier=key
        )
    return entries


def job_deadline_seconds(kind: str, quality: str) -> int:
    """How long a job may stay open before the sweeper fails and refunds it: the longest its
    provider chain may legitimately take (each provider's timeout, with its retries, for every
    task attempt), and never less than AI_JOB_DEADLINE_SECONDS[kind]."""
    entry = {"story": "text", "image": "image", "video": "video"}[kind] + f":{quality}"
    retries = settings.AI_PROVIDER_MAX_RETRIES + 1
    chain_seconds = sum(
        float(model_entry(key).get("timeout", 60)) * retries
        for key in chain_entries_serving(entry) or chain_entries(entry)
    )
    attempts = 1 if kind == "story" else settings.AI_TASK_MAX_ATTEMPTS
    return max(settings.AI_JOB_DEADLINE_SECONDS[kind], int(chain_seconds * attempts) + 60)
