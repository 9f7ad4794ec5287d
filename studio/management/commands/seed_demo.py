from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.selectors import membership_default
from accounts.services import user_create
from billing.selectors import subscription_tier_lookup
from billing.services.checkout import order_checkout
from billing.services.fulfilment import order_status_apply

DEMO_EMAIL = "demo@modo.local"
DEMO_PASSWORD = "modo-demo-2026"  # noqa: S105 - the embedded default's public demo login


class Command(BaseCommand):
    help = "Create the demo user on the Pro plan (bought through the dev gateway) and print how to sign in."

    def handle(self, *args, **options):
        user = User.objects.filter(email=DEMO_EMAIL).first() or user_create(
            email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo"
        )
        membership = membership_default(user=user)
        tier = subscription_tier_lookup(membership.organization)
        if tier is None or not tier.paid:
            # The same path a customer takes: a checkout and a paid notification, so the ledger stays whole.
            with transaction.atomic():
                order = order_checkout(membership=membership, item="plan:pro", gateway="dev")
            order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD} (Pro plan)")
