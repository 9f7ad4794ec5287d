"""The abuse rules: each one reads a window of activity and returns the subjects it finds.

A rule only reads; `services.abuse_scan` turns hits into flags (one open flag per rule and
subject), emails staff and tells Sentry. Thresholds and windows are settings (`ABUSE_*`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min

from accounts.models import Organization, User
from aigen.models import AIUsageLog, GenerationJob
from aigen.providers.base import SAFETY_MARKER
from billing.models import Order
from credits.hooks import organization_tier

from .models import AbuseFlag, SignupRecord


@dataclass(frozen=True)
class RuleHit:
    rule: str
    subject: str  # user:<id>, org:<id>, ip:<address>; one open flag per (rule, subject)
    label: str  # for people: the email, the organization's name, the address
    window_start: datetime
    window_end: datetime
    evidence: dict
    organization_id: object = None
    user_id: object = None
    ip_address: str | None = None


def generation_bursts(*, now: datetime) -> list[RuleHit]:
    """A user generating far above their plan's normal pace: more generations in the window
    than ABUSE_BURST_MULTIPLE x the tier's daily limit spread over the window, and at least
    ABUSE_BURST_MIN_GENERATIONS (so a trial's tiny limit does not flag a normal evening)."""
    window = timedelta(minutes=settings.ABUSE_BURST_WINDOW_MINUTES)
    start = now - window
    minimum = settings.ABUSE_BURST_MIN_GENERATIONS
    groups = (
        GenerationJob.objects.filter(created_at__gte=start, created_at__lt=now, user__isnull=False)
        .values("user_id", "organization_id")
        .annotate(generations=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .filter(generations__gt=minimum)
    )
    hits = []
    for group in groups:
        organization = Organization.objects.get(pk=group["organization_id"])
        tier = organization_tier(organization)
        normal = tier.daily_limit * window.total_seconds() / 86400
        threshold = max(minimum, settings.ABUSE_BURST_MULTIPLE * normal)
        if group["generations"] <= threshold:
            continue
        user = User.objects.get(pk=group["user_id"])
        hits.append(
            RuleHit(
                rule=AbuseFlag.Rule.GENERATION_BURST,
                subject=f"user:{user.pk}:org:{organization.pk}",
                label=f"{user.email} in {organization.name}",
                window_start=start,
                window_end=now,
                organization_id=organization.pk,
                user_id=user.pk,
                evidence={
                    "generations": group["generations"],
                    "threshold": round(threshold, 1),
                    "tier": tier.code,
                    "tier_daily_limit": tier.daily_limit,
                    "window_minutes": settings.ABUSE_BURST_WINDOW_MINUTES,
                    "first_at": group["first"].isoformat(),
                    "last_at": group["last"].isoformat(),
                },
            )
        )
    return hits


def failed_payments(*, now: datetime) -> list[RuleHit]:
    """An organization whose orders keep failing (denied, cancelled, expired): at least
    ABUSE_FAILED_PAYMENTS_MAX of them ended in the window — card testing looks like this."""
    start = now - timedelta(hours=settings.ABUSE_FAILED_PAYMENTS_WINDOW_HOURS)
    ended = (Order.Status.FAILED, Order.Status.EXPIRED)
    groups = (
        Order.objects.filter(status__in=ended, updated_at__gte=start, updated_at__lt=now)
        .values("organization_id")
        .annotate(orders=Count("id"))
        .filter(orders__gte=settings.ABUSE_FAILED_PAYMENTS_MAX)
    )
    hits = []
    for group in groups:
        organization = Organization.objects.get(pk=group["organization_id"])
        orders = Order.objects.filter(
            organization=organization, status__in=ended, updated_at__gte=start, updated_at__lt=now
        ).order_by("-updated_at")
        hits.append(
            RuleHit(
                rule=AbuseFlag.Rule.FAILED_PAYMENTS,
                subject=f"org:{organization.pk}",
                label=organization.name,
                window_start=start,
                window_end=now,
                organization_id=organization.pk,
                evidence={
                    "failed_orders": group["orders"],
                    "threshold": settings.ABUSE_FAILED_PAYMENTS_MAX,
                    "window_hours": settings.ABUSE_FAILED_PAYMENTS_WINDOW_HOURS,
                    "orders": [
                        {"order_id": o.order_id, "status": o.status, "gateway": o.gateway, "amount": o.amount}
                        for o in orders[:20]
                    ],
                },
            )
        )
    return hits


def signup_ip_bursts(*, now: datetime) -> list[RuleHit]:
    """Many accounts from one client address in a short time: at least ABUSE_SIGNUP_IP_MAX
    signups from the same address within the window (trial farming)."""
    start = now - timedelta(minutes=settings.ABUSE_SIGNUP_IP_WINDOW_MINUTES)
    groups = (
        SignupRecord.objects.filter(created_at__gte=start, created_at__lt=now)
        .values("ip_address")
        .annotate(signups=Count("id"))
        .filter(signups__gte=settings.ABUSE_SIGNUP_IP_MAX)
    )
    hits = []
    for group in groups:
        address = group["ip_address"]
        emails = list(
            SignupRecord.objects.filter(ip_address=address, created_at__gte=start, created_at__lt=now)
            .order_by("created_at")
            .values_list("user__email", flat=True)[:50]
        )
        hits.append(
            RuleHit(
                rule=AbuseFlag.Rule.SIGNUP_IP_BURST,
                subject=f"ip:{address}",
                label=address,
                window_start=start,
                window_end=now,
                ip_address=address,
                evidence={
                    "signups": group["signups"],
                    "threshold": settings.ABUSE_SIGNUP_IP_MAX,
                    "window_minutes": settings.ABUSE_SIGNUP_IP_WINDOW_MINUTES,
                    "emails": emails,
                },
            )
        )
    return hits


def safety_rejections(*, now: datetime) -> list[RuleHit]:
    """A user whose prompts providers keep refusing on safety grounds: at least
    ABUSE_SAFETY_REJECTIONS_MAX usage-log rows marked SAFETY_MARKER in the window.

    The adapters mark a refusal (Stability CONTENT_FILTERED or content_moderation, OpenAI
    moderation_blocked / content_policy_violation, Gemini and Veo safety blocks); see
    aigen.providers.base.ProviderError(safety=True).
    """
    start = now - timedelta(hours=settings.ABUSE_SAFETY_WINDOW_HOURS)
    rejections = AIUsageLog.objects.filter(
        status=AIUsageLog.Status.FAILED,
        error__contains=SAFETY_MARKER,
        created_at__gte=start,
        created_at__lt=now,
        user__isnull=False,
    )
    groups = (
        rejections.values("user_id")
        .annotate(rejections=Count("id"))
        .filter(rejections__gte=settings.ABUSE_SAFETY_REJECTIONS_MAX)
    )
    hits = []
    for group in groups:
        user = User.objects.get(pk=group["user_id"])
        latest = list(rejections.filter(user=user).order_by("-created_at")[:10])
        hits.append(
            RuleHit(
                rule=AbuseFlag.Rule.SAFETY_REJECTIONS,
                subject=f"user:{user.pk}",
                label=user.email,
                window_start=start,
                window_end=now,
                organization_id=latest[0].organization_id,
                user_id=user.pk,
                evidence={
                    "rejections": group["rejections"],
                    "threshold": settings.ABUSE_SAFETY_REJECTIONS_MAX,
                    "window_hours": settings.ABUSE_SAFETY_WINDOW_HOURS,
                    "latest": [
                        {"at": row.created_at.isoformat(), "endpoint": row.endpoint, "error": row.error[:200]}
                        for row in latest
                    ],
                },
            )
        )
    return hits


RULES: list[Callable[..., list[RuleHit]]] = [generation_bursts, failed_payments, signup_ip_bursts, safety_rejections]
