"""Midtrans Subscriptions API (through midtransclient's CoreApi): each period Midtrans charges
the saved card token or GoPay account itself, and every charge arrives as a normal signed
notification whose order_id starts with "SUBS-" (billing.webhooks.midtrans_recurring).

Wire (PROVIDERS.md): POST {api}/v1/subscriptions {name, amount (string), currency,
payment_type, token, schedule {interval, interval_unit, max_interval, start_time
"YYYY-MM-DD HH:MM:SS +0700"}, retry_schedule, metadata, customer_details, gopay {account_id}}
-> {id, status: active, ...}; POST /v1/subscriptions/{id}/disable.

Which subscription a charge belongs to: Midtrans' docs give a charge's payment notification
no subscription id field. The subscription's `name` "is used to generate order ID for the
transaction" (the order id contains the name and a 10-digit unique number; create-subscription
reference), and since August 2023 the notification's order_id is that order id prefixed with
"SUBS-" (changelog). So the name carries our subscription's id, fixed-width (MODOSUB + 10
digits: no name is the start of another), and the order_id is searched for it.
"""

import re
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from midtransclient.error_midtrans import JSONDecodeError, MidtransAPIError

from .base import GatewayError, Recurring
from .midtrans import _core, _error
from .midtrans_gopay import gopay_account_get

JAKARTA = ZoneInfo("Asia/Jakarta")
GOPAY_PREFIX = "gopay:"  # payment_token "gopay:<account_id>" charges a linked GoPay account


SUBSCRIPTION_NAME_PREFIX = "MODOSUB"
_NAME_IN_ORDER_ID = re.compile(rf"{SUBSCRIPTION_NAME_PREFIX}(\d{{10}})")


def midtrans_subscription_name(subscription) -> str:
    return f"{SUBSCRIPTION_NAME_PREFIX}{subscription.pk:010d}"


def midtrans_subscription_id_from_order_id(order_id: str) -> int | None:
    """Our subscription's id in the order_id of a Midtrans subscription charge; None if the
    charge is of no subscription MODO named."""
    found = _NAME_IN_ORDER_ID.search(order_id)
    return int(found.group(1)) if found else None


def midtrans_subscription_body(
    *, subscription, plan, payment_token: str, payer_email: str, gopay_token: str = ""
) -> dict:
    """The create body. A GoPay subscription's `token` is the linked account's GOPAY_WALLET
    payment option token (from Get Pay Account), with the account in `gopay.account_id`."""
    start = subscription.current_period_end.astimezone(JAKARTA)
    body = {
        "name": midtrans_subscription_name(subscription),
        "amount": str(plan.price_idr),
        "currency": "IDR",
        "payment_type": "credit_card",
        "token": payment_token,
        "schedule": {
            "interval": plan.period_days,
            "interval_unit": "day",
            "max_interval": 120,
            "start_time": start.strftime("%Y-%m-%d %H:%M:%S %z"),
        },
        "retry_schedule": {"interval": 1, "interval_unit": "day", "max_interval": settings.BILLING_GRACE_DAYS},
        "metadata": {"modo_subscription": str(subscription.pk), "organization": str(subscription.organization_id)},
        "customer_details": {"email": payer_email},
    }
    if payment_token.startswith(GOPAY_PREFIX):
        account_id = payment_token[len(GOPAY_PREFIX) :]
        body.update(payment_type="gopay", token=gopay_token, gopay={"account_id": account_id})
    return body


class MidtransRecurring(Recurring):
    # A saved_token_id from a card charge with save_token_id (services.card_check): the shapes
    # Midtrans' docs show are first digits + random letters + 4 last digits ("48111111sHfS…1114")
    # and first 6 digits + a UUID ("4811117d16c884-2cc7-…"); or "gopay:<account_id>" of a
    # linked GoPay account. A one-time token_id is not one: the Subscriptions API refuses it.
    payment_token_pattern = re.compile(
        r"\d{6}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"|\d{6,8}[A-Za-z0-9]{8,60}\d{4}"
        rf"|{re.escape(GOPAY_PREFIX)}[A-Za-z0-9-]{{6,64}}"
    )

    def start(self, *, subscription, plan, payment_token: str, payer_email: str) -> str:
        gopay_token = ""
        if payment_token.startswith(GOPAY_PREFIX):  # the token is Midtrans', asked for, never posted
            account = gopay_account_get(payment_token[len(GOPAY_PREFIX) :])
            if account.status != "ENABLED" or not account.wallet_token:
                raise GatewayError(f"Midtrans: the GoPay account is {account.status or 'unknown'}.", retryable=False)
            gopay_token = account.wallet_token
        body = midtrans_subscription_body(
            subscription=subscription,
            plan=plan,
            payment_token=payment_token,
            payer_email=payer_email,
            gopay_token=gopay_token,
        )
        try:
            answer = _core().create_subscription(body)
        except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
            raise _error(exc) from exc
        if not isinstance(answer, dict) or not answer.get("id"):
            raise GatewayError("Midtrans answered without a subscription id.", retryable=True)
        return str(answer["id"])

    def stop(self, *, reference: str) -> None:
        try:
            _core().disable_subscription(reference)
        except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
            raise _error(exc) from exc

    def amount_change(self, *, reference: str, amount: int) -> None:
        try:
            _core().update_subscription(reference, {"amount": str(amount), "currency": "IDR"})
        except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
            raise _error(exc) from exc
