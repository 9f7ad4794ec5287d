"""One small base class for payment gateways and a dict registry of the enabled ones.

Only the adapter modules talk to an SDK or an HTTP API. They raise GatewayError, which says
whether trying again later can help (`retryable`).
"""

import re
from dataclasses import dataclass

from ..models import Order


class GatewayError(Exception):
    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class CheckoutSession:
    redirect_url: str
    reference: str  # Snap token, Xendit invoice id


@dataclass(frozen=True)
class GatewayStatus:
    """What the gateway says about an order, mapped to our statuses.

    `status` is None for a state that changes nothing (unknown, or still undecided).
    """

    status: str | None
    raw_status: str
    amount: str | None  # as the gateway wrote it ("49000.00", 49000)
    reference: str = ""


@dataclass(frozen=True)
class RecurringCharge:
    """One charge of a gateway's recurring plan, as its webhook tells it, mapped to our statuses."""

    gateway: str
    reference: str  # the recurring plan's id at the gateway (our Subscription.auto_renewal_reference)
    charge_id: str  # the charge's own id: becomes the renewal order's order_id (dedupe key)
    status: str  # Order.Status
    raw_status: str
    amount: object  # as the gateway wrote it
    # Midtrans names no recurring id in a charge's notification: its order_id carries the
    # subscription's name, which carries our subscription's id (gateways.midtrans_recurring).
    subscription_id: int | None = None


class Recurring:
    """A gateway's recurring payments (pretix-style: the provider owns its calls). `start`
    returns the gateway's id of the recurring plan; both raise GatewayError."""

    # The exact shape of a payment token this gateway issues; anything else is refused (400)
    # before the gateway is called.
    payment_token_pattern: re.Pattern = re.compile(r"(?!)")

    def payment_token_valid(self, token: object) -> bool:
        return isinstance(token, str) and self.payment_token_pattern.fullmatch(token) is not None

    def start(self, *, subscription, plan, payment_token: str, payer_email: str) -> str:
        raise NotImplementedError

    def stop(self, *, reference: str) -> None:
        raise NotImplementedError

    # Gateways whose own page links the payment method (Xendit's Linking UI) say so here.
    links_on_its_page = False

    def start_linking(self, *, subscription, plan, payer_email: str, payer_name: str, return_url: str):
        """A recurring plan waiting for the customer to link a payment method on the gateway's
        page: (the plan's id, the page's URL). The plan charges once the gateway says linked."""
        raise NotImplementedError

    def amount_change(self, *, reference: str, amount: int) -> None:
        """The amount of the next charges (an upgrade, or a downgrade from the period end)."""
        raise NotImplementedError


class Gateway:
    code: str = ""
    label: str = ""

    def create_checkout(self, *, order: Order, payer_email: str, payer_name: str, finish_url: str) -> CheckoutSession:
        raise NotImplementedError

    def fetch_status(self, *, order: Order) -> GatewayStatus | None:
        """The gateway's current word on the order; None when it has no status API."""
        return None

    def checkout_expire(self, *, order: Order) -> None:
        """Close the order's payment link at the gateway (a renewal link no longer due). A
        link the gateway does not know (never opened) is fine; raises GatewayError."""
        return None
