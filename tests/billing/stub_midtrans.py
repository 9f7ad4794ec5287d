"""The stub's Midtrans (see stub_gateway): Snap, the status API, expire and cancel, the Core API
card charge with save_token_id and the Subscriptions API, plus what the customer and Midtrans
do outside MODO's calls (3DS done, a subscription charge's notification). GoPay Tokenization
is in stub_midtrans_gopay."""

import hashlib
import json
import re
import uuid

from .stub_midtrans_gopay import pay_account_link_done, pay_account_notification, pay_account_wallet_token

ONE_TIME_TOKEN = re.compile(r"\d{6,8}-\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOT_FOUND = {"status_code": "404", "status_message": "Transaction doesn't exist."}
CANNOT_MODIFY = {"status_code": "412", "status_message": "Merchant cannot modify the status of the transaction"}


class MidtransStub:
    """StubGateway's Midtrans side: what a test makes Midtrans know or send."""

    def midtrans_saved_token_issue(self) -> str:
        """A saved_token_id as Midtrans issues it after a card charge with save_token_id (the
        shape of its docs' sample: first 6 digits and a UUID); the Subscriptions API takes it."""
        token = f"481111{uuid.uuid4()}"
        self.midtrans_saved_tokens.add(token)
        return token

    def midtrans_3ds_done(self, order_id: str, outcome: str, *, key: str) -> bytes:
        """The customer finished (or failed) 3DS for a card charge made on this stub: Midtrans
        now knows the outcome and POSTs its signed notification (returned). A captured charge
        asked to save the card carries saved_token_id and saved_token_id_expired_at."""
        status = self.midtrans_statuses[order_id]
        status_code = {"capture": "200", "settlement": "200", "deny": "202", "expire": "407", "failure": "202"}[outcome]
        status.update(transaction_status=outcome, status_code=status_code)
        if outcome == "deny":
            status["fraud_status"] = "deny"
        elif outcome not in ("capture", "settlement"):
            status.pop("fraud_status", None)
        if outcome in ("capture", "settlement") and order_id in self.midtrans_card_saving:
            token = self.midtrans_saved_token_issue()
            status.update(saved_token_id=token, saved_token_id_expired_at="2031-12-31 07:00:00")
        body = dict(status)
        body["signature_key"] = hashlib.sha512(
            f"{order_id}{status_code}{status['gross_amount']}{key}".encode()
        ).hexdigest()
        return json.dumps(body).encode()

    def midtrans_gopay_link_done(self, account_id: str, status: str = "ENABLED") -> bytes:
        """The customer finished (ENABLED) or abandoned (EXPIRED) GoPay linking, or unlinked
        (DISABLED); the linking notification Midtrans POSTs (stub_midtrans_gopay)."""
        return pay_account_link_done(self, account_id, status)

    def midtrans_gopay_account_notification(self, account_id: str, status: str, *, key: str | None = None) -> bytes:
        """A Pay Account notification saying `status`, whatever Midtrans knows (a replay, an
        out-of-order delivery), signed with `key` (default: the stub's Midtrans key)."""
        return pay_account_notification(self, account_id, status, key=key)

    def midtrans_gopay_token(self, account_id: str) -> str:
        return pay_account_wallet_token(self, account_id)

    def midtrans_subscription_charge(
        self, subscription_id: str, *, unique: int, status: str, key: str, amount: int | None = None
    ) -> bytes:
        """What Midtrans POSTs for one charge of a subscription created on this stub: a normal
        signed notification whose order_id is "SUBS-" + the subscription's name and a 10-digit
        unique number (no subscription id field: Midtrans documents none)."""
        [created] = [r for r in self.sent("POST", "/v1/subscriptions") if r.answer_id == subscription_id]
        order_id = f"SUBS-{created.body['name']}-{unique:010d}"
        status_code = {"settlement": "200", "capture": "200", "pending": "201", "deny": "202"}[status]
        gross_amount = f"{amount if amount is not None else created.body['amount']}.00"
        signature = hashlib.sha512(f"{order_id}{status_code}{gross_amount}{key}".encode()).hexdigest()
        return json.dumps(
            {
                "transaction_time": "2026-12-02 09:00:00",
                "transaction_status": status,
                "transaction_id": f"tx-{order_id}",
                "status_message": "midtrans payment notification",
                "status_code": status_code,
                "signature_key": signature,
                "payment_type": created.body["payment_type"],
                "order_id": order_id,
                "gross_amount": gross_amount,
                "fraud_status": "deny" if status == "deny" else "accept",
                "currency": "IDR",
            }
        ).encode()

    def midtrans_status_set(self, order_id: str, transaction_status: str, gross_amount: str, **extra) -> None:
        self.midtrans_statuses[order_id] = {
            "status_code": extra.pop(
                "status_code", "200" if transaction_status in ("settlement", "capture") else "201"
            ),
            "transaction_id": f"tx-{order_id}",
            "order_id": order_id,
            "gross_amount": gross_amount,
            "currency": "IDR",
            "payment_type": "bank_transfer",
            "transaction_status": transaction_status,
            "fraud_status": extra.pop("fraud_status", "accept"),
            **extra,
        }


def midtrans_route(stub, method: str, path: str, _query: str, body: object) -> tuple[int, dict] | None:
    """The answer of a Midtrans route (Snap, Core API, Subscriptions API); None: not one."""
    parts = path.strip("/").split("/")
    if method == "GET" and len(parts) == 3 and parts[0] == "v2" and parts[2] == "status":
        status = stub.midtrans_statuses.get(parts[1])
        return (404, NOT_FOUND) if status is None else (200, status)
    if method == "PATCH" and path.startswith("/v1/subscriptions/"):  # update a subscription
        return 200, {"status_message": "Subscription is updated."}
    if method != "POST":
        return None
    if path == "/v2/charge":  # Core API charge (cards only here)
        return _card_charge(stub, body)
    if len(parts) == 3 and parts[0] == "v2" and parts[2] == "cancel":
        return _cancel(stub, parts[1])
    if len(parts) == 3 and parts[0] == "v2" and parts[2] == "refund":
        return _refund(stub, parts[1], body)
    if len(parts) == 3 and parts[0] == "v2" and parts[2] == "expire":  # expire a transaction
        status = stub.midtrans_statuses.get(parts[1])
        if status is None:
            return 404, NOT_FOUND
        status.update(transaction_status="expire", status_code="407")
        return 200, status
    if path == "/snap/v1/transactions":
        order_id = body["transaction_details"]["order_id"]
        return 201, {"token": f"snap-{order_id}", "redirect_url": f"{stub.url}/snap/v4/redirection/snap-{order_id}"}
    if path == "/v1/subscriptions":
        return _subscription_create(stub, body)
    if path.startswith("/v1/subscriptions/") and path.endswith("/disable"):
        return 200, {"status_message": "Subscription is updated."}
    return None


def _cancel(stub, order_id: str) -> tuple[int, dict]:
    """`POST /v2/{order_id}/cancel`: voids a card capture; anything else (settled, cancelled
    already) cannot be modified, and neither can a capture the test made refuse a few times."""
    status = stub.midtrans_statuses.get(order_id)
    if status is None:
        return 404, NOT_FOUND
    refusals = stub.midtrans_cancel_refusals.get(order_id, 0)
    if refusals:
        stub.midtrans_cancel_refusals[order_id] = refusals - 1
    if refusals or status["transaction_status"] != "capture":
        return 200, CANNOT_MODIFY
    status.update(transaction_status="cancel", status_code="200")
    return 200, status


REFUND_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _refund(stub, order_id: str, body: object) -> tuple[int, dict]:
    """`POST /v2/{order_id}/refund` {refund_key, amount, reason} (Midtrans' "Refund Transaction"):
    only a settled transaction is refunded (a capture must be cancelled), at most what is left
    of it; the same refund_key again answers the same and refunds nothing more. Refusals a test
    asks for answer 412; a lost answer is a refund made and answered 502."""
    status = stub.midtrans_statuses.get(order_id)
    if status is None:
        return 404, NOT_FOUND
    body = body if isinstance(body, dict) else {}
    key = body.get("refund_key", str(uuid.uuid4()))
    errors = []
    if not isinstance(key, str) or not REFUND_KEY.fullmatch(key):
        errors.append("refund_key is invalid")
    if "amount" in body and (not isinstance(body["amount"], int) or body["amount"] < 1):
        errors.append("amount must be a positive integer")
    if not isinstance(body.get("reason", ""), str):
        errors.append("reason must be a string")
    if errors:
        return 200, {"status_code": "400", "status_message": "Bad Request", "validation_messages": errors}
    if (order_id, key) in stub.midtrans_refunds:
        return 200, stub.midtrans_refunds[(order_id, key)]
    refusals = stub.midtrans_refund_refusals.get(order_id, 0)
    if refusals:
        stub.midtrans_refund_refusals[order_id] = refusals - 1
        return 200, CANNOT_MODIFY
    gross = int(float(status["gross_amount"]))
    refunded = sum(int(float(r["refund_amount"])) for r in status.get("refunds", []))
    amount = body.get("amount", gross - refunded)
    if status["transaction_status"] not in ("settlement", "partial_refund") or amount > gross - refunded:
        return 200, CANNOT_MODIFY
    refund = {"refund_chargeback_id": len(status.get("refunds", [])) + 1, "refund_amount": f"{amount}.00"}
    refund.update(created_at="2026-12-06 16:00:00", reason=body.get("reason", ""), refund_key=key)
    status.setdefault("refunds", []).append(refund)
    whole = refunded + amount == gross
    status.update(transaction_status="refund" if whole else "partial_refund", refund_amount=f"{refunded + amount}.00")
    answer = {
        "status_code": "200",
        "status_message": "Success, refund request is approved",
        "transaction_id": status["transaction_id"],
        "order_id": order_id,
        "payment_type": status["payment_type"],
        "transaction_time": status.get("transaction_time", "2026-12-06 15:00:00"),
        "transaction_status": status["transaction_status"],
        "gross_amount": status["gross_amount"],
        "refund_chargeback_id": refund["refund_chargeback_id"],
        "refund_amount": refund["refund_amount"],
        "refund_key": key,
    }
    stub.midtrans_refunds[(order_id, key)] = answer
    if stub.midtrans_refund_answers_lost:
        stub.midtrans_refund_answers_lost -= 1
        return 502, {"status_code": "502", "status_message": "Bad gateway"}
    return 200, answer


def _subscription_create(stub, body: dict) -> tuple[int, dict]:
    """`POST /v1/subscriptions`: refuses a GoPay account that is not ENABLED (or a token that is
    not its wallet option's) and a card token that is not a saved one, as Midtrans does."""
    gopay = body.get("gopay") if isinstance(body.get("gopay"), dict) else {}
    if body.get("payment_type") == "gopay" and (
        stub.midtrans_gopay_accounts.get(gopay.get("account_id"), {}).get("account_status") != "ENABLED"
        or body.get("token") != pay_account_wallet_token(stub, gopay["account_id"])
    ):
        return 400, {"status_message": "Bad Request", "validation_messages": ["gopay account or token invalid"]}
    if body.get("payment_type") == "credit_card" and body.get("token") not in stub.midtrans_saved_tokens:
        return 400, {"status_message": "Bad Request", "validation_messages": ["token is not a saved token"]}
    subscription_id = f"midtrans-sub-{len(stub.sent('POST', '/v1/subscriptions'))}"
    stub.requests[-1].answer_id = subscription_id
    return 200, {
        "id": subscription_id,
        "name": body["name"],
        "amount": body["amount"],
        "currency": body["currency"],
        "created_at": "2026-11-27 10:00:00",
        "schedule": {**body["schedule"], "previous_execution_at": None},
        "status": "active",
        "token": body["token"],
        "payment_type": body["payment_type"],
        "metadata": body.get("metadata", {}),
        "customer_details": body.get("customer_details", {}),
    }


def _card_charge(stub, body: object) -> tuple[int, dict]:
    """`POST /v2/charge` with payment_type credit_card: a one-time token_id from Midtrans' JS,
    3DS asked for; answers status_code 201 pending with the 3DS redirect_url (HTTP 200, as the
    Core API does), and remembers whether the card is to be saved."""
    body = body if isinstance(body, dict) else {}
    details = body.get("transaction_details") or {}
    card = body.get("credit_card") or {}
    errors = []
    if body.get("payment_type") != "credit_card":
        errors.append("payment_type must be credit_card")
    if not isinstance(details.get("order_id"), str) or not details["order_id"]:
        errors.append("transaction_details.order_id is required")
    if not isinstance(details.get("gross_amount"), int) or details["gross_amount"] < 1:
        errors.append("transaction_details.gross_amount must be a positive integer")
    if not isinstance(card.get("token_id"), str) or not ONE_TIME_TOKEN.fullmatch(card["token_id"]):
        errors.append("credit_card.token_id is invalid")
    if errors:
        return 200, {
            "status_code": "400",
            "status_message": "One or more parameters is invalid.",
            "validation_messages": errors,
        }
    order_id = details["order_id"]
    if order_id in stub.midtrans_statuses:
        return 200, {"status_code": "406", "status_message": "The request could not be completed: duplicate order ID."}
    transaction_id = str(uuid.uuid4())
    status = {
        "status_code": "201",
        "status_message": "Success, Credit Card transaction is successful",
        "transaction_id": transaction_id,
        "order_id": order_id,
        "gross_amount": f"{details['gross_amount']}.00",
        "currency": "IDR",
        "payment_type": "credit_card",
        "transaction_time": "2026-12-06 15:00:00",
        "transaction_status": "pending",
        "fraud_status": "accept",
        "masked_card": card["token_id"][:6] + "-" + card["token_id"].split("-")[1],
    }
    stub.midtrans_statuses[order_id] = status
    if card.get("save_token_id") is True and card.get("authentication") is True:
        stub.midtrans_card_saving.add(order_id)
    answer = dict(status)
    answer["redirect_url"] = f"{stub.url}/v2/token/rba/redirect/{transaction_id}"
    return 200, answer
