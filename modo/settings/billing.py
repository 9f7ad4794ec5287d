"""Billing: the payment gateways (Midtrans, Xendit, or the local `dev` one) and their schedules."""

from decimal import Decimal

from .api import SPECTACULAR_SETTINGS
from .celery import CELERY_BEAT_SCHEDULE
from .env import env
from .security import SECRET_KEY

# Each gateway is on when its keys are set. With none set (the embedded default) the `dev`
# gateway is on instead: a local checkout page that signs Midtrans-format notifications
# with BILLING_DEV_SERVER_KEY. production.py switches it off for good.
MIDTRANS_SERVER_KEY = env("MIDTRANS_SERVER_KEY", default="")
MIDTRANS_CLIENT_KEY = env("MIDTRANS_CLIENT_KEY", default="")
MIDTRANS_IS_PRODUCTION = env.bool("MIDTRANS_IS_PRODUCTION", default=False)
MIDTRANS_SNAP_BASE_URL = env("MIDTRANS_SNAP_BASE_URL", default="")  # override (tests: a local stub)
MIDTRANS_API_BASE_URL = env("MIDTRANS_API_BASE_URL", default="")  # status API override
XENDIT_SECRET_KEY = env("XENDIT_SECRET_KEY", default="")
XENDIT_CALLBACK_TOKEN = env("XENDIT_CALLBACK_TOKEN", default="")
XENDIT_API_BASE_URL = env("XENDIT_API_BASE_URL", default="")  # override (tests: a local stub)
BILLING_DEV_GATEWAY = env.bool("BILLING_DEV_GATEWAY", default=not (MIDTRANS_SERVER_KEY or XENDIT_SECRET_KEY))
BILLING_DEV_SERVER_KEY = env("BILLING_DEV_SERVER_KEY", default="dev-" + SECRET_KEY[-24:])
BILLING_RECONCILE_AFTER_MINUTES = env.int("BILLING_RECONCILE_AFTER_MINUTES", default=15)
BILLING_ORDER_EXPIRY_HOURS = env.int("BILLING_ORDER_EXPIRY_HOURS", default=24)
# Renewal: a renewal order is issued this many days before a period ends; reminders go out at
# each of these days before; an unpaid period is past due for the grace days, then expires.
BILLING_RENEWAL_ORDER_DAYS_BEFORE = env.int("BILLING_RENEWAL_ORDER_DAYS_BEFORE", default=7)
BILLING_RENEWAL_REMINDER_DAYS = env.list("BILLING_RENEWAL_REMINDER_DAYS", cast=int, default=[7, 3, 1])
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=3)
# The Midtrans card check that saves a card for auto-renewal (voided right after): IDR.
BILLING_CARD_CHECK_IDR = env.int("BILLING_CARD_CHECK_IDR", default=10000)
# A card check or GoPay linking for auto-renewal still unconfirmed after this many minutes is
# expired by beat (billing_expire_auto_renewal_setups): /billing/ stops saying "pending".
BILLING_AUTO_RENEWAL_SETUP_EXPIRY_MINUTES = env.int("BILLING_AUTO_RENEWAL_SETUP_EXPIRY_MINUTES", default=60)
# What MODO must undo at Midtrans (cancel a card check's 10.000 IDR, unbind a GoPay account it
# no longer charges) is tried after commit, then by beat every 10 minutes; after this many
# tries in all it is flagged for staff in the admin.
BILLING_GATEWAY_RELEASE_TRIES = env.int("BILLING_GATEWAY_RELEASE_TRIES", default=6)
# Invoices: prices include PPN at this rate (percent); the seller's details printed on them.
BILLING_PPN_RATE = Decimal(env("BILLING_PPN_RATE", default="11"))
BILLING_SELLER_NAME = env("BILLING_SELLER_NAME", default="MODO")
BILLING_SELLER_TAX_ID = env("BILLING_SELLER_TAX_ID", default="")
BILLING_SELLER_ADDRESS = env("BILLING_SELLER_ADDRESS", default="Jakarta, Indonesia")
CELERY_BEAT_SCHEDULE["billing-reconcile-pending-orders"] = {
    "task": "billing.tasks.billing_reconcile_pending_orders",
    "schedule": 60 * 5,
}
CELERY_BEAT_SCHEDULE["billing-expire-trials"] = {"task": "billing.tasks.billing_expire_trials", "schedule": 60 * 15}
CELERY_BEAT_SCHEDULE["billing-expire-subscriptions"] = {
    "task": "billing.tasks.billing_expire_subscriptions",
    "schedule": 60 * 15,
}
CELERY_BEAT_SCHEDULE["billing-send-renewal-reminders"] = {
    "task": "billing.tasks.billing_send_renewal_reminders",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["billing-dunning-reminders"] = {
    "task": "billing.tasks.billing_send_dunning_reminders",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["billing-expire-auto-renewal-setups"] = {
    "task": "billing.tasks.billing_expire_auto_renewal_setups",
    "schedule": 60 * 10,
}
CELERY_BEAT_SCHEDULE["billing-retry-gateway-releases"] = {
    "task": "billing.tasks.billing_retry_gateway_releases",
    "schedule": 60 * 10,
}
CELERY_BEAT_SCHEDULE["billing-expire-stale-orders"] = {
    "task": "billing.tasks.billing_expire_stale_orders",
    "schedule": 60 * 30,
}
# Webhook URLs are public: rejected deliveries (bad signature, malformed) are stored cut to
# a few KB, at most WEBHOOK_REJECTED_PER_WINDOW per sender address and window (then 429),
# and deleted by beat after WEBHOOK_REJECTED_RETENTION_DAYS.
WEBHOOK_REJECTED_BODY_BYTES = env.int("WEBHOOK_REJECTED_BODY_BYTES", default=4096)
WEBHOOK_REJECTED_PER_WINDOW = env.int("WEBHOOK_REJECTED_PER_WINDOW", default=30)
WEBHOOK_REJECTED_WINDOW_SECONDS = env.int("WEBHOOK_REJECTED_WINDOW_SECONDS", default=600)
WEBHOOK_REJECTED_RETENTION_DAYS = env.int("WEBHOOK_REJECTED_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["billing-purge-rejected-webhooks"] = {
    "task": "billing.tasks.billing_purge_rejected_webhooks",
    "schedule": 60 * 60 * 6,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {"OrderStatusEnum": "billing.models.Order.Status", "OrderGatewayEnum": "billing.models.Order.Gateway"}
)
