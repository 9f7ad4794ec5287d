"""Celery tasks that talk to a gateway's recurring API after a commit. Services enqueue them;
they import only gateways and models, never the services (no services <-> tasks cycle)."""

from celery import shared_task

from .gateways import GatewayError, recurring_get
from .models import Subscription


@shared_task(queue="default", autoretry_for=(GatewayError,), retry_backoff=True, max_retries=8)
def recurring_amount_sync(subscription_pk: int) -> None:
    """The gateway charges what the next period costs: the scheduled downgrade's price, or the
    (upgraded) plan's. Idempotent: it sends the current price, whatever ran before."""
    subscription = Subscription.objects.select_related("plan", "next_plan").filter(pk=subscription_pk).first()
    if subscription is None or subscription.renewal_mode != Subscription.RenewalMode.AUTO:
        return
    recurring = recurring_get(subscription.auto_renewal_gateway)
    if recurring is None or not subscription.auto_renewal_reference:
        return
    plan = subscription.next_plan or subscription.plan
    recurring.amount_change(reference=subscription.auto_renewal_reference, amount=plan.price_idr)
