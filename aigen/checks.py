"""System checks: configured models past their retirement date; fallback chains that cannot
reach an entry; providers without a key and tiers without a real provider (deploy)."""

from datetime import date

from django.conf import settings
from django.core.checks import Error, Info, Tags, Warning, register

from .registry import PROVIDERS, chain_entries, entry_is_placeholder, entry_kind, provider_configured

TIERS = [f"{kind}:{quality}" for kind in ("text", "image", "video") for quality in ("fast", "premium")]


@register()
def ai_models_check(app_configs=None, **kwargs):
    problems = []
    today = date.today()
    for key, entry in settings.AI_MODELS.items():
        if entry.get("provider") not in PROVIDERS:
            problems.append(
                Warning(f"AI_MODELS[{key!r}] names an unknown provider {entry.get('provider')!r}.", id="aigen.W003")
            )
            continue
        retires = entry.get("retires")
        if retires:
            try:
                retired = date.fromisoformat(str(retires)) <= today
            except ValueError:
                problems.append(
                    Warning(f"AI_MODELS[{key!r}] has a malformed retirement date {retires!r}.", id="aigen.W004")
                )
                continue
            if retired:
                problems.append(
                    Warning(
                        f"AI model {entry['model']!r} ({key}) was retired on {retires}.",
                        hint="Set a current model id in settings (AI_*_MODEL) and its retirement date.",
                        id="aigen.W001",
                    )
                )
    return problems


@register(Tags.security, deploy=True)
def ai_provider_keys_check(app_configs=None, **kwargs):
    missing = sorted(
        {
            entry["provider"]
            for entry in settings.AI_MODELS.values()
            if entry.get("provider") not in (None, "local") and not settings.AI_PROVIDER_KEYS.get(entry["provider"])
        }
    )
    if not missing:
        return []
    if not any(settings.AI_PROVIDER_KEYS.values()):
        if not settings.AI_LOCAL_PROVIDER_ENABLED:
            return []  # aigen.W005 names the tiers that now refuse every request
        # No key at all is a deliberate set-up of the embedded default: everything runs on local.
        return [Info("No AI provider keys are set: every generation runs on the local provider.", id="aigen.I001")]
    return [
        Warning(
            f"AI providers without an API key: {', '.join(missing)}; their requests go to the next entry of the chain.",
            hint="Set GEMINI_API_KEY, OPENAI_API_KEY, STABILITY_API_KEY, ANTHROPIC_API_KEY as needed.",
            id="aigen.W002",
        )
    ]


@register()
def ai_chains_check(app_configs=None, **kwargs):
    """Every entry a chain names exists, has the chain's kind, and can be reached: nothing
    comes after a real local entry (the animatic), which never fails over."""
    problems = []
    for key, entry in settings.AI_MODELS.items():
        for fallback in entry.get("fallback", []):
            if fallback not in settings.AI_MODELS:
                problems.append(
                    Error(f"AI_MODELS[{key!r}] falls back to {fallback!r}, which is no entry.", id="aigen.E001")
                )
            elif entry_kind(fallback) != entry_kind(key):
                problems.append(
                    Error(f"AI_MODELS[{key!r}] falls back to {fallback!r}, another kind of output.", id="aigen.E002")
                )
        order = chain_entries(key)
        final = next(
            (
                i
                for i, k in enumerate(order)
                if settings.AI_MODELS[k]["provider"] == "local" and not entry_is_placeholder(k)
            ),
            None,
        )
        if final is not None and order[final + 1 :]:
            problems.append(
                Error(
                    f"The chain of {key} can never reach {', '.join(order[final + 1 :])}: "
                    f"{order[final]} (local) answers first.",
                    hint="Put the local entry last in the fallbacks.",
                    id="aigen.E003",
                )
            )
    return problems


@register(Tags.security, deploy=True)
def ai_real_provider_check(app_configs=None, **kwargs):
    """Name the tiers that no real provider can serve: they refuse requests (or, where
    AI_LOCAL_PROVIDER_ENABLED is on, answer placeholders)."""
    bare = [
        tier
        for tier in TIERS
        if tier in settings.AI_MODELS
        and not any(
            not entry_is_placeholder(k) and provider_configured(settings.AI_MODELS[k]["provider"])
            for k in chain_entries(tier)
        )
    ]
    if not bare:
        return []
    then = "serve placeholders" if settings.AI_LOCAL_PROVIDER_ENABLED else "refuse every request (503)"
    return [
        Warning(
            f"Tiers with no real provider: {', '.join(bare)}; they {then}.",
            hint="Set the API key of a provider in their chain (GEMINI_API_KEY, OPENAI_API_KEY, ...).",
            id="aigen.W005",
        )
    ]
