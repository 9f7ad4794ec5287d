"""3. Provider cost against credit revenue, per feature (cost from the AI usage log, priced by
aigen.pricing from the usage each provider reported)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Sum

from billing.models import CreditPack, Plan

from ..models import (
    DailyProviderUsage,
)
from .credits_spent import credits_spent_per_feature
from .periods import Period
from .revenue import paid_orders
from .rollups import PROVIDER_CALL, days_in, rollup_coverage, usage_log


@dataclass(frozen=True)
class CreditValue:
    """What one credit is worth in IDR, and where that figure comes from."""

    idr: Decimal
    source: str  # "orders": the period's paid orders; "catalogue": the offers for sale
    orders: int = 0


def credit_value(*, period: Period) -> CreditValue:
    """The realised price of a credit: IDR of the period's paid orders / credits they granted
    (bonus included, since buyers spend bonus credits like the others).

    With no paid order in the period: the mean price per credit of the paid plans and packs
    on sale (each offer's price / its credits + bonus).
    """
    paid = paid_orders(period=period).aggregate(
        idr=Sum("amount"), credits=Sum(F("credits") + F("bonus_credits")), orders=Count("*")
    )
    if paid["credits"]:
        return CreditValue(idr=Decimal(paid["idr"]) / Decimal(paid["credits"]), source="orders", orders=paid["orders"])
    offers = [
        Decimal(price) / Decimal(credits)
        for price, credits in Plan.objects.filter(is_paid=True, is_active=True, credits__gt=0).values_list(
            "price_idr", "credits"
        )
    ]
    offers += [
        Decimal(price) / Decimal(credits + bonus)
        for price, credits, bonus in CreditPack.objects.filter(is_active=True).values_list(
            "price_idr", "credits", "bonus_credits"
        )
        if credits + bonus
    ]
    return CreditValue(idr=sum(offers, Decimal(0)) / len(offers) if offers else Decimal(0), source="catalogue")


@dataclass(frozen=True)
class FeatureMargin:
    feature: str  # the generation kind: story, image, video
    credits: int
    revenue_usd: Decimal
    cost_usd: Decimal
    provider_calls: int

    @property
    def margin_usd(self) -> Decimal:
        return self.revenue_usd - self.cost_usd

    @property
    def margin_percent(self) -> Decimal | None:
        return self.margin_usd * 100 / self.revenue_usd if self.revenue_usd else None


@dataclass(frozen=True)
class MarginReport:
    credit_value: CreditValue
    idr_per_usd: Decimal
    rows: list[FeatureMargin]


def _kind_of_feature(feature: str) -> str:
    return feature.split("_", 1)[0]  # ledger features are <kind>_<quality>


def _kind_of_endpoint(endpoint: str) -> str:
    return endpoint.removeprefix("generate-")  # usage log endpoints are generate-<kind>


def margin_per_feature(*, period: Period) -> MarginReport:
    """Per generation kind: credit revenue (USD) against provider cost (USD).

    credit revenue = credits spent (ledger, net of refunds) x IDR value of a credit
    (credit_value) / settings.ANALYTICS_IDR_PER_USD; provider cost = sum of the usage log's
    cost_usd (every provider call, failed ones and fallbacks included).
    """
    value = credit_value(period=period)
    idr_per_usd = Decimal(str(settings.ANALYTICS_IDR_PER_USD))
    credits: dict[str, int] = defaultdict(int)
    for feature, spent in credits_spent_per_feature(period=period).items():
        credits[_kind_of_feature(feature)] += spent
    costs: dict[str, Decimal] = defaultdict(Decimal)
    calls: dict[str, int] = defaultdict(int)
    coverage = rollup_coverage(period=period, ledger=False)
    usage: list[tuple] = []
    if coverage.rolled:
        usage += (
            DailyProviderUsage.objects.filter(days_in(coverage.rolled))
            .values("endpoint")
            .annotate(cost=Sum("cost_usd"), calls=Sum("calls"))
            .order_by()
            .values_list("endpoint", "cost", "calls")
        )
    if coverage.live:
        usage += (
            usage_log(spans=coverage.live)
            .values("endpoint")
            .annotate(cost=Sum("cost_usd"), calls=Count("created_at", filter=PROVIDER_CALL))
            .values_list("endpoint", "cost", "calls")
        )
    for endpoint, cost, endpoint_calls in usage:
        kind = _kind_of_endpoint(endpoint)
        costs[kind] += cost or Decimal(0)
        calls[kind] += endpoint_calls
    rows = [
        FeatureMargin(
            feature=kind,
            credits=credits.get(kind, 0),
            revenue_usd=(credits.get(kind, 0) * value.idr / idr_per_usd).quantize(Decimal("0.01")),
            cost_usd=costs.get(kind, Decimal(0)).quantize(Decimal("0.01")),
            provider_calls=calls.get(kind, 0),
        )
        for kind in sorted(set(credits) | set(costs))
    ]
    return MarginReport(credit_value=value, idr_per_usd=idr_per_usd, rows=rows)
