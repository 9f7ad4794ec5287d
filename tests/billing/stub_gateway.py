"""A local stub of Midtrans (Snap + status API) and Xendit (invoices) on 127.0.0.1.

It speaks the wire shapes of /work/shared/PROVIDERS.md, records every request it gets
(method, path, headers, JSON body) and answers status look-ups from `statuses`, which a
test sets to what the gateway "knows".
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: object


@dataclass
class StubGateway:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    midtrans_statuses: dict[str, dict] = field(default_factory=dict)
    xendit_invoices: dict[str, dict] = field(default_factory=dict)
    failing: bool = False  # answer 500 to everything

    def reset(self) -> None:
        self.requests.clear()
        self.midtrans_statuses.clear()
        self.xendit_invoices.clear()
        self.failing = False

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

        def do_POST(self):
            body = self._record()
            if stub.failing:
                return self._answer(500, {"status_code": "500", "error_messages": ["stub down"]})
            path = urlparse(self.path).path
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
            if path == "/v1/subscriptions":  # Midtrans Subscriptions API
                subscription_id = f"midtrans-sub-{len(stub.sent('POST', '/v1/subscriptions'))}"
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
            if path == "/recurring/plans":  # Xendit recurring plans
                plan_id = f"repl-{len(stub.sent('POST', '/recurring/plans'))}"
                return self._answer(
                    201,
                    {
                        "id": plan_id,
                        "reference_id": body["reference_id"],
                        "customer_id": body["customer_id"],
                        "recurring_action": body["recurring_action"],
                        "currency": body["currency"],
                        "amount": body["amount"],
                        "status": "ACTIVE",
                        "schedule": {**body["schedule"], "id": f"resc-{plan_id}"},
                        "payment_methods": body["payment_methods"],
                        "metadata": body.get("metadata"),
                        "created": "2026-11-27T00:00:00.000Z",
                        "updated": "2026-11-27T00:00:00.000Z",
                    },
                )
            if path.startswith("/recurring/plans/") and path.endswith("/deactivate"):
                return self._answer(200, {"id": path.split("/")[3], "status": "INACTIVE"})
            return self._answer(404, {"error": "no such stub route"})

        def do_PATCH(self):
            body = self._record()
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
            parsed = urlparse(self.path)
            parts = parsed.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "v2" and parts[2] == "status":
                status = stub.midtrans_statuses.get(parts[1])
                if status is None:
                    return self._answer(404, {"status_code": "404", "status_message": "Transaction doesn't exist."})
                return self._answer(200, status)
            if parsed.path.rstrip("/") == "/v2/invoices":
                external_id = parse_qs(parsed.query).get("external_id", [""])[0]
                invoice = stub.xendit_invoices.get(external_id)
                return self._answer(200, [invoice] if invoice else [])
            return self._answer(404, {"error": "no such stub route"})

    return Handler


def stub_gateway_start() -> tuple[StubGateway, ThreadingHTTPServer]:
    stub = StubGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server
