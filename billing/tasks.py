"""Celery tasks: the receipt email and beat housekeeping. Each is idempotent and safe to run
twice at once: they work row by row under the same locks and forward-only rules as the
webhooks (see services)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services
from .emails import order_receipt_email_send
from .models import Order
from .webhooks.receipt import rejected_webhook_events_purge


@shared_task(queue="default", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def order_receipt_send(order_pk: int) -> None:
    order = Order.objects.select_related("user", "organization").filter(pk=order_pk).first()
    if order is not None and order.fulfilled_at is not None:
        order_receipt_email_send(order=order)


@shared_task(queue="default")
def billing_reconcile_pending_orders() -> int:
    """Orders pending for BILLING_RECONCILE_AFTER_MINUTES: ask the gateway (lost webhooks)."""
    return services.order_reconcile_pending(
        older_than=timedelta(minutes=settings.BILLING_RECONCILE_AFTER_MINUTES),
        younger_than=timedelta(hours=settings.BILLING_ORDER_EXPIRY_HOURS),
    )


@shared_task(queue="default")
def billing_expire_trials() -> int:
    return services.subscription_expire_due(paid=False)


@shared_task(queue="default")
def billing_expire_subscriptions() -> int:
    return services.subscription_expire_due(paid=True)


@shared_task(queue="default")
def billing_send_renewal_reminders() -> int:
    return services.subscription_reminders_send(days_before=settings.BILLING_REMINDER_DAYS_BEFORE)


@shared_task(queue="default")
def billing_expire_stale_orders() -> int:
    return services.order_expire_stale(older_than=timedelta(hours=settings.BILLING_ORDER_EXPIRY_HOURS))


@shared_task(queue="default")
def billing_purge_rejected_webhooks() -> int:
    """Rejected webhook deliveries are anyone's: kept WEBHOOK_REJECTED_RETENTION_DAYS, then deleted."""
    return rejected_webhook_events_purge()
