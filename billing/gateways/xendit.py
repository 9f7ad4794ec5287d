"""Xendit invoices through `xendit-python` (InvoiceApi): create an invoice, look one up.

The SDK's response models insist on every field Xendit documents; we read the JSON body
ourselves (`_preload_content=False`) so an added or missing field never breaks a payment.
"""

import json

import urllib3
from django.conf import settings
from xendit import ApiClient, Configuration
from xendit.exceptions import OpenApiException
from xendit.invoice import InvoiceApi
from xendit.invoice.model.create_invoice_request import CreateInvoiceRequest

from ..models import Order
from .base import CheckoutSession, Gateway, GatewayError, GatewayStatus

TIMEOUT_SECONDS = (3.05, 10)  # (connect, read)
INVOICE_DURATION_SECONDS = 24 * 60 * 60  # like our own pending-order expiry


def xendit_status_map(status: str) -> str | None:
    status = (status or "").upper()
    if status in ("PAID", "SETTLED"):
        return Order.Status.PAID
    if status == "EXPIRED":
        return Order.Status.EXPIRED
    if status == "PENDING":
        return Order.Status.PENDING
    return None


def xendit_api_client() -> ApiClient:
    configuration = Configuration(host=settings.XENDIT_API_BASE_URL or None)
    configuration.api_key = settings.XENDIT_SECRET_KEY
    return ApiClient(configuration)


def _invoices() -> InvoiceApi:
    return InvoiceApi(xendit_api_client())


def xendit_error(exc: Exception) -> GatewayError:
    status = getattr(exc, "status", None)
    retryable = status is None or status >= 500 or status == 429
    return GatewayError(f"Xendit: {exc}", retryable=retryable)


def xendit_body(response) -> dict | list:
    return json.loads(response.data.decode("utf-8"))


class XenditGateway(Gateway):
    code = "xendit"
    label = "Xendit"

    def create_checkout(self, *, order: Order, payer_email: str, payer_name: str, finish_url: str) -> CheckoutSession:
        request = CreateInvoiceRequest(
            external_id=order.order_id,
            amount=float(order.amount),
            payer_email=payer_email,
            description=order.item_name,
            invoice_duration=float(INVOICE_DURATION_SECONDS),  # the SDK types it as a float
            success_redirect_url=finish_url,
            failure_redirect_url=finish_url,
            currency="IDR",
        )
        try:
            response = _invoices().create_invoice(
                create_invoice_request=request, _preload_content=False, _request_timeout=TIMEOUT_SECONDS
            )
            answer = xendit_body(response)
        except (OpenApiException, urllib3.exceptions.HTTPError, ValueError) as exc:
            raise xendit_error(exc) from exc
        if not isinstance(answer, dict) or not answer.get("invoice_url") or not answer.get("id"):
            raise GatewayError("Xendit answered without an invoice URL.", retryable=True)
        return CheckoutSession(redirect_url=answer["invoice_url"], reference=answer["id"])

    def fetch_status(self, *, order: Order) -> GatewayStatus | None:
        try:
            response = _invoices().get_invoices(
                external_id=order.order_id, _preload_content=False, _request_timeout=TIMEOUT_SECONDS
            )
            answer = xendit_body(response)
        except (OpenApiException, urllib3.exceptions.HTTPError, ValueError) as exc:
            raise xendit_error(exc) from exc
        invoices = answer if isinstance(answer, list) else answer.get("data", [])
        if not invoices:
            return GatewayStatus(status=None, raw_status="not_found", amount=None)
        # Several invoices may share our external_id; a paid one decides.
        ranked = sorted(invoices, key=lambda inv: str(inv.get("status", "")).upper() in ("PAID", "SETTLED"))
        invoice = ranked[-1]
        return GatewayStatus(
            status=xendit_status_map(str(invoice.get("status", ""))),
            raw_status=str(invoice.get("status", "")),
            amount=None if invoice.get("amount") is None else str(invoice.get("amount")),
            reference=str(invoice.get("id", "")),
        )

    def checkout_expire(self, *, order: Order) -> None:
        """`POST /invoices/{id}/expire!` (xendit-python `expire_invoice`): the invoice page stops
        taking payments. Without an invoice id (checkout failed) there is nothing to close."""
        if not order.gateway_reference:
            return
        try:
            _invoices().expire_invoice(
                order.gateway_reference, _preload_content=False, _request_timeout=TIMEOUT_SECONDS
            )
        except (OpenApiException, urllib3.exceptions.HTTPError, ValueError) as exc:
            if getattr(exc, "status", None) == 404:
                return
            raise xendit_error(exc) from exc
