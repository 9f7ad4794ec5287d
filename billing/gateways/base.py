"""One small base class for payment gateways and a dict registry of the enabled ones.

Only the adapter modules talk to an SDK or an HTTP API. They raise GatewayError, which says
whether trying again later can help (`retryable`).
"""

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


class Gateway:
    code: str = ""
    label: str = ""

    def create_checkout(self, *, order: Order, payer_email: str, payer_name: str, finish_url: str) -> CheckoutSession:
        raise NotImplementedError

    def fetch_status(self, *, order: Order) -> GatewayStatus | None:
        """The gateway's current word on the order; None when it has no status API."""
        return None
