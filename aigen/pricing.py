"""What a provider call cost us in USD: the usage it reports times the dated price table.

AI_PRICES (settings) has one row per "provider/model": input and output tokens per million
(text), per image, per second of video, and `read_on`, the day the figures were read from the
provider's price page. aigen.config refuses to start on a table that is missing a configured
model or holds nonsense. Streamed text takes its tokens from the stream's final usage event
and calls `usage_cost_usd` (or fills the call and lets the usage log compute it) like any other.
"""

import logging
from decimal import Decimal

from django.conf import settings

logger = logging.getLogger(__name__)

MILLION = Decimal(1_000_000)
PRECISION = Decimal("0.000000001")  # the usage log's 9 decimal places: a 10-token call still counts


def price_key(provider: str, model: str) -> str:
    return f"{provider}/{model}"


def usage_cost_usd(
    *,
    provider: str,
    model: str,
    tokens_in: int | None = None,
    tokens_out: int | None = None,
    images: int | None = None,
    video_seconds: float | None = None,
) -> Decimal:
    """The USD cost of one call's reported usage; 0 for `local` and for a model without a price
    (logged: aigen.config keeps configured models priced, a test's ad-hoc model may not be)."""
    if provider == "local":
        return Decimal(0)
    price = settings.AI_PRICES.get(price_key(provider, model))
    if price is None:
        logger.warning("ai.price.missing", extra={"provider": provider, "model": model})
        return Decimal(0)

    def rate(name: str) -> Decimal:
        return Decimal(str(price.get(name, 0)))

    cost = (
        rate("input_per_million") * (tokens_in or 0) / MILLION
        + rate("output_per_million") * (tokens_out or 0) / MILLION
        + rate("per_image") * (images or 0)
        + rate("per_second") * Decimal(str(video_seconds or 0))
    )
    return cost.quantize(PRECISION)
