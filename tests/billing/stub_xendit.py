"""The stub's Xendit (see stub_gateway): invoices (create, look up, expire), customers and
recurring plans (create, get, update, deactivate) in the wire shapes of PROVIDERS.md and
xendit-python's paths."""

from urllib.parse import parse_qs

XENDIT_PREFIXES = ("/v2/invoices", "/invoices", "/recurring", "/customers")


class XenditStub:
    """StubGateway's Xendit side: what a test makes Xendit know."""

    def xendit_plan_linked(self, plan_id: str) -> None:
        """The customer linked a payment method on Xendit's Linking UI: the plan is active."""
        self.xendit_plans[plan_id]["status"] = "ACTIVE"


def xendit_route(stub, method: str, path: str, query: str, body: object) -> tuple[int, object] | None:
    """The answer of a Xendit route; None: not one."""
    if not path.startswith(XENDIT_PREFIXES):
        return None
    parts = path.strip("/").split("/")
    if method == "GET":
        if len(parts) == 3 and parts[:2] == ["recurring", "plans"]:  # get a plan
            plan = stub.xendit_plans.get(parts[2])
            if plan is None:
                return 404, {"error_code": "DATA_NOT_FOUND", "message": "no such plan"}
            return 200, plan
        if path.rstrip("/") == "/v2/invoices":
            invoice = stub.xendit_invoices.get(parse_qs(query).get("external_id", [""])[0])
            return 200, [invoice] if invoice else []
        return None
    if method == "PATCH":
        if path.startswith("/recurring/plans/"):  # update a recurring plan
            return 200, {"id": parts[2], "amount": body.get("amount"), "status": "ACTIVE"}
        return None
    if method != "POST":
        return None
    if len(parts) == 3 and parts[0] == "invoices" and parts[2] == "expire!":  # expire an invoice
        invoice = next((i for i in stub.xendit_invoices.values() if i["id"] == parts[1]), None)
        if invoice is None:
            return 404, {"error_code": "INVOICE_NOT_FOUND_ERROR", "message": "no such invoice"}
        invoice["status"] = "EXPIRED"
        return 200, invoice
    if path.rstrip("/") == "/v2/invoices":
        return 200, _invoice_create(stub, body)
    if path == "/customers":  # create a customer
        return 200, {"id": f"cust-{len(stub.sent('POST', '/customers'))}", **body}
    if path == "/recurring/plans":
        return 201, _plan_create(stub, body)
    if path.startswith("/recurring/plans/") and path.endswith("/deactivate"):
        if parts[2] in stub.xendit_plans:
            stub.xendit_plans[parts[2]]["status"] = "INACTIVE"
        return 200, {"id": parts[2], "status": "INACTIVE"}
    return None


def _invoice_create(stub, body: dict) -> dict:
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
    return invoice


def _plan_create(stub, body: dict) -> dict:
    """`POST /recurring/plans`: active at once with a payment method; with none, it waits for
    the customer on Xendit's Linking UI (REQUIRES_ACTION and its AUTH action)."""
    plan_id = f"repl-{len(stub.sent('POST', '/recurring/plans'))}"
    linking = body["payment_methods"] == []
    actions = [{"action": "AUTH", "url_type": "WEB", "method": "GET", "url": f"{stub.url}/linking/{plan_id}"}]
    plan = {"id": plan_id, "status": "REQUIRES_ACTION" if linking else "ACTIVE", "actions": actions if linking else []}
    stub.xendit_plans[plan_id] = plan
    return {
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
    }
