"""A local stub of Midtrans (Snap, status, expire, cancel, Core API card charge with
save_token_id, Subscriptions API) and Xendit (invoices, recurring plans) on 127.0.0.1.

It speaks the wire shapes of /work/shared/PROVIDERS.md (and the SDKs' paths), records every
request it gets (method, path, headers, JSON body) and answers status look-ups from
`statuses`, which a test sets to what the gateway "knows". Once a test configures a gateway's
key (`keys`), that gateway's routes answer 401 to any other Basic authorization.
"""

import base64
import hashlib
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from .stub_midtrans_gopay import pay_account_create, pay_account_link_done, pay_account_wallet_token


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: object
    answer_id: str = ""  # the id the stub gave what this request created


@dataclass
class StubGateway:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    midtrans_statuses: dict[str, dict] = field(default_factory=dict)
    xendit_invoices: dict[str, dict] = field(default_factory=dict)
    failing: bool = False  # answer 500 to everything
    keys: dict[str, str] = field(default_factory=dict)  # "midtrans" | "xendit" -> the secret key
    xendit_plans: dict[str, dict] = field(default_factory=dict)  # plan id -> the plan as Xendit keeps it
    midtrans_saved_tokens: set[str] = field(default_factory=set)  # saved_token_ids this stub issued
    midtrans_card_saving: set[str] = field(default_factory=set)  # charges asked to save the card (3DS on)
    midtrans_gopay_accounts: dict[str, dict] = field(default_factory=dict)  # account_id -> Get Pay Account answer

    def reset(self) -> None:
        self.midtrans_saved_tokens.clear()
        self.midtrans_card_saving.clear()
        self.midtrans_gopay_accounts.clear()
        self.requests.clear()
        self.midtrans_statuses.clear()
        self.xendit_invoices.clear()
        self.keys.clear()
        self.xendit_plans.clear()
        self.failing = False

    def xendit_plan_linked(self, plan_id: str) -> None:
        """The customer linked a payment method on Xendit's Linking UI: the plan is active."""
        self.xendit_plans[plan_id]["status"] = "ACTIVE"

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

    def midtrans_gopay_token(self, account_id: str) -> str:
        return pay_account_wallet_token(self, account_id)

    def authorized(self, path: str, authorization: str | None) -> bool:
        gateway = "xendit" if path.startswith(("/v2/invoices", "/invoices", "/recurring", "/customers")) else "midtrans"
        key = self.keys.get(gateway)
        if key is None:
            return True
        return authorization == "Basic " + base64.b64encode(f"{key}:".encode()).decode()

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

    def sent(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


def _handler(stub: StubGateway):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _answer(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> object:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            stub.requests.append(
                Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )
            return body

        def _unauthorized(self) -> bool:
            if stub.authorized(urlparse(self.path).path, self.headers.get("Authorization")):
                return False
            self._answer(401, {"status_code": "401", "error_messages": ["Access denied: wrong key"]})
            return True

        def do_POST(self):
            body = self._record()
            if stub.failing:
                return self._answer(500, {"status_code": "500", "error_messages": ["stub down"]})
            if self._unauthorized():
                return None
            path = urlparse(self.path).path
            parts = path.strip("/").split("/")
            if path == "/v2/charge":  # Midtrans Core API charge (cards only here)
                return self._answer(*_midtrans_card_charge(stub, body))
            if len(parts) == 3 and parts[0] == "v2" and parts[2] == "cancel":  # Midtrans: void a card capture
                status = stub.midtrans_statuses.get(parts[1])
                if status is None:
                    return self._answer(404, {"status_code": "404", "status_message": "Transaction doesn't exist."})
                if status["transaction_status"] != "capture":
                    return self._answer(200, {"status_code": "412", "status_message": "Merchant cannot modify."})
                status.update(transaction_status="cancel", status_code="200")
                return self._answer(200, status)
            if len(parts) == 3 and parts[0] == "v2" and parts[2] == "expire":  # Midtrans: expire a transaction
                status = stub.midtrans_statuses.get(parts[1])
                if status is None:
                    return self._answer(404, {"status_code": "404", "status_message": "Transaction doesn't exist."})
                status.update(transaction_status="expire", status_code="407")
                return self._answer(200, status)
            if len(parts) == 3 and parts[0] == "invoices" and parts[2] == "expire!":  # Xendit: expire an invoice
                invoice = next((i for i in stub.xendit_invoices.values() if i["id"] == parts[1]), None)
                if invoice is None:
                    return self._answer(404, {"error_code": "INVOICE_NOT_FOUND_ERROR", "message": "no such invoice"})
                invoice["status"] = "EXPIRED"
                return self._answer(200, invoice)
            if path == "/snap/v1/transactions":
                order_id = body["transaction_details"]["order_id"]
                return self._answer(
                    201,
                    {"token": f"snap-{order_id}", "redirect_url": f"{stub.url}/snap/v4/redirection/snap-{order_id}"},
                )
            if path.rstrip("/") == "/v2/invoices":
                invoice = {
                    "id": f"inv-{body['external_id']}",
                    "external_id": body["external_id"],
                    "user_id": "stub-user",
                    "status": "PENDING",
                    "merchant_name": "MODO",
                    "amount": body["amount"],
                    "payer_email": body.get("payer_email"),
                    "description": body.get("description"),
                    "expiry_date": "2026-12-31T00:00:00.000Z",
                    "invoice_url": f"{stub.url}/web/invoices/inv-{body['external_id']}",
                    "currency": "IDR",
                    "created": "2026-11-27T00:00:00.000Z",
                    "updated": "2026-11-27T00:00:00.000Z",
                }
                stub.xendit_invoices[body["external_id"]] = invoice
                return self._answer(200, invoice)
            if path == "/v2/pay/account":  # Midtrans GoPay Tokenization: create pay account
                return self._answer(*pay_account_create(stub, body))
            if path == "/v1/subscriptions":  # Midtrans Subscriptions API
                gopay = body.get("gopay") if isinstance(body.get("gopay"), dict) else {}
                if body.get("payment_type") == "gopay" and (
                    stub.midtrans_gopay_accounts.get(gopay.get("account_id"), {}).get("account_status") != "ENABLED"
                    or body.get("token") != pay_account_wallet_token(stub, gopay["account_id"])
                ):
                    # Midtrans checks the GoPay account is enabled; the token is its payment option's.
                    return self._answer(
                        400,
                        {"status_message": "Bad Request", "validation_messages": ["gopay account or token invalid"]},
                    )
                if body.get("payment_type") == "credit_card" and body.get("token") not in stub.midtrans_saved_tokens:
                    # Only a saved_token_id (from a charge with save_token_id) can be charged again.
                    return self._answer(
                        400, {"status_message": "Bad Request", "validation_messages": ["token is not a saved token"]}
                    )
                subscription_id = f"midtrans-sub-{len(stub.sent('POST', '/v1/subscriptions'))}"
                stub.requests[-1].answer_id = subscription_id
                return self._answer(
                    200,
                    {
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
                    },
                )
            if path.startswith("/v1/subscriptions/") and path.endswith("/disable"):
                return self._answer(200, {"status_message": "Subscription is updated."})
            if path == "/customers":  # Xendit: create a customer
                customer = {"id": f"cust-{len(stub.sent('POST', '/customers'))}", **body}
                return self._answer(200, customer)
            if path == "/recurring/plans":  # Xendit recurring plans
                plan_id = f"repl-{len(stub.sent('POST', '/recurring/plans'))}"
                linking = body["payment_methods"] == []  # Xendit's Linking UI collects the method
                plan = {
                    "id": plan_id,
                    "status": "REQUIRES_ACTION" if linking else "ACTIVE",
                    "actions": [
                        {"action": "AUTH", "url_type": "WEB", "method": "GET", "url": f"{stub.url}/linking/{plan_id}"}
                    ]
                    if linking
                    else [],
                }
                stub.xendit_plans[plan_id] = plan
                return self._answer(
                    201,
                    {
                        **plan,
                        "reference_id": body["reference_id"],
                        "customer_id": body["customer_id"],
                        "recurring_action": body["recurring_action"],
                        "currency": body["currency"],
                        "amount": body["amount"],
                        "schedule": {**body["schedule"], "id": f"resc-{plan_id}"},
                        "payment_methods": body["payment_methods"],
                        "metadata": body.get("metadata"),
                        "created": "2026-11-27T00:00:00.000Z",
                        "updated": "2026-11-27T00:00:00.000Z",
                    },
                )
            if path.startswith("/recurring/plans/") and path.endswith("/deactivate"):
                if path.split("/")[3] in stub.xendit_plans:
                    stub.xendit_plans[path.split("/")[3]]["status"] = "INACTIVE"
                return self._answer(200, {"id": path.split("/")[3], "status": "INACTIVE"})
            return self._answer(404, {"error": "no such stub route"})

        def do_PATCH(self):
            body = self._record()
            if self._unauthorized():
                return None
            path = urlparse(self.path).path
            if path.startswith("/v1/subscriptions/"):  # Midtrans: update a subscription
                return self._answer(200, {"status_message": "Subscription is updated."})
            if path.startswith("/recurring/plans/"):  # Xendit: update a recurring plan
                return self._answer(200, {"id": path.split("/")[3], "amount": body.get("amount"), "status": "ACTIVE"})
            return self._answer(404, {"error": "no such stub route"})

        def do_GET(self):
            self._record()
            if stub.failing:
                return self._answer(500, {"status_code": "500", "error_messages": ["stub down"]})
            if self._unauthorized():
                return None
            parsed = urlparse(self.path)
            parts = parsed.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "v2" and parts[2] == "status":
                status = stub.midtrans_statuses.get(parts[1])
                if status is None:
                    return self._answer(404, {"status_code": "404", "status_message": "Transaction doesn't exist."})
                return self._answer(200, status)
            if len(parts) == 4 and parts[:3] == ["v2", "pay", "account"]:  # Midtrans: Get Pay Account
                account = stub.midtrans_gopay_accounts.get(parts[3])
                if account is None:
                    return self._answer(404, {"status_code": "404", "status_message": "Account not found."})
                return self._answer(200, account)
            if len(parts) == 3 and parts[:2] == ["recurring", "plans"]:  # Xendit: get a plan
                plan = stub.xendit_plans.get(parts[2])
                if plan is None:
                    return self._answer(404, {"error_code": "DATA_NOT_FOUND", "message": "no such plan"})
                return self._answer(200, plan)
            if parsed.path.rstrip("/") == "/v2/invoices":
                external_id = parse_qs(parsed.query).get("external_id", [""])[0]
                invoice = stub.xendit_invoices.get(external_id)
                return self._answer(200, [invoice] if invoice else [])
            return self._answer(404, {"error": "no such stub route"})

    return Handler


ONE_TIME_TOKEN = re.compile(r"\d{6,8}-\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _midtrans_card_charge(stub: StubGateway, body: object) -> tuple[int, dict]:
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


def stub_gateway_start() -> tuple[StubGateway, ThreadingHTTPServer]:
    stub = StubGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server
