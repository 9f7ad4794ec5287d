from django import template
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from credits.models import CreditTransaction

from ..emails import idr_format
from ..offer_names import offer_name
from ..services import LEDGER_REFERENCE_TYPE

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


KIND_LABELS = {"story": _("Story"), "image": _("Image"), "video": _("Video"), "animatic": _("Animatic")}
QUALITY_LABELS = {"fast": _("fast"), "premium": _("premium")}


@register.filter(name="offer_name")
def offer_name_filter(offer) -> str:
    return offer_name(offer)


@register.filter
def ledger_description(row) -> str:
    """A ledger row's description in the reader's language, from what the row is (its type,
    feature and reference); a staff adjustment's reason stays as staff wrote it."""
    kinds = CreditTransaction.Type
    if row.type in (kinds.USAGE, kinds.REFUND) and row.feature:
        kind, _sep, quality = row.feature.partition("_")
        what = _("%(kind)s (%(quality)s)") % {
            "kind": KIND_LABELS.get(kind, kind),
            "quality": QUALITY_LABELS.get(quality, quality),
        }
        return what if row.type == kinds.USAGE else _("Refund: %(what)s") % {"what": what}
    if row.type == kinds.BONUS and row.reference_type == "trial":
        return _("Trial bonus")
    if row.type == kinds.GRANT and row.reference_type == LEDGER_REFERENCE_TYPE:
        return _("Plan credits for the period")
    if row.type == kinds.PURCHASE:
        return _("Credit pack bought")
    if row.type == kinds.EXPIRY:
        return _("Bonus credits expired")
    return row.description
