"""Rows written with the times a test needs (the ledger's created_at is a default for that)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aigen.models import AIUsageLog
from billing.models import CreditPack, Order, Plan
from credits.models import CreditTransaction

JAKARTA = ZoneInfo("Asia/Jakarta")


def at(day: int, hour: int = 12, minute: int = 0, *, month: int = 3) -> datetime:
    """A moment in March 2025, Jakarta time (UTC+7)."""
    return datetime(2025, month, day, hour, minute, tzinfo=JAKARTA)


def march(day: int) -> date:
    return date(2025, 3, day)


def charge(organization, *, credits: int, feature: str, when: datetime) -> CreditTransaction:
    return CreditTransaction.objects.create(
        organization=organization, type="usage", amount=-credits, main_amount=-credits, bonus_amount=0,
        balance_after=0, bonus_balance_after=0, feature=feature, reference_type="aigen.generationjob",
        reference_id=str(uuid.uuid4()), created_at=when,
    )  # fmt: skip


def refund(of: CreditTransaction, *, when: datetime) -> CreditTransaction:
    return CreditTransaction.objects.create(
        organization_id=of.organization_id, type="refund", amount=-of.amount, main_amount=-of.main_amount,
        bonus_amount=0, balance_after=0, bonus_balance_after=0, feature=of.feature, refund_of=of, created_at=when,
    )  # fmt: skip


def grant(organization, *, credits: int, when: datetime) -> CreditTransaction:
    return CreditTransaction.objects.create(
        organization=organization, type="grant", amount=credits, main_amount=credits, bonus_amount=0,
        balance_after=credits, bonus_balance_after=0, created_at=when,
    )  # fmt: skip


def order(organization, *, amount: int, credits: int, bonus: int = 0, gateway: str = "midtrans",
          status: str = "paid", paid_at: datetime | None = None, kind: str = "pack") -> Order:  # fmt: skip
    item = {"plan": Plan.objects.get(code="premium"), "pack": CreditPack.objects.order_by("price_idr").first()}[kind]
    return Order.objects.create(
        order_id=f"T-{uuid.uuid4().hex[:12]}", organization=organization, kind=kind,
        plan=item if kind == "plan" else None, pack=item if kind == "pack" else None, item_name=item.name,
        amount=amount, credits=credits, bonus_credits=bonus, gateway=gateway, status=status, paid_at=paid_at,
    )  # fmt: skip


def usage(organization, *, endpoint: str, provider: str, when: datetime, status: str = "succeeded",
          duration_ms: int = 100, cost_usd: str = "0", cache_hit: bool = False) -> AIUsageLog:  # fmt: skip
    row = AIUsageLog.objects.create(
        organization=organization, endpoint=endpoint, provider=provider, model=f"{provider}-model",
        status=status, duration_ms=duration_ms, cost_usd=Decimal(cost_usd), cache_hit=cache_hit,
    )  # fmt: skip
    AIUsageLog.objects.filter(pk=row.pk).update(created_at=when)  # created_at is auto_now_add
    return row
