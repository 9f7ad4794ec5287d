"""Midtrans Snap through `midtransclient`: create a Snap transaction, ask the status API.

Wire facts (PROVIDERS.md): Snap `POST {app}/snap/v1/transactions` -> 201 {token,
redirect_url}; status `GET {api}/v2/{order_id}/status`; notifications are signed with
sha512(order_id + status_code + gross_amount + server_key) over the strings as received.
"""

import hashlib
import hmac

import midtransclient
import requests
from django.conf import settings
from midtransclient.error_midtrans import JSONDecodeError, MidtransAPIError

from ..models import Order
from .base import CheckoutSession, Gateway, GatewayError, GatewayStatus

# (connect, read): a notification is re-checked inside Midtrans' 15 s, so stay well below it.
TIMEOUT_SECONDS = (3.05, 6)


def midtrans_signature(*, order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    raw = f"{order_id}{status_code}{gross_amount}{server_key}".encode()
    return hashlib.sha512(raw).hexdigest()


def midtrans_signature_valid(*, payload: dict, server_key: str) -> bool:
    """A transaction notification: sha512(order_id + status_code + gross_amount + server_key)."""
    fields = ("order_id", "status_code", "gross_amount")
    return signature_matches([str(payload.get(name, "")) for name in fields], payload.get("signature_key"), server_key)


def signature_matches(signed: list[str], given: object, server_key: str) -> bool:
    """Whether `given` is sha512_hex of the `signed` strings and the server key, concatenated
    (how Midtrans signs each kind of notification), compared in constant time."""
    if not server_key:
        return False
    try:
        expected = hashlib.sha512(("".join(signed) + server_key).encode()).hexdigest()
    except UnicodeEncodeError:  # a lone surrogate (JSON "\ud800") has no UTF-8: nobody signed it
        return False
    given = str(given if given is not None else "")
    # compare_digest refuses non-ASCII text; a hex digest is ASCII, so anything else is wrong.
    return given.isascii() and hmac.compare_digest(expected, given)


def midtrans_status_map(*, transaction_status: str, fraud_status: str, status_code: str) -> str | None:
    """Midtrans' transaction status -> our order status; None changes nothing.

    Paid means settlement, or capture with fraud_status accept, and status_code 200. A capture
    in `challenge` waits (pending) for the merchant's decision; `deny` by fraud ends it.
    """
    fraud = (fraud_status or "").lower()
    status = (transaction_status or "").lower()
    if status in ("settlement", "capture"):
        if fraud == "deny":
            return Order.Status.FAILED
        if status == "capture" and fraud != "accept":
            return Order.Status.PENDING  # challenge: not paid until accepted
        if fraud not in ("", "accept") or str(status_code) != "200":
            return Order.Status.PENDING
        return Order.Status.PAID
    if status in ("pending", "authorize"):
        return Order.Status.PENDING
    if status in ("deny", "cancel", "failure"):
        return Order.Status.FAILED
    if status == "expire":
        return Order.Status.EXPIRED
    if status in ("refund", "partial_refund", "chargeback", "partial_chargeback"):
        return Order.Status.REFUNDED
    return None


class _TimeoutSession(requests.Session):
    """midtransclient calls requests without a timeout; a gateway that hangs must not hang us."""

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(method, url, **kwargs)


def _core() -> midtransclient.CoreApi:
    core = midtransclient.CoreApi(
        is_production=settings.MIDTRANS_IS_PRODUCTION,
        server_key=settings.MIDTRANS_SERVER_KEY,
        client_key=settings.MIDTRANS_CLIENT_KEY,
    )
    if settings.MIDTRANS_API_BASE_URL:  # tests point this at a local stub gateway
        config = core.api_config
        config.CORE_SANDBOX_BASE_URL = config.CORE_PRODUCTION_BASE_URL = settings.MIDTRANS_API_BASE_URL
    core.http_client.http_client = _TimeoutSession()
    return core


def _snap() -> midtransclient.Snap:
    snap = midtransclient.Snap(
        is_production=settings.MIDTRANS_IS_PRODUCTION,
        server_key=settings.MIDTRANS_SERVER_KEY,
        client_key=settings.MIDTRANS_CLIENT_KEY,
    )
    config = snap.api_config
    if settings.MIDTRANS_SNAP_BASE_URL:  # tests point this at a local stub gateway
        config.SNAP_SANDBOX_BASE_URL = config.SNAP_PRODUCTION_BASE_URL = settings.MIDTRANS_SNAP_BASE_URL + "/snap/v1"
    if settings.MIDTRANS_API_BASE_URL:
        config.CORE_SANDBOX_BASE_URL = config.CORE_PRODUCTION_BASE_URL = settings.MIDTRANS_API_BASE_URL
    snap.http_client.http_client = _TimeoutSession()
    return snap


def _not_found(exc: MidtransAPIError) -> bool:
    """Midtrans knows no such transaction or account (HTTP 404, or status_code "404" in the body)."""
    return exc.http_status_code == 404 or (exc.api_response_dict or {}).get("status_code") == "404"


def _error(exc: Exception) -> GatewayError:
    status = getattr(exc, "http_status_code", None)
    retryable = not isinstance(exc, MidtransAPIError) or status is None or status >= 500 or status == 429
    return GatewayError(f"Midtrans: {exc}", retryable=retryable)


class MidtransGateway(Gateway):
    code = "midtrans"
    label = "Midtrans"

    def create_checkout(self, *, order: Order, payer_email: str, payer_name: str, finish_url: str) -> CheckoutSession:
        first_name = (payer_name or payer_email.split("@")[0])[:50]
        param = {
            "transaction_details": {"order_id": order.order_id, "gross_amount": order.amount},
            "item_details": [
                {"id": order.item[:50], "price": order.amount, "quantity": 1, "name": order.item_name[:50]}
            ],
            "customer_details": {"first_name": first_name, "email": payer_email},
            "callbacks": {"finish": finish_url},
        }
        try:
            answer = _snap().create_transaction(param)
        except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
            raise _error(exc) from exc
        if not answer.get("token") or not answer.get("redirect_url"):
            raise GatewayError("Midtrans answered without a token or redirect URL.", retryable=True)
        return CheckoutSession(redirect_url=answer["redirect_url"], reference=answer["token"])

    def fetch_status(self, *, order: Order) -> GatewayStatus | None:
        try:
            answer = _snap().transactions.status(order.order_id)
        except MidtransAPIError as exc:
            if _not_found(exc):
                return GatewayStatus(status=None, raw_status="not_found", amount=None)
            raise _error(exc) from exc
        except (JSONDecodeError, requests.RequestException) as exc:
            raise _error(exc) from exc
        return midtrans_gateway_status(answer)

    def checkout_expire(self, *, order: Order) -> None:
        """Core API `POST /v2/{order_id}/expire` (midtransclient `transactions.expire`): a pending
        transaction becomes `expire`. 404: the customer never chose a payment method, so there
        is no transaction to expire and the Snap page's own expiry closes it."""
        try:
            _snap().transactions.expire(order.order_id)
        except MidtransAPIError as exc:
            if _not_found(exc):
                return
            raise _error(exc) from exc
        except (JSONDecodeError, requests.RequestException) as exc:
            raise _error(exc) from exc


def midtrans_gateway_status(payload: dict) -> GatewayStatus:
    raw = str(payload.get("transaction_status", ""))
    status = midtrans_status_map(
        transaction_status=raw,
        fraud_status=str(payload.get("fraud_status") or ""),
        status_code=str(payload.get("status_code", "")),
    )
    return GatewayStatus(
        status=status,
        raw_status=raw if not payload.get("fraud_status") else f"{raw}/{payload.get('fraud_status')}",
        amount=None if payload.get("gross_amount") is None else str(payload.get("gross_amount")),
        reference=str(payload.get("transaction_id", "")),
    )
