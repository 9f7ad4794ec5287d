"""Celery tasks that send billing emails. Services enqueue them (after commit); they import
only emails, the invoice renderer and models, never the services, so billing has no
services <-> tasks cycle."""

from celery import shared_task

from .emails import gopay_unlinked_email_send, order_receipt_email_send
from .invoice_pdf import invoice_pdf_render
from .models import Invoice, Order, Subscription


@shared_task(queue="default", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def order_receipt_send(order_pk: int) -> None:
    """The receipt of a fulfilled order, its invoice PDF attached."""
    order = Order.objects.select_related("user", "organization").filter(pk=order_pk).first()
    if order is None or order.fulfilled_at is None:
        return
    invoice = Invoice.objects.select_related("order").filter(order=order).first()
    attachments = []
    if invoice is not None:
        language = "id" if order.language.startswith("id") else "en"
        filename = invoice.number.replace("/", "-") + ".pdf"
        attachments.append((filename, invoice_pdf_render(invoice=invoice, language=language), "application/pdf"))
    order_receipt_email_send(order=order, attachments=attachments)


@shared_task(queue="default", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def gopay_unlinked_notice_send(subscription_pk: int) -> None:
    """The owners hear that automatic renewal is off because GoPay was unlinked in the app."""
    subscription = Subscription.objects.select_related("plan", "organization").filter(pk=subscription_pk).first()
    if subscription is not None:
        gopay_unlinked_email_send(subscription=subscription)
