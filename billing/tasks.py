"""Celery beat housekeeping. Each task is idempotent and safe to run twice at once: they
work row by row under the same locks and forward-only rules as the webhooks (see services).
The receipt email task lives in billing.notifications (services enqueue it)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from .recurring_tasks import gateway_releases_retry
from .services.card_check import card_checks_expire
from .services.gopay_link import gopay_links_expire
from .services.orders import order_expire_stale, order_reconcile_pending
from .services.renewal import subscription_dunning_send, subscription_reminders_send
from .services.subscriptions import subscription_lapse_due
from .webhooks.receipt import rejected_webhook_events_purge


@shared_task(queue="default")
def billing_reconcile_pending_orders() -> int:
    """Orders pending for BILLING_RECONCILE_AFTER_MINUTES: ask the gateway (lost webhooks)."""
    return order_reconcile_pending(
        older_than=timedelta(minutes=settings.BILLING_RECONCILE_AFTER_MINUTES),
        younger_than=timedelta(hours=settings.BILLING_ORDER_EXPIRY_HOURS),
    )


@shared_task(queue="default")
def billing_expire_trials() -> int:
    return subscription_lapse_due(paid=False)


@shared_task(queue="default")
def billing_expire_subscriptions() -> int:
    """Paid plans past their period: past due (grace), canceled ones expired, past-grace expired."""
    return subscription_lapse_due(paid=True)


@shared_task(queue="default")
def billing_send_renewal_reminders() -> int:
    """Renewal orders 7 days ahead and reminders at 7, 3 and 1 days before the period ends."""
    return subscription_reminders_send()


@shared_task(queue="default")
def billing_send_dunning_reminders() -> int:
    return subscription_dunning_send()


@shared_task(queue="default")
def billing_expire_stale_orders() -> int:
    return order_expire_stale(older_than=timedelta(hours=settings.BILLING_ORDER_EXPIRY_HOURS))


@shared_task(queue="default")
def billing_purge_rejected_webhooks() -> int:
    """Rejected webhook deliveries are anyone's: kept WEBHOOK_REJECTED_RETENTION_DAYS, then deleted."""
    return rejected_webhook_events_purge()


@shared_task(queue="default")
def billing_expire_auto_renewal_setups() -> int:
    """Card checks and GoPay linkings still pending after BILLING_AUTO_RENEWAL_SETUP_EXPIRY_MINUTES."""
    older_than = timedelta(minutes=settings.BILLING_AUTO_RENEWAL_SETUP_EXPIRY_MINUTES)
    return card_checks_expire(older_than=older_than) + gopay_links_expire(older_than=older_than)


@shared_task(queue="default")
def billing_retry_gateway_releases() -> int:
    """Card checks Midtrans has not cancelled and GoPay accounts it has not unbound yet: one
    more try each, flagged for staff when BILLING_GATEWAY_RELEASE_TRIES run out."""
    return gateway_releases_retry()
