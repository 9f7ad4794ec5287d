"""The Midtrans card check (Core API through midtransclient's CoreApi): the one charge that
turns the browser's one-time card `token_id` into a `saved_token_id` the Subscriptions API
accepts.

Wire (Midtrans Core API card docs): `POST {api}/v2/charge` {payment_type: "credit_card",
transaction_details {order_id, gross_amount}, credit_card {token_id, authentication: true,
save_token_id: true}, customer_details} -> status_code "201", transaction_status "pending" and
a 3DS `redirect_url`; after 3DS the signed notification and `GET /v2/{order_id}/status` carry
`saved_token_id` and `saved_token_id_expired_at` once the charge is `capture` (fraud accept) or
`settlement`. `POST /v2/{order_id}/cancel` voids a card capture before it settles; a settled one
cannot be modified (status_code 412) and must be refunded: `POST /v2/{order_id}/refund`
{refund_key (letters, digits, - and _), amount, reason} -> status_code "200", transaction_status
"refund" (Midtrans' "Refund Transaction" reference; midtransclient `transactions.refund`).
"""

import re

import requests
from midtransclient.error_midtrans import JSONDecodeError, MidtransAPIError

from .base import GatewayError
from .midtrans import _core, _error, _not_found

CARD_CHECK_PREFIX = "MODOCARD-"
# A one-time token_id from MidtransNew3ds.getCardToken: first 6-8 digits, last 4, a UUID.
ONE_TIME_TOKEN = re.compile(r"\d{6,8}-\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def card_token_is_one_time(token: str) -> bool:
    return ONE_TIME_TOKEN.fullmatch(token) is not None


def card_check_charge(*, order_id: str, amount: int, token_id: str, payer_email: str) -> str:
    """Charge the card with 3DS, asking Midtrans to save it; the 3DS page's URL."""
    body = {
        "payment_type": "credit_card",
        "transaction_details": {"order_id": order_id, "gross_amount": amount},
        "credit_card": {"token_id": token_id, "authentication": True, "save_token_id": True},
        "customer_details": {"email": payer_email},
    }
    try:
        answer = _core().charge(body)
    except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
        raise _error(exc) from exc
    if not isinstance(answer, dict) or not answer.get("redirect_url"):
        # Without 3DS there is no saved token for recurring use: treat it as a refusal.
        raise GatewayError(f"Midtrans answered the card check without a 3DS page: {answer}", retryable=False)
    return str(answer["redirect_url"])


def card_check_status(order_id: str) -> dict | None:
    """Midtrans' own word on the check (`GET /v2/{order_id}/status`); None if it has none."""
    try:
        answer = _core().transactions.status(order_id)
    except MidtransAPIError as exc:
        if _not_found(exc):
            return None
        raise _error(exc) from exc
    except (JSONDecodeError, requests.RequestException) as exc:
        raise _error(exc) from exc
    return answer if isinstance(answer, dict) else None


# A check in one of these states holds no money of the customer's any more.
NOTHING_HELD = ("cancel", "refund", "deny", "expire", "failure")


def card_check_void(order_id: str) -> None:
    """Give the check's amount back: cancel the capture before it settles. When Midtrans
    refuses or fails, its status API decides: a check already cancelled (an earlier cancel
    whose answer was lost), refunded by staff or never paid is done; else the error stands."""
    try:
        _core().transactions.cancel(order_id)
        return
    except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
        error = _error(exc)
    _raise_if_held(order_id, error)


# Midtrans refunds a check it settled (a capture it says to cancel, but MODO asks anyway).
REFUNDABLE = ("settlement", "capture")
REFUND_REASON = "MODO card check for automatic renewal: the amount goes back"


def card_check_refund(order_id: str, *, amount: int) -> None:
    """The last resort once cancels are spent: refund the check (`POST /v2/{order_id}/refund`
    {refund_key, amount, reason}), only when the status API says it holds the money (settled
    or captured). The refund_key is the check's own, so a repeated refund is the same one at
    Midtrans (which accepts the same key again for 7 days) and never a second."""
    state = (card_check_status(order_id) or {}).get("transaction_status")
    if state in NOTHING_HELD:
        return  # cancelled or refunded meanwhile
    if state not in REFUNDABLE:
        raise GatewayError(f"Midtrans: not refunded, the check is {state or 'unknown'} there.", retryable=False)
    body = {"refund_key": f"{order_id}-refund", "amount": amount, "reason": REFUND_REASON}
    try:
        answer = _core().transactions.refund(order_id, body)
    except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
        error = _error(exc)
    else:
        if isinstance(answer, dict) and str(answer.get("status_code")) == "200":
            return
        error = GatewayError(f"Midtrans did not refund the check: {answer}", retryable=True)
    _raise_if_held(order_id, error)  # a refund whose answer was lost is done


def _raise_if_held(order_id: str, error: GatewayError) -> None:
    """After a refused or failed call: done when Midtrans' status API says the check holds no
    money any more (or it knows no such check), else `error`."""
    status = card_check_status(order_id)
    if status is None or status.get("transaction_status") in NOTHING_HELD:
        return
    raise error
