"""Xendit recurring plans over httpx (xendit-python 7.0 has no client for them): Xendit charges
the saved payment method each period and tells us by webhook (recurring.cycle.*), with the
same x-callback-token as invoices (billing.webhooks.xendit_recurring).

Wire (PROVIDERS.md): POST /recurring/plans {reference_id, customer_id, recurring_action
"PAYMENT", currency, amount, schedule {reference_id, interval, interval_count, anchor_date,
retry_interval, retry_interval_count, total_retry, failed_attempt_notifications},
payment_methods [{payment_method_id, rank}], immediate_action_type, failed_cycle_action,
metadata} -> {id, status, ...}; POST /recurring/plans/{id}/deactivate.
"""

import re

import httpx
from django.conf import settings

from ..models import Order
from .base import GatewayError, Recurring

TIMEOUT = httpx.Timeout(10.0, connect=3.05)
DEFAULT_BASE_URL = "https://api.xendit.co"
CUSTOMER_SEPARATOR = "/"  # payment_token "cust-<id>/pm-<id>": the customer and the saved method


def xendit_cycle_status_map(event: str) -> str | None:
    return {
        "recurring.cycle.succeeded": Order.Status.PAID,
        "recurring.cycle.failed": Order.Status.FAILED,
        "recurring.cycle.created": Order.Status.PENDING,
        "recurring.cycle.retrying": Order.Status.PENDING,
    }.get(event)


def _call(path: str, body: dict | None = None, *, method: str = "POST") -> dict:
    base = (settings.XENDIT_API_BASE_URL or DEFAULT_BASE_URL).rstrip("/")
    try:
        response = httpx.request(
            method, f"{base}{path}", json=body or {}, auth=(settings.XENDIT_SECRET_KEY, ""), timeout=TIMEOUT
        )
    except httpx.HTTPError as exc:
        raise GatewayError(f"Xendit recurring: {exc}", retryable=True) from exc
    if response.status_code >= 400:
        retryable = response.status_code >= 500 or response.status_code == 429
        raise GatewayError(f"Xendit recurring: HTTP {response.status_code} {response.text[:200]}", retryable=retryable)
    try:
        return response.json()
    except ValueError as exc:
        raise GatewayError("Xendit recurring answered with something that is not JSON.", retryable=True) from exc


def xendit_plan_body(*, subscription, plan, payment_token: str) -> dict:
    customer_id, _sep, payment_method_id = payment_token.partition(CUSTOMER_SEPARATOR)
    if not payment_method_id:
        raise GatewayError("Xendit needs 'cust-…/pm-…' as the payment token.", retryable=False)
    reference = f"modo-sub-{subscription.pk}"
    return {
        "reference_id": reference,
        "customer_id": customer_id,
        "recurring_action": "PAYMENT",
        "currency": "IDR",
        "amount": plan.price_idr,
        "schedule": {
            "reference_id": f"{reference}-schedule",
            "interval": "DAY",
            "interval_count": plan.period_days,
            "anchor_date": subscription.current_period_end.isoformat(),
            "retry_interval": "DAY",
            "retry_interval_count": 1,
            "total_retry": settings.BILLING_GRACE_DAYS,
            "failed_attempt_notifications": [1],
        },
        "payment_methods": [{"payment_method_id": payment_method_id, "rank": 1}],
        "immediate_action_type": None,
        "failed_cycle_action": "RESUME",
        "metadata": {"modo_subscription": str(subscription.pk)},
    }


class XenditRecurring(Recurring):
    # "<customer id>/<payment method id>" as Xendit writes them (cust-…, pm-…).
    payment_token_pattern = re.compile(r"cust-[A-Za-z0-9-]{1,80}/pm-[A-Za-z0-9-]{1,80}")

    def start(self, *, subscription, plan, payment_token: str, payer_email: str) -> str:
        answer = _call(
            "/recurring/plans", xendit_plan_body(subscription=subscription, plan=plan, payment_token=payment_token)
        )
        if not answer.get("id"):
            raise GatewayError("Xendit answered without a plan id.", retryable=True)
        return str(answer["id"])

    def stop(self, *, reference: str) -> None:
        _call(f"/recurring/plans/{reference}/deactivate")

    def amount_change(self, *, reference: str, amount: int) -> None:
        _call(f"/recurring/plans/{reference}", {"amount": amount}, method="PATCH")
