from django import template
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credits.models import CreditTransaction

from ..emails import idr_format
from ..models import CreditPack, Order, Plan
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


# The seeded plans and packs (billing/migrations/0002) carry English names; a row whose name is
# still the seeded one is shown under its translated name, a name staff changed stays as written.
PLAN_NAMES = {
    "trial": ("Trial", _("Trial")),
    "premium": ("Premium", pgettext_lazy("plan", "Premium")),
    "pro": ("Pro", pgettext_lazy("plan", "Pro")),
    "unlimited": ("Unlimited", pgettext_lazy("plan", "Unlimited")),
}
TIER_LABELS = {"credits": _("Bought credits")}  # no plan, credits bought (credits.hooks.Tier)
KIND_LABELS = {"story": _("Story"), "image": _("Image"), "video": _("Video"), "animatic": _("Animatic")}
QUALITY_LABELS = {"fast": _("fast"), "premium": _("premium")}


def _pack_name(credits: int, bonus: int) -> str:
    if bonus:
        return _("%(credits)s credits + %(bonus)s bonus") % {"credits": credits, "bonus": bonus}
    return _("%(credits)s credits") % {"credits": credits}


def _plan_name(code: str, name: str) -> str:
    seeded = PLAN_NAMES.get(code)
    return str(seeded[1]) if seeded and name == seeded[0] else name


@register.filter
def offer_name(offer) -> str:
    """A plan's, pack's, order's or subscription's name in the reader's language."""
    if isinstance(offer, Order):
        if offer.kind == Order.Kind.PLAN:
            return _plan_name(offer.plan.code if offer.plan_id else "", offer.item_name)
        return _pack_name_if_seeded(offer.item_name, offer.credits, offer.bonus_credits)
    if isinstance(offer, CreditPack):
        return _pack_name_if_seeded(offer.name, offer.credits, offer.bonus_credits)
    if isinstance(offer, Plan):
        return _plan_name(offer.code, offer.name)
    if isinstance(offer, dict):  # /api/me's subscription section: only the tier's code
        code = offer.get("tier") or "trial"
        return str(PLAN_NAMES[code][1]) if code in PLAN_NAMES else str(TIER_LABELS.get(code, code.title()))
    return _plan_name(getattr(offer, "tier", ""), str(getattr(offer, "name", offer)))  # a SubscriptionState


def _pack_name_if_seeded(name: str, credits: int, bonus: int) -> str:
    with translation.override("en"):
        english = _pack_name(credits, bonus)
    return _pack_name(credits, bonus) if name == english else name


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
