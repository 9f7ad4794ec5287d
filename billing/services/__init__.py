"""Billing writes, one module per business process (import from the submodule):

- checkout: a pending order and the gateway's payment page (purchases, renewals, upgrades)
- fulfilment: order status changes (forward only) and fulfilling a paid order once
- subscriptions: starting, extending, canceling, resuming and expiring subscriptions
- renewal: renewal orders, reminders and dunning
- auto_renewal: auto-renewal through a gateway (on, off, linking, its charges)
- proration: upgrades now (prorated) and downgrades at the period end
- invoices: the gap-free yearly invoice sequence and the invoice of a paid order
- orders: housekeeping of pending orders (expiry, reconciling lost webhooks)

Lock order (always this order, never the reverse): the Order row (`select_for_update`) ->
the organization's Subscription row -> the organization's credit balance row (taken inside
credits.services) -> the InvoiceSequence row of the year (taken last, so every paid order in
the country queues on it for as short a time as possible).
"""
