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
import secrets

import httpx
import urllib3
from django.conf import settings
from xendit.customer import CustomerApi
from xendit.customer.model.customer_request import CustomerRequest
from xendit.customer.model.individual_detail import IndividualDetail
from xendit.exceptions import OpenApiException

from ..models import Order
from .base import GatewayError, Recurring
from .xendit import TIMEOUT_SECONDS, xendit_api_client, xendit_body, xendit_error

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
            method,
            f"{base}{path}",
            json=None if method == "GET" else body or {},
            auth=(settings.XENDIT_SECRET_KEY, ""),
            timeout=TIMEOUT,
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


def xendit_customer_create(*, subscription, name: str, email: str) -> str:
    """A Xendit customer for the plan (xendit-python's CustomerApi: `POST /customers`)."""
    reference = f"modo-sub-{subscription.pk}-{secrets.token_hex(4)}"
    request = CustomerRequest(
        reference_id=reference,
        type="INDIVIDUAL",
        individual_detail=IndividualDetail(given_names=(name or email.split("@")[0] or "MODO")[:50]),
        email=email,
    )
    try:
        response = CustomerApi(xendit_api_client()).create_customer(
            idempotency_key=reference,
            customer_request=request,
            _preload_content=False,
            _request_timeout=TIMEOUT_SECONDS,
        )
        answer = xendit_body(response)
    except (OpenApiException, urllib3.exceptions.HTTPError, ValueError) as exc:
        raise xendit_error(exc) from exc
    if not isinstance(answer, dict) or not answer.get("id"):
        raise GatewayError("Xendit answered without a customer id.", retryable=True)
    return str(answer["id"])


def xendit_plan_body(*, subscription, plan, customer_id: str, payment_method_id: str | None) -> dict:
    """With a payment method: the plan charges it. Without (`payment_methods: []`): Xendit's
    Linking UI, whose URL the answer's `actions` carry, lets the customer link one."""
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
        "payment_methods": [{"payment_method_id": payment_method_id, "rank": 1}] if payment_method_id else [],
        "immediate_action_type": None,
        "failed_cycle_action": "RESUME",
        "metadata": {"modo_subscription": str(subscription.pk)},
    }


def _linking_url(answer: dict) -> str | None:
    for action in answer.get("actions") or []:
        if isinstance(action, dict) and action.get("url_type") == "WEB" and action.get("url"):
            return str(action["url"])
    return None


class XenditRecurring(Recurring):
    links_on_its_page = True

    # "<customer id>/<payment method id>" as Xendit writes them (cust-…, pm-…).
    payment_token_pattern = re.compile(r"cust-[A-Za-z0-9-]{1,80}/pm-[A-Za-z0-9-]{1,80}")

    def start(self, *, subscription, plan, payment_token: str, payer_email: str) -> str:
        customer_id, _sep, payment_method_id = payment_token.partition(CUSTOMER_SEPARATOR)
        body = xendit_plan_body(
            subscription=subscription, plan=plan, customer_id=customer_id, payment_method_id=payment_method_id
        )
        answer = _call("/recurring/plans", body)
        if not answer.get("id"):
            raise GatewayError("Xendit answered without a plan id.", retryable=True)
        return str(answer["id"])

    def start_linking(self, *, subscription, plan, payer_email: str, payer_name: str, return_url: str):
        customer_id = xendit_customer_create(subscription=subscription, name=payer_name, email=payer_email)
        body = xendit_plan_body(subscription=subscription, plan=plan, customer_id=customer_id, payment_method_id=None)
        body.update(success_return_url=return_url, failure_return_url=return_url)
        answer = _call("/recurring/plans", body)
        url = _linking_url(answer)
        if not answer.get("id") or url is None:
            raise GatewayError("Xendit answered without a plan id or a linking URL.", retryable=True)
        return str(answer["id"]), url

    def plan_active(self, *, reference: str) -> bool:
        """Xendit's own word (`GET /recurring/plans/{id}`): a replayed "activated" webhook of a
        plan since deactivated must not turn automatic renewal back on."""
        return str(_call(f"/recurring/plans/{reference}", method="GET").get("status", "")).upper() == "ACTIVE"

    def stop(self, *, reference: str) -> None:
        _call(f"/recurring/plans/{reference}/deactivate")

    def amount_change(self, *, reference: str, amount: int) -> None:
        _call(f"/recurring/plans/{reference}", {"amount": amount}, method="PATCH")
