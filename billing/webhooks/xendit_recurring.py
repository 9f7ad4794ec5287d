"""Xendit recurring plan webhooks ({event, business_id, created, data}), verified with the same
x-callback-token as invoices (by the caller, billing.webhooks.xendit). recurring.cycle.* events
are charges: each cycle id becomes one renewal order (services.renewal); plan events are
stored and answered."""

from django.utils.translation import gettext as _

from ..gateways import GatewayError
from ..gateways.base import RecurringCharge
from ..gateways.xendit_recurring import xendit_cycle_status_map
from ..models import WebhookEvent
from ..services.auto_renewal import auto_renewal_plan_activated
from ..services.fulfilment import amount_idr_parse
from .receipt import (
    WebhookAnswer,
    accepted,
    missing_fields_rejected,
    rejected,
    webhook_event_close,
    webhook_event_store,
)
from .recurring_charge import recurring_charge_answer

GATEWAY = "xendit"
PLAN_ACTIVATED = "recurring.plan.activated"


def _plan_activated(*, payload: dict, body: bytes, headers, reject) -> WebhookAnswer:
    """The customer linked a payment method on Xendit's Linking UI: automatic renewal is on."""
    data = payload.get("data")
    if not isinstance(data, dict) or not (isinstance(data.get("id"), str) and data["id"].isprintable()):
        return missing_fields_rejected(reject, ["data.id"], payload)
    event = webhook_event_store(
        gateway=GATEWAY, body=body, headers=headers, payload=payload, external_status=PLAN_ACTIVATED
    )
    try:
        turned_on = auto_renewal_plan_activated(gateway=GATEWAY, reference=data["id"])
    except GatewayError as exc:
        webhook_event_close(event, verdict=WebhookEvent.Verdict.RETRY, reason=f"plan check: {exc}")
        return rejected(503, _("Could not confirm the plan with Xendit; please retry."), "GATEWAY_UNAVAILABLE")
    verdict = WebhookEvent.Verdict.PROCESSED if turned_on else WebhookEvent.Verdict.IGNORED
    webhook_event_close(event, verdict=verdict, reason="auto-renewal on" if turned_on else "not a waiting plan")
    return accepted(event)


def xendit_recurring_receive(*, payload: dict, body: bytes, headers, reject) -> WebhookAnswer:
    event_type = payload["event"]
    data = payload.get("data")
    status = xendit_cycle_status_map(event_type)
    if event_type == PLAN_ACTIVATED:
        return _plan_activated(payload=payload, body=body, headers=headers, reject=reject)
    if status is None:  # plan inactivated, or a new event type: stored, answered
        event = webhook_event_store(
            gateway=GATEWAY, body=body, headers=headers, payload=payload, external_status=event_type
        )
        webhook_event_close(event, verdict=WebhookEvent.Verdict.IGNORED, reason=f"event {event_type}")
        return accepted(event)
    fields = ("id", "plan_id")
    if not isinstance(data, dict) or any(
        not (isinstance(data.get(name), str) and data[name] and data[name].isprintable()) for name in fields
    ):
        return missing_fields_rejected(reject, ["data.id", "data.plan_id"], payload)
    if amount_idr_parse(data.get("amount")) is None:
        return reject(
            400, _("amount must be a non-negative whole number of rupiah."), "VALIDATION_ERROR", "bad amount", payload
        )
    event = webhook_event_store(
        gateway=GATEWAY, body=body, headers=headers, payload=payload, external_status=event_type
    )
    charge = RecurringCharge(
        gateway=GATEWAY,
        reference=data["plan_id"],
        charge_id=data["id"][:50],
        status=status,
        raw_status=event_type.rsplit(".", 1)[-1],
        amount=data.get("amount"),
    )
    return recurring_charge_answer(event, charge)
