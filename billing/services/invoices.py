"""Invoices: every paid order gets one, numbered INV/<year>/<6 digits> from a yearly sequence
without gaps.

The number is taken under the InvoiceSequence row's lock inside the transaction that fulfils
the order: a rollback gives it back, concurrent fulfilments queue on the row, so the numbers
of a year are 1, 2, 3 ... with no gap and no duplicate.

PPN: prices include it at BILLING_PPN_RATE percent. The amount before PPN is the total
x 100 / (100 + rate) rounded DOWN to the rupiah; PPN is the rest (total - subtotal), so
subtotal + PPN is exactly what was paid (a database check holds it).
"""

from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Invoice, InvoiceSequence, Order


def invoice_number_take(*, year: int) -> int:
    """The next number of `year`; call inside the fulfilment's transaction."""
    InvoiceSequence.objects.bulk_create([InvoiceSequence(year=year, last_number=0)], ignore_conflicts=True)
    sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def ppn_split(*, total: int, rate: Decimal) -> tuple[int, int]:
    """(subtotal, ppn) of a PPN-inclusive total in whole rupiah; see the module's docstring."""
    subtotal = int((Decimal(total) * 100 / (100 + rate)).to_integral_value(rounding=ROUND_FLOOR))
    return subtotal, total - subtotal


def _line_description(order: Order) -> str:
    if order.purpose == Order.Purpose.RENEWAL:
        return _("%(plan)s plan: renewal") % {"plan": order.item_name}
    if order.purpose == Order.Purpose.UPGRADE:
        return _("Upgrade to the %(plan)s plan (prorated)") % {"plan": order.item_name}
    if order.kind == Order.Kind.PLAN:
        return _("%(plan)s plan") % {"plan": order.item_name}
    return _("Credit pack: %(pack)s") % {"pack": order.item_name}


def invoice_issue(*, order: Order, now=None) -> Invoice:
    """The invoice of a paid order (once: the order is unique on the invoice)."""
    existing = Invoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    issued_at = now or timezone.now()
    year = timezone.localtime(issued_at).year
    sequence = invoice_number_take(year=year)
    rate = Decimal(settings.BILLING_PPN_RATE)
    subtotal, ppn = ppn_split(total=order.amount, rate=rate)
    organization = order.organization
    return Invoice.objects.create(
        order=order,
        organization=organization,
        number=f"INV/{year}/{sequence:06d}",
        year=year,
        sequence=sequence,
        issued_at=issued_at,
        seller={
            "name": settings.BILLING_SELLER_NAME,
            "tax_id": settings.BILLING_SELLER_TAX_ID,
            "address": settings.BILLING_SELLER_ADDRESS,
        },
        buyer={"name": organization.name, "tax_id": organization.tax_id, "address": organization.billing_address},
        lines=[
            {
                "description": _line_description(order),
                "quantity": 1,
                "unit_price": order.amount,
                "amount": order.amount,
            }
        ],
        subtotal=subtotal,
        ppn_rate=rate,
        ppn=ppn,
        total=order.amount,
    )
