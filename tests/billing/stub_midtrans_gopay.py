"""The stub's Midtrans GoPay Tokenization (see stub_gateway): Create Pay Account, Get Pay
Account's answers, Unbind Pay Account, and the customer finishing the linking in GoPay. Wire
shapes of Midtrans' "Create Pay Account", "Get Pay Account" and "Unbind Pay Account" references."""

import base64
import hashlib
import json
import re
import uuid


def pay_account_link_done(stub, account_id: str, status: str = "ENABLED") -> bytes:
    """The customer finished (ENABLED) or abandoned (EXPIRED) linking in GoPay, or unlinked
    MODO in the Gojek/GoPay app (DISABLED): Midtrans' Get Pay Account now says so, with the
    payment options and their tokens once ENABLED. Returns the Pay Account notification
    Midtrans POSTs (pay_account_notification)."""
    account = stub.midtrans_gopay_accounts[account_id]
    account.update(account_status=status, status_code={"ENABLED": "200"}.get(status, "204"))
    account.pop("metadata", None)
    if status == "ENABLED":
        account["metadata"] = {
            "payment_options": [
                {
                    "name": "GOPAY_WALLET",
                    "active": True,
                    "balance": {"value": "1000000.00", "currency": "IDR"},
                    "metadata": {},
                    "token": base64.b64encode(f'{{"type": "GOPAY_WALLET", "id": "{account_id}"}}'.encode()).decode(),
                },
                {
                    "name": "PAY_LATER",
                    "active": True,
                    "balance": {"value": "350000.00", "currency": "IDR"},
                    "metadata": {},
                    "token": base64.b64encode(f'{{"type": "PAY_LATER", "id": "{account_id}"}}'.encode()).decode(),
                },
            ]
        }
    return pay_account_notification(stub, account_id, status)


def pay_account_notification(stub, account_id: str, status: str, *, key: str | None = None) -> bytes:
    """Midtrans' Pay Account notification as its GoPay Tokenization pages show it (status_code
    "200" when linked, "204" when unlinked), signed as "Receiving Notifications" says:
    sha512(account_id + account_status + status_code + server key), with the stub's Midtrans
    key unless `key` is given."""
    status_code = {"ENABLED": "200"}.get(status, "204")
    key = stub.keys.get("midtrans", "") if key is None else key
    signature = hashlib.sha512(f"{account_id}{status}{status_code}{key}".encode()).hexdigest()
    linked = status == "ENABLED"
    return json.dumps(
        {
            "account_id": account_id,
            "merchant_id": "M099098",
            "payment_type": "gopay",
            "signature_key": signature,
            "status_code": status_code,
            "account_status": status,
            "status_message": f"Midtrans account_{'linked' if linked else 'unlinked'} notification",
        }
    ).encode()


def pay_account_wallet_token(stub, account_id: str) -> str:
    """The GOPAY_WALLET payment option token of an ENABLED account ("" otherwise)."""
    options = stub.midtrans_gopay_accounts.get(account_id, {}).get("metadata", {}).get("payment_options", [])
    return next((o["token"] for o in options if o["name"] == "GOPAY_WALLET"), "")


def pay_account_create(stub, body: object) -> tuple[int, dict]:
    """`POST /v2/pay/account`: payment_type gopay, gopay_partner {phone_number without country
    code or leading 0 (9-12 digits), country_code "62", redirect_url}; answers status_code 201,
    account_status PENDING and the activation actions."""
    body = body if isinstance(body, dict) else {}
    partner = body.get("gopay_partner") if isinstance(body.get("gopay_partner"), dict) else {}
    errors = []
    if body.get("payment_type") != "gopay":
        errors.append("payment_type must be gopay")
    phone = partner.get("phone_number")
    if not isinstance(phone, str) or not re.fullmatch(r"[1-9]\d{8,11}", phone):
        errors.append("gopay_partner.phone_number is invalid")
    if partner.get("country_code") != "62":
        errors.append("gopay_partner.country_code is invalid")
    if not isinstance(partner.get("redirect_url"), str) or not partner["redirect_url"].startswith("http"):
        errors.append("gopay_partner.redirect_url is invalid")
    if errors:
        return 400, {"status_code": "400", "status_message": "Bad Request", "validation_messages": errors}
    account_id = str(uuid.uuid4())
    stub.midtrans_gopay_accounts[account_id] = {
        "status_code": "201",
        "payment_type": "gopay",
        "account_id": account_id,
        "account_status": "PENDING",
        "phone_number": phone,
        "redirect_url": partner["redirect_url"],
    }
    stub.requests[-1].answer_id = account_id
    return 200, {
        "status_code": "201",
        "payment_type": "gopay",
        "account_id": account_id,
        "account_status": "PENDING",
        "actions": [
            {
                "name": "activation-link-url",
                "method": "GET",
                "url": f"{stub.url}/v2/gopay/redirect/gpar_{account_id}/link",
            },
            {
                "name": "activation-link-app",
                "method": "GET",
                "url": f"{stub.url}/v2/gopay/redirect/gpad_{account_id}/link",
            },
        ],
    }


def gopay_route(stub, method: str, path: str, _query: str, body: object) -> tuple[int, dict] | None:
    """The answer of a GoPay Tokenization route; None: not one."""
    parts = path.strip("/").split("/")
    if parts[:3] != ["v2", "pay", "account"]:
        return None
    if method == "POST" and len(parts) == 3:  # Create Pay Account
        return pay_account_create(stub, body)
    if method == "GET" and len(parts) == 4:  # Get Pay Account
        account = stub.midtrans_gopay_accounts.get(parts[3])
        return (404, ACCOUNT_NOT_FOUND) if account is None else (200, account)
    if method == "POST" and len(parts) == 5 and parts[4] == "unbind":
        return pay_account_unbind(stub, parts[3], body)
    return None


ACCOUNT_NOT_FOUND = {"status_code": "404", "status_message": "Account not found."}


def pay_account_unbind(stub, account_id: str, body: object) -> tuple[int, dict]:
    """`POST /v2/pay/account/{account_id}/unbind` ("Unbind Pay Account", no parameters; the SDK
    posts `{}`): a linked account becomes DISABLED, answered status_code 204 and account_status
    DISABLED. An account linked to nothing gets the documented failure form (status_code 202
    with the channel's code and message, no account_status): what Midtrans answers a second
    unbind is not documented, so MODO must not rely on it. The next `midtrans_unbind_failures`
    calls: HTTP 503, GoPay's side down."""
    account = stub.midtrans_gopay_accounts.get(account_id)
    if account is None:
        return 404, ACCOUNT_NOT_FOUND
    if body not in (None, {}):
        return 400, {"status_code": "400", "status_message": "Bad Request", "validation_messages": ["no body"]}
    if stub.midtrans_unbind_failures:
        stub.midtrans_unbind_failures -= 1
        return 503, {"status_code": "503", "status_message": "GoPay is not available"}
    answer = {"payment_type": "gopay", "account_id": account_id}
    if account["account_status"] not in ("ENABLED", "PENDING"):
        return 200, {
            **answer,
            "status_code": "202",
            "channel_response_code": "1001",
            "channel_response_message": "Account is not linked.",
        }
    account.update(account_status="DISABLED", status_code="204")
    account.pop("metadata", None)  # its payment option tokens no longer charge anything
    return 200, {
        **answer,
        "status_code": "204",
        "account_status": "DISABLED",
        "channel_response_code": "0",
        "channel_response_message": "Process service request successfully.",
    }
