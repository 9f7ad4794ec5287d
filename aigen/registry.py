"""The provider registry: AI_MODELS entries (settings) -> adapters, with their fallbacks.

An entry such as "image:fast" names a provider, a model and the entries to fall back to.
`provider_chain` walks the entry and its fallbacks in order, skipping providers with no API
key; with no keys at all the chain ends on `local`.
"""

from django.conf import settings

from .providers.anthropic import AnthropicProvider
from .providers.base import Provider, ProviderConfig
from .providers.gemini import GeminiProvider, VeoProvider
from .providers.local import LocalProvider
from .providers.openai import OpenAIProvider
from .providers.stability import StabilityProvider

PROVIDERS: dict[str, type[Provider]] = {
    "local": LocalProvider,
    "gemini": GeminiProvider,
    "veo": VeoProvider,
    "openai": OpenAIProvider,
    "stability": StabilityProvider,
    "anthropic": AnthropicProvider,
}
LOCAL_FALLBACK = {"text": "text:local", "image": "image:local", "video": "video:fast"}


def model_entry(key: str) -> dict:
    return settings.AI_MODELS[key]


def provider_configured(provider: str) -> bool:
    return provider == "local" or bool(settings.AI_PROVIDER_KEYS.get(provider))


def provider_build(key: str) -> Provider:
    entry = model_entry(key)
    name = entry["provider"]
    provider = PROVIDERS[name](
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


def provider_chain(key: str) -> list[Provider]:
    """The providers to try for `key`, first choice first; never empty."""
    seen: list[str] = []
    pending = [key]
    while pending:
        current = pending.pop(0)
        if current in seen or current not in settings.AI_MODELS:
            continue
        seen.append(current)
        pending.extend(model_entry(current).get("fallback", []))
    chain = [provider_build(k) for k in seen if provider_configured(model_entry(k)["provider"])]
    if not chain:
        chain = [provider_build(LOCAL_FALLBACK[key.split(":", 1)[0]])]
    return chain
