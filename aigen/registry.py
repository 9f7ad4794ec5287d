"""The provider registry: AI_MODELS entries (settings) -> adapters, with their fallbacks.

An entry such as "image:fast" names a provider, a model and the entries to fall back to.
`provider_chain` walks the entry and its fallbacks in order, skipping providers with no API
key; with no keys at all the chain ends on `local`.
"""

from django.conf import settings
from django.utils.module_loading import import_string

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
            cost_usd=float(entry.get("cost_usd", 0)),
        )
    )
    if name == "veo":
        provider.poll_seconds = settings.AI_VEO_POLL_SECONDS
    return provider


def chain_entries(key: str) -> list[str]:
    """The AI_MODELS entries to try for `key`, first choice first; never empty."""
    seen: list[str] = []
    pending = [key]
    while pending:
        current = pending.pop(0)
        if current in seen or current not in settings.AI_MODELS:
            continue
        seen.append(current)
        pending.extend(model_entry(current).get("fallback", []))
    chain = [k for k in seen if provider_configured(model_entry(k)["provider"])]
    return chain or [LOCAL_FALLBACK[key.split(":", 1)[0]]]


def provider_chain(key: str) -> list[Provider]:
    """The providers to try for `key`, first choice first; never empty."""
    return [provider_build(entry) for entry in chain_entries(key)]


def job_deadline_seconds(kind: str, quality: str) -> int:
    """How long a job may stay open before the sweeper fails and refunds it: the longest its
    provider chain may legitimately take (each provider's timeout, with its retries, for every
    task attempt), and never less than AI_JOB_DEADLINE_SECONDS[kind]."""
    entry = {"story": "text", "image": "image", "video": "video"}[kind] + f":{quality}"
    retries = settings.AI_PROVIDER_MAX_RETRIES + 1
    chain_seconds = sum(float(model_entry(key).get("timeout", 60)) * retries for key in chain_entries(entry))
    attempts = 1 if kind == "story" else settings.AI_TASK_MAX_ATTEMPTS
    return max(settings.AI_JOB_DEADLINE_SECONDS[kind], int(chain_seconds * attempts) + 60)
