"""A local stub of Midtrans (Snap, status, expire, cancel, refund, Core API card charge with
save_token_id, Subscriptions API, GoPay Tokenization) and Xendit (invoices, recurring plans) on
127.0.0.1; each gateway's routes live in its own module (stub_midtrans, stub_midtrans_gopay,
stub_xendit).

It speaks the wire shapes of /work/shared/PROVIDERS.md (and the SDKs' paths), records every
request it gets (method, path, headers, JSON body) and answers status look-ups from
`statuses`, which a test sets to what the gateway "knows". Once a test configures a gateway's
key (`keys`), that gateway's routes answer 401 to any other Basic authorization.
"""

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from .stub_midtrans import MidtransStub, midtrans_route
from .stub_midtrans_gopay import gopay_route
from .stub_xendit import XENDIT_PREFIXES, XenditStub, xendit_route

ROUTES = (gopay_route, midtrans_route, xendit_route)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: object
    answer_id: str = ""  # the id the stub gave what this request created


@dataclass
class StubGateway(MidtransStub, XenditStub):
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
    midtrans_cancel_refusals: dict[str, int] = field(default_factory=dict)  # order_id -> cancels still to refuse
    midtrans_unbind_failures: int = 0  # the next unbinds answered 503 (GoPay's side down)
    midtrans_refund_refusals: dict[str, int] = field(default_factory=dict)  # order_id -> refunds still to refuse
    midtrans_refund_answers_lost: int = 0  # the next refunds are made but answered 502 (the answer lost)
    midtrans_refunds: dict[tuple[str, str], dict] = field(default_factory=dict)  # (order_id, refund_key) -> answer

    def reset(self) -> None:
        self.midtrans_saved_tokens.clear()
        self.midtrans_card_saving.clear()
        self.midtrans_gopay_accounts.clear()
        self.midtrans_cancel_refusals.clear()
        self.requests.clear()
        self.midtrans_statuses.clear()
        self.xendit_invoices.clear()
        self.keys.clear()
        self.xendit_plans.clear()
        self.midtrans_unbind_failures = 0
        self.midtrans_refund_refusals.clear()
        self.midtrans_refund_answers_lost = 0
        self.midtrans_refunds.clear()
        self.failing = False

    def authorized(self, path: str, authorization: str | None) -> bool:
        key = self.keys.get("xendit" if path.startswith(XENDIT_PREFIXES) else "midtrans")
        if key is None:
            return True
        return authorization == "Basic " + base64.b64encode(f"{key}:".encode()).decode()

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

        def _serve(self) -> None:
            """Record, then 500 when failing, 401 on a wrong key, else the gateway's route."""
            body = self._record()
            if stub.failing:
                return self._answer(500, {"status_code": "500", "error_messages": ["stub down"]})
            parsed = urlparse(self.path)
            if not stub.authorized(parsed.path, self.headers.get("Authorization")):
                return self._answer(401, {"status_code": "401", "error_messages": ["Access denied: wrong key"]})
            for route in ROUTES:
                answer = route(stub, self.command, parsed.path, parsed.query, body)
                if answer is not None:
                    return self._answer(*answer)
            return self._answer(404, {"error": "no such stub route"})

        do_GET = do_POST = do_PATCH = _serve

    return Handler


def stub_gateway_start() -> tuple[StubGateway, ThreadingHTTPServer]:
    stub = StubGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server
