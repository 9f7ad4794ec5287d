from django import template
from django.conf import settings

from credits.selectors import ledger_description_display

from ..emails import idr_format
from ..offer_names import offer_name

register = template.Library()


@register.filter
def idr(amount) -> str:
    """99000 -> "Rp 99.000" in Indonesian, "Rp 99,000" in English."""
    try:
        return idr_format(int(amount))
    except (TypeError, ValueError):
        return ""


@register.inclusion_tag("billing/_trial_offer.html")
def trial_offer() -> dict:
    """What the free trial includes, with the figures of the settings: the same words on the
    public page and on /billing/, so nobody discovers the trial's limits by being refused."""
    costs = {kind: int(settings.AI_MODELS[f"{kind}:fast"]["credits"]) for kind in ("text", "image", "video")}
    bonus, generations = settings.TRIAL_BONUS_CREDITS, settings.TRIAL_MAX_GENERATIONS
    return {
        "days": settings.TRIAL_DAYS,
        "bonus": bonus,
        "generations": generations,
        "daily": settings.TRIAL_DAILY_REQUESTS,
        "video_cost": costs["video"],
        "reaches_video": generations >= 3 and bonus >= sum(costs.values()),
    }


@register.filter(name="offer_name")
def offer_name_filter(offer) -> str:
    return offer_name(offer)


@register.filter
def ledger_description(row) -> str:
    return ledger_description_display(row)
