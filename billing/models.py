"""Plans, credit packs, subscriptions, orders and every webhook delivery.

Amounts are whole IDR (integers); credits are integers. An organization has at most one
active or past-due subscription (a partial unique index); an organization without a
subscription row is on its trial (selectors.subscription_state_get works it out).

A subscription's states: `active`; `canceled` (the owner canceled: it runs to its period end,
then expires; resumable until then); `past_due` (its period ended unpaid: the grace period of
BILLING_GRACE_DAYS, then it expires); `expired` (over: the organization is on the free state;
credits already bought stay spendable).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Plan(TimeStampedModel):
    """A tier: price per period, credits granted per period, AI requests per user per day."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    price_idr = models.PositiveIntegerField(help_text="Price per period in IDR; 0 for the trial.")
    credits = models.PositiveIntegerField(help_text="Main credits granted per period (the trial's are bonus).")
    daily_limit = models.PositiveIntegerField(help_text="AI requests per user per 24 h.")
    period_days = models.PositiveIntegerField(default=30)
    is_paid = models.BooleanField(default=True, help_text="Off for the trial: it cannot be bought.")
    is_active = models.BooleanField(default=True, help_text="Inactive plans are not offered.")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price_idr"]

    def __str__(self) -> str:
        return self.name


class CreditPack(TimeStampedModel):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    price_idr = models.PositiveIntegerField()
    credits = models.PositiveIntegerField()
    bonus_credits = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price_idr"]

    def __str__(self) -> str:
        return self.name


class Subscription(TimeStampedModel):
    class RenewalMode(models.TextChoices):
        MANUAL = "manual", _("Manual (pay a renewal order)")
        AUTO = "auto", _("Automatic (the gateway charges)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment due")
        CANCELED = "canceled", _("Canceled")
        EXPIRED = "expired", _("Expired")

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    gateway = models.CharField(max_length=12, blank=True, help_text="The gateway of the last payment.")
    reminded_for_period_end = models.DateTimeField(
        null=True, blank=True, help_text="The period end the renewal reminder was sent for (sent once per period)."
    )
    language = models.CharField(max_length=8, default="en", help_text="Language of emails about it.")
    renewal_mode = models.CharField(max_length=6, choices=RenewalMode.choices, default=RenewalMode.MANUAL)
    reminded_days_before = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The last renewal reminder sent for reminded_for_period_end (7, 3 or 1 days)."
    )
    grace_ends_at = models.DateTimeField(null=True, blank=True, help_text="While past due: when it expires.")
    dunning_reminded_on = models.DateField(null=True, blank=True, help_text="The day the last dunning email went.")
    next_plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="A downgrade waiting for the period end.",
    )
    auto_renewal_gateway = models.CharField(max_length=12, blank=True)
    auto_renewal_reference = models.CharField(
        max_length=100, blank=True, help_text="The gateway's recurring id (Midtrans subscription, Xendit plan)."
    )

    class Meta:
        ordering = ["-current_period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status__in=["active", "past_due"]),
                name="subscription_one_current_per_org",
            ),
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start")),
                name="subscription_period_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["current_period_end"], condition=Q(status="active"), name="subscription_active_period_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.plan_id} ({self.status})"


class Order(TimeStampedModel):
    """One checkout. The status only moves forward (see services.ORDER_STATUS_RANK)."""

    class Gateway(models.TextChoices):
        MIDTRANS = "midtrans", "Midtrans"
        XENDIT = "xendit", "Xendit"
        DEV = "dev", _("Development gateway")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan")
        PACK = "pack", _("Credit pack")

    class Purpose(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        RENEWAL = "renewal", _("Renewal")
        UPGRADE = "upgrade", _("Upgrade (prorated)")

    order_id = models.CharField(max_length=50, unique=True)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="orders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    kind = models.CharField(max_length=4, choices=Kind.choices)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    pack = models.ForeignKey(CreditPack, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    item_name = models.CharField(max_length=60, help_text="The item's name when it was bought.")
    amount = models.PositiveIntegerField(help_text="IDR.")
    credits = models.PositiveIntegerField(default=0, help_text="Main credits it grants (copied at checkout).")
    bonus_credits = models.PositiveIntegerField(default=0)
    gateway = models.CharField(max_length=12, choices=Gateway.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway_reference = models.CharField(max_length=100, blank=True, help_text="Snap token or Xendit invoice id.")
    gateway_status = models.CharField(max_length=40, blank=True, help_text="The gateway's last word.")
    redirect_url = models.URLField(max_length=500, blank=True)
    language = models.CharField(max_length=8, default="en")
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    needs_review = models.BooleanField(default=False, help_text="Flagged for staff: amount mismatch, refund...")
    review_note = models.CharField(max_length=255, blank=True)
    purpose = models.CharField(max_length=8, choices=Purpose.choices, default=Purpose.PURCHASE)
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        help_text="The subscription a renewal or an upgrade applies to.",
    )
    renews_period_end = models.DateTimeField(
        null=True, blank=True, help_text="Renewal: the period end it extends from. Upgrade: the period end it keeps."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="order_org_created"),
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="order_pending_created"),
            # Staff analytics: revenue per day and the realised price of a credit.
            models.Index(
                fields=["paid_at"],
                include=["gateway", "amount", "credits", "bonus_credits"],
                condition=Q(status="paid"),
                name="order_paid_at",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="plan", plan__isnull=False, pack__isnull=True))
                | Q(kind="pack", pack__isnull=False, plan__isnull=True),
                name="order_item_matches_kind",
            ),
            # One payable renewal link per period: the beat issues it once, a failed one can be
            # re-issued. Paid ones are not limited: a stale link paid anyway, or a gateway's
            # charge racing it, still buys a period (services.subscriptions, late payments).
            models.UniqueConstraint(
                fields=["subscription", "renews_period_end"],
                condition=Q(purpose="renewal", status="pending"),
                name="order_one_pending_renewal_per_period",
            ),
        ]

    def __str__(self) -> str:
        return self.order_id

    @property
    def item(self) -> str:
        return f"plan:{self.plan.code}" if self.kind == self.Kind.PLAN else f"pack:{self.pack.code}"


class Fulfilment(models.Model):
    """The database's guarantee that an order is fulfilled once: one row per order (unique).

    Written in the same transaction as the ledger rows (reference `billing.order` / order_id),
    so a second attempt fails on the unique key and rolls all of it back.
    """

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="fulfilment")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    credits = models.PositiveIntegerField()
    bonus_credits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.credits} + {self.bonus_credits}"


class WebhookEvent(models.Model):
    """Every delivery to a webhook URL, as received, with what we made of it."""

    class Verdict(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored (already done or older)")
        REJECTED = "rejected", _("Rejected")
        FLAGGED = "flagged", _("Flagged for staff")
        RETRY = "retry", _("Gateway asked to retry")

    gateway = models.CharField(max_length=12)
    body = models.TextField(blank=True, help_text="The raw body as received (truncated at 64 KB).")
    payload = models.JSONField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, default=Verdict.RECEIVED)
    reason = models.CharField(max_length=255, blank=True)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="webhook_events")
    external_status = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["gateway", "-received_at"], name="webhook_gateway_received")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.external_status or '-'} ({self.verdict})"


class InvoiceSequence(models.Model):
    """The last invoice number of a year. Taken under a row lock in the transaction that
    fulfils the order, so a rollback gives the number back: the sequence has no gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    """The invoice of one paid order: numbered INV/<year>/<number>, its parties and lines as
    they were when it was issued. Prices include PPN; `subtotal + ppn == total == order.amount`."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    seller = models.JSONField(help_text="name, tax_id, address")
    buyer = models.JSONField(help_text="name, tax_id, address")
    lines = models.JSONField(help_text="[{description, quantity, unit_price, amount}] in IDR")
    subtotal = models.PositiveIntegerField(help_text="IDR before PPN.")
    ppn_rate = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent.")
    ppn = models.PositiveIntegerField(help_text="IDR.")
    total = models.PositiveIntegerField(help_text="IDR, PPN included.")

    class Meta:
        ordering = ["-issued_at", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_year_sequence_unique"),
            models.CheckConstraint(condition=Q(total=models.F("subtotal") + models.F("ppn")), name="invoice_adds_up"),
        ]
        indexes = [models.Index(fields=["organization", "-issued_at"], name="invoice_org_issued")]

    def __str__(self) -> str:
        return self.number


class GatewayRelease(models.Model):
    """Something MODO must undo at a gateway after the fact (a card check's money, a linked
    GoPay account): tried after commit, then by beat (recurring_tasks.gateway_releases_retry)
    until the gateway confirms it or BILLING_GATEWAY_RELEASE_TRIES run out, when the row is
    flagged for staff with the gateway's last answer."""

    release_tries = models.PositiveSmallIntegerField(default=0)
    release_tried_at = models.DateTimeField(null=True, blank=True)
    release_error = models.CharField(max_length=255, blank=True, help_text="Why the gateway did not do it.")

    class Meta:
        abstract = True


class CardCheck(GatewayRelease, TimeStampedModel):
    """The first Midtrans card charge that makes a saved token for auto-renewal: a small
    verification amount with 3DS and `save_token_id`, voided once the token is saved. No card
    data and not the saved token either: the token lives only on the Midtrans subscription."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the bank")
        SAVED = "saved", _("Card saved")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Not confirmed in time")

    class Release(models.TextChoices):
        """The check's money once Midtrans took it: cancelled at Midtrans, refunded there when
        cancels keep being refused, or flagged for staff to refund by hand (then marked so)."""

        NONE = "", _("Nothing held")
        PENDING = "pending", _("To cancel at Midtrans")
        RELEASED = "released", _("Cancelled at Midtrans")
        FAILED = "failed", _("Refund by hand")
        REFUNDED = "refunded", _("Refunded at Midtrans")
        BY_HAND = "by_hand", _("Refunded by hand")

    order_id = models.CharField(max_length=50, unique=True)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="card_checks")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="card_checks")
    amount = models.PositiveIntegerField(help_text="IDR, voided after the check.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=60, blank=True, help_text="Midtrans' status when it failed.")
    release = models.CharField(max_length=8, choices=Release.choices, default=Release.NONE, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.order_id


class GopayLink(GatewayRelease, TimeStampedModel):
    """A GoPay account being linked for Midtrans auto-renewal (GoPay Tokenization): Midtrans'
    account_id (kept to unbind it), never the payment option token, which lives only on the
    Midtrans subscription. Pending until Midtrans' GET of the account says ENABLED; linked
    while its Midtrans subscription (`recurring_reference`) may charge it; unbound at Midtrans
    once MODO no longer charges it (auto-renewal off, or a linking MODO did not use)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for GoPay")
        LINKED = "linked", _("Linked")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Not confirmed in time")
        UNBINDING = "unbinding", _("To unbind at Midtrans")
        UNBOUND = "unbound", _("Unbound")
        UNBIND_FAILED = "unbind_failed", _("Unbind by hand")
        UNBOUND_BY_HAND = "unbound_by_hand", _("Unbound by hand")

    # Used, then let go: MODO no longer charges it (whatever Midtrans says of it).
    UNBIND_STATES = (Status.UNBINDING, Status.UNBOUND, Status.UNBIND_FAILED, Status.UNBOUND_BY_HAND)

    account_id = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="gopay_links")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="gopay_links")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=60, blank=True, help_text="Why it failed (Midtrans' account status).")
    recurring_reference = models.CharField(
        max_length=100, blank=True, help_text="The Midtrans subscription that charges this account."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.account_id
