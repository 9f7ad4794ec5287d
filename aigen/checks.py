"""System checks: configured models past their retirement date; providers without a key (deploy)."""

from datetime import date

from django.conf import settings
from django.core.checks import Info, Tags, Warning, register

from .registry import PROVIDERS


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
        # No key at all is a deliberate set-up (production needs none): everything runs on local.
        return [Info("No AI provider keys are set: every generation runs on the local provider.", id="aigen.I001")]
    return [
        Warning(
            f"AI providers without an API key: {', '.join(missing)}; their requests fall back (finally to local).",
            hint="Set GEMINI_API_KEY, OPENAI_API_KEY, STABILITY_API_KEY, ANTHROPIC_API_KEY as needed.",
            id="aigen.W002",
        )
    ]
