"""The dev gateway's recurring payments: nothing outside to call. The billing page's
"simulate a renewal charge" button sends what Midtrans would (a signed "SUBS-" notification,
billing.gateways.dev.dev_recurring_notification_body) through the same webhook code."""

import re

from .base import Recurring


class DevRecurring(Recurring):
    # "dev-card" (the no-JavaScript button) or what the dev token form makes in the browser.
    payment_token_pattern = re.compile(r"dev-card|dev-tok-[0-9a-f]{16,64}")

    def start(self, *, subscription, plan, payment_token: str, payer_email: str) -> str:
        return f"dev-recurring-{subscription.pk}"

    def stop(self, *, reference: str) -> None:
        return None

    def amount_change(self, *, reference: str, amount: int) -> None:
        return None
