"""Start-up validation of the AI settings that money and availability depend on.

A price table or breaker setting that makes no sense (a configured model without a price, a
negative or non-numeric figure, a malformed date, a breaker that never opens) stops every
process at start with one clear message (ImproperlyConfigured), instead of logging wrong
costs or hammering a dead provider later.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .pricing import price_key

# Which figures a model needs, by the kind of its AI_MODELS entry.
PRICE_FIELDS = {"text": ("input_per_million", "output_per_million"), "image": ("per_image",), "video": ("per_second",)}
KNOWN_PRICE_FIELDS = {"input_per_million", "output_per_million", "per_image", "per_second", "read_on"}
BREAKER_FIELDS = {"failures": int, "window_seconds": float, "cooldown_seconds": float}


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def price_table_problems(prices: dict, models: dict) -> list[str]:
    problems = []
    for key, price in prices.items():
        if not isinstance(price, dict):
            problems.append(f"AI_PRICES[{key!r}] must be an object of figures.")
            continue
        unknown = set(price) - KNOWN_PRICE_FIELDS
        if unknown:
            problems.append(f"AI_PRICES[{key!r}] has unknown fields: {', '.join(sorted(unknown))}.")
        for name, value in price.items():
            if name != "read_on" and not _number(value):
                problems.append(f"AI_PRICES[{key!r}][{name!r}] must be a number >= 0, not {value!r}.")
        try:
            date.fromisoformat(str(price.get("read_on", "")))
        except ValueError:
            problems.append(f"AI_PRICES[{key!r}] needs read_on, the ISO date the prices were read.")
    for entry_key, entry in models.items():
        if entry.get("provider") in (None, "local"):
            continue
        key = price_key(entry["provider"], entry.get("model", ""))
        if key not in prices:
            problems.append(f"AI_MODELS[{entry_key!r}] uses {key}, which has no row in AI_PRICES.")
            continue
        needed = PRICE_FIELDS.get(entry_key.split(":", 1)[0], ())
        missing = [name for name in needed if name not in prices[key]]
        if missing and isinstance(prices[key], dict):
            problems.append(f"AI_PRICES[{key!r}] needs {', '.join(missing)} for {entry_key}.")
    return problems


def breaker_problems(breaker: dict) -> list[str]:
    if "default" not in breaker:
        return ["AI_BREAKER needs a 'default' row."]
    problems = []
    for provider, values in breaker.items():
        if not isinstance(values, dict):
            problems.append(f"AI_BREAKER[{provider!r}] must be an object.")
            continue
        for name, kind in BREAKER_FIELDS.items():
            value = values.get(name)
            if not _number(value) or value <= 0 or (kind is int and int(value) != value):
                problems.append(
                    f"AI_BREAKER[{provider!r}][{name!r}] must be a positive {kind.__name__}, not {value!r}."
                )
        unknown = set(values) - set(BREAKER_FIELDS)
        if unknown:
            problems.append(f"AI_BREAKER[{provider!r}] has unknown fields: {', '.join(sorted(unknown))}.")
    return problems


def ai_settings_validate() -> None:
    """Raise ImproperlyConfigured naming every problem of AI_PRICES and AI_BREAKER."""
    problems = price_table_problems(settings.AI_PRICES, settings.AI_MODELS) + breaker_problems(settings.AI_BREAKER)
    cap = settings.AI_PROVIDER_RETRY_AFTER_MAX_SECONDS
    if not _number(cap) or cap < 0:
        problems.append(f"AI_PROVIDER_RETRY_AFTER_MAX_SECONDS must be a number >= 0, not {cap!r}.")
    if problems:
        raise ImproperlyConfigured("Invalid AI settings:\n- " + "\n- ".join(problems))
