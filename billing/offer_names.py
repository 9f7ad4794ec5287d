"""Names of what is sold, in the reader's language: pages and the API show the seeded plans
and packs under translated names (their rows hold the English ones)."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import CreditPack, Order, Plan

# The seeded plans and packs (billing/migrations/0002) carry English names; a row whose name is
# still the seeded one is shown under its translated name, a name staff changed stays as written.
PLAN_NAMES = {
    "trial": ("Trial", _("Trial")),
    "premium": ("Premium", pgettext_lazy("plan", "Premium")),
    "pro": ("Pro", pgettext_lazy("plan", "Pro")),
    "unlimited": ("Unlimited", pgettext_lazy("plan", "Unlimited")),
}
TIER_LABELS = {"credits": _("Bought credits")}  # no plan, credits bought (credits.hooks.Tier)


def _pack_name(credits: int, bonus: int) -> str:
    if bonus:
        return _("%(credits)s credits + %(bonus)s bonus") % {"credits": credits, "bonus": bonus}
    return _("%(credits)s credits") % {"credits": credits}


def _plan_name(code: str, name: str) -> str:
    seeded = PLAN_NAMES.get(code)
    return str(seeded[1]) if seeded and name == seeded[0] else name


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
