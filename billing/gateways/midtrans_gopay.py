"""Midtrans GoPay Tokenization (Core API through midtransclient's CoreApi): link a customer's
GoPay account so the Subscriptions API can charge it each period.

Wire (Midtrans "Create Pay Account" and "Get Pay Account" references): `POST {api}/v2/pay/account`
{payment_type: "gopay", gopay_partner {phone_number (no country code, no leading 0),
country_code "62", redirect_url}} -> {status_code "201", account_id, account_status "PENDING",
actions [{name: "activation-link-url" | "activation-link-app" | …, method, url}]}; the customer
opens the activation link and confirms in GoPay, then `GET {api}/v2/pay/account/{account_id}`
-> account_status "ENABLED" with metadata.payment_options [{name: "GOPAY_WALLET" | "PAY_LATER",
active, balance, token}], or "PENDING" / "EXPIRED" / "DISABLED". The option's `token` (not the
account_id) is what a charge (`gopay.payment_option_token`) and a subscription (`token`, with
`gopay.account_id`) use. `POST {api}/v2/pay/account/{account_id}/unbind` ("Unbind Pay
Account") -> {status_code "204", account_status "DISABLED", channel_response_code "0"}, or, when
GoPay's side fails, {status_code "202", channel_response_code, channel_response_message} with no
account status (both HTTP 200); the reference does not say what a second unbind answers.
Midtrans POSTs a Pay Account notification to the notification URL when the customer links
the account and when it is unlinked (by MODO, or by the customer in the Gojek/GoPay app):
{account_id, merchant_id, payment_type, status_code ("200" linked, "204" unlinked),
account_status, status_message, signature_key} ("Receiving Notifications": signed with
sha512(account_id + account_status + status_code + server_key)).
"""

from dataclasses import dataclass

import requests
from midtransclient.error_midtrans import JSONDecodeError, MidtransAPIError

from .base import GatewayError
from .midtrans import _core, _error, _not_found, signature_matches

# The activation links Midtrans names, the web one first: MODO's page is a browser page.
ACTIVATION_ACTIONS = ("activation-link-url", "activation-deeplink", "activation-link-app")
WALLET_OPTION = "GOPAY_WALLET"  # renewals are paid from the balance, not PayLater


@dataclass(frozen=True)
class PayAccount:
    account_id: str
    status: str  # PENDING | ENABLED | EXPIRED | DISABLED (upper case, as Midtrans says it)
    wallet_token: str = ""  # the GOPAY_WALLET payment option's token, when ENABLED and active


def gopay_account_create(*, phone_number: str, redirect_url: str) -> tuple[str, str]:
    """Start linking: (account_id, the activation URL to send the customer to)."""
    body = {
        "payment_type": "gopay",
        "gopay_partner": {"phone_number": phone_number, "country_code": "62", "redirect_url": redirect_url},
    }
    try:
        answer = _core().link_payment_account(body)
    except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
        raise _error(exc) from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("account_id"), str) or not answer["account_id"]:
        raise GatewayError("Midtrans answered without an account_id.", retryable=True)
    links = {a.get("name"): a.get("url") for a in answer.get("actions") or [] if isinstance(a, dict)}
    url = next((links[name] for name in ACTIVATION_ACTIONS if links.get(name)), "")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise GatewayError("Midtrans answered without an activation link.", retryable=True)
    return answer["account_id"], url


def _pay_account(account_id: str) -> dict | None:
    """Get Pay Account's answer; None when Midtrans knows no such account."""
    try:
        return _core().get_payment_account(account_id)
    except MidtransAPIError as exc:
        if _not_found(exc):
            return None
        raise _error(exc) from exc
    except (JSONDecodeError, requests.RequestException) as exc:
        raise _error(exc) from exc


def gopay_account_get(account_id: str) -> PayAccount:
    """The account as Midtrans knows it now: the only source MODO trusts for a link's state."""
    answer = _pay_account(account_id)
    if answer is None:
        raise GatewayError("Midtrans: no such GoPay account.", retryable=False)
    if not isinstance(answer, dict) or answer.get("account_id") != account_id:
        raise GatewayError("Midtrans answered about another account.", retryable=True)
    status = str(answer.get("account_status") or "").upper()
    options = (answer.get("metadata") or {}).get("payment_options") or [] if status == "ENABLED" else []
    wallet = next(
        (o for o in options if isinstance(o, dict) and o.get("name") == WALLET_OPTION and o.get("active") is not False),
        {},
    )
    token = wallet.get("token")
    return PayAccount(account_id=account_id, status=status, wallet_token=token if isinstance(token, str) else "")


# A pay account in one of these states is linked to nothing (or no longer exists at Midtrans).
NOT_LINKED = ("DISABLED", "EXPIRED")


def gopay_account_linked(account_id: str) -> bool:
    """Whether Midtrans still has the account linked to MODO (Get Pay Account): DISABLED,
    EXPIRED or unknown is not; a GatewayError when Midtrans does not answer."""
    account = _pay_account(account_id)
    if account is None:
        return False
    return not isinstance(account, dict) or str(account.get("account_status") or "").upper() not in NOT_LINKED


def pay_account_signature_valid(*, payload: dict, server_key: str) -> bool:
    """A Pay Account notification: sha512(account_id + account_status + status_code + server_key)."""
    fields = ("account_id", "account_status", "status_code")
    return signature_matches([str(payload.get(name, "")) for name in fields], payload.get("signature_key"), server_key)


def gopay_account_unbind(account_id: str) -> None:
    """Unlink the customer's GoPay account from MODO. Done when Midtrans answers DISABLED or,
    after any other answer (GoPay's side failed, an account unbound already: undocumented),
    when Get Pay Account says it is linked to nothing or unknown. GatewayError otherwise."""
    try:
        answer = _core().unlink_payment_account(account_id)
    except (MidtransAPIError, JSONDecodeError, requests.RequestException) as exc:
        error = _error(exc)
    else:
        if isinstance(answer, dict) and str(answer.get("account_status") or "").upper() == "DISABLED":
            return
        error = GatewayError(f"Midtrans did not unbind the GoPay account: {answer}", retryable=True)
    try:
        linked = gopay_account_linked(account_id)
    except GatewayError as exc:
        raise error from exc
    if linked:
        raise error
