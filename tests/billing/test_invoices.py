"""Invoices: a gap-free yearly sequence under concurrency, PPN split, the PDF, the receipt
attachment, the invoices page and API."""

import io
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from billing.models import Invoice, Order
from billing.services.fulfilment import order_status_apply
from billing.services.invoices import ppn_split

from ..credits.threads import backends_alive, connection_open_waiting, run_at_once
from ..factories import OrganizationFactory
from .conftest import order_make

JAKARTA = ZoneInfo("Asia/Jakarta")


def pay(order: Order) -> None:
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


CONNECTIONS = 50  # one per order, all open at once; the server's 100 are shared with other runs


@pytest.mark.django_db(transaction=True)
def test_fifty_orders_paid_at_once_get_fifty_consecutive_numbers():
    organizations = [OrganizationFactory() for _ in range(5)]
    orders = [order_make(organizations[i % 5], item="pack:credits-100", gateway="dev") for i in range(50)]
    all_open = threading.Barrier(CONNECTIONS)
    pids: list[int] = []
    open_together: list[int] = []

    def pay_one(i: int) -> int:
        # Each thread is its own PostgreSQL session (run_at_once closes it at the end), opened
        # before anyone pays: the 50 payments race over 50 connections open at the same time.
        try:
            pid = connection_open_waiting(timeout=120)
            pids.append(pid)
            all_open.wait(timeout=150)
        except BaseException:
            all_open.abort()  # the others stop waiting for this one
            raise
        if i == 0:
            open_together.append(backends_alive(pids))
        pay(orders[i])
        return pid

    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=JAKARTA), tick=True):
        outcomes = run_at_once(pay_one, threads=CONNECTIONS, timeout=300)

    assert [outcome.error for outcome in outcomes] == [None] * CONNECTIONS
    assert len(set(pids)) == CONNECTIONS and open_together == [CONNECTIONS]  # 50 real connections at once
    numbers = list(Invoice.objects.order_by("sequence").values_list("number", flat=True))
    assert numbers == [f"INV/2026/{n:06d}" for n in range(1, 51)]  # consecutive, none twice, none missing
    assert Order.objects.filter(status="paid", invoice__isnull=False).count() == 50
    deadline = time.monotonic() + 10  # a closed session's backend exits just after
    while backends_alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert backends_alive(pids) == 0  # every one of them closed: the shared server has its slots back


@pytest.mark.django_db
def test_the_sequence_starts_again_each_year(organization):
    with time_machine.travel(datetime(2026, 12, 31, 23, 0, tzinfo=JAKARTA), tick=False):
        pay(order_make(organization, gateway="dev"))
    with time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=JAKARTA), tick=False):
        pay(order_make(organization, gateway="dev"))
        pay(order_make(organization, gateway="dev"))

    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "INV/2026/000001",
        "INV/2027/000001",
        "INV/2027/000002",
    ]


@pytest.mark.parametrize(
    ("total", "subtotal", "ppn"),
    [(49000, 44144, 4856), (99000, 89189, 9811), (249000, 224324, 24676), (1, 0, 1)],
)
def test_ppn_is_included_and_the_amount_before_it_rounds_down(total, subtotal, ppn):
    from decimal import Decimal

    assert ppn_split(total=total, rate=Decimal("11")) == (subtotal, ppn)


@pytest.mark.django_db
def test_a_paid_order_gets_an_invoice_once_with_both_parties(organization, settings):
    settings.BILLING_SELLER_TAX_ID = "01.234.567.8-901.000"
    organization.tax_id = "09.876.543.2-101.000"
    organization.billing_address = "Jl. Sudirman 1, Jakarta"
    organization.save()
    order = order_make(organization, item="plan:pro", gateway="dev")

    pay(order)
    pay(order)  # a replay

    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.subtotal + invoice.ppn) == (249000, 249000)
    assert invoice.buyer == {
        "name": organization.name,
        "tax_id": "09.876.543.2-101.000",
        "address": "Jl. Sudirman 1, Jakarta",
    }
    assert invoice.seller["tax_id"] == "01.234.567.8-901.000"
    assert invoice.lines == [{"description": "Pro plan", "quantity": 1, "unit_price": 249000, "amount": 249000}]


@pytest.mark.django_db
def test_the_pdf_opens_and_shows_the_ppn_line(organization, owner_api):
    order = order_make(organization, item="pack:credits-100", gateway="dev")
    pay(order)

    answer = owner_api.get(f"/api/billing/orders/{order.order_id}/invoice.pdf")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = pdf_text(answer.content)
    number = Invoice.objects.get().number
    assert number in text
    assert "PPN 11%" in text and "Rp 4,856" in text
    assert "Rp 49,000" in text


@pytest.mark.django_db
def test_the_receipt_email_carries_the_invoice_pdf(organization, owner, mailoutbox, django_capture_on_commit_callbacks):
    order = order_make(organization, item="pack:credits-100", gateway="dev", user=owner)

    with django_capture_on_commit_callbacks(execute=True):
        pay(order)

    [mail] = mailoutbox
    [(filename, content, mimetype)] = mail.attachments
    assert (filename, mimetype) == (Invoice.objects.get().number.replace("/", "-") + ".pdf", "application/pdf")
    assert "PPN" in pdf_text(content)


@pytest.mark.django_db
def test_the_invoices_page_and_api_list_them(organization, owner, owner_api, client):
    order = order_make(organization, gateway="dev")
    pay(order)
    client.force_login(owner)
    session = client.session
    session["organization_id"] = str(organization.pk)
    session.save()

    listed = owner_api.get("/api/billing/invoices").json()
    page = client.get("/billing/invoices/").content.decode()
    pdf = client.get(f"/billing/invoices/{order.order_id}.pdf")

    assert [(row["number"], row["total"], row["ppn"]) for row in listed] == [
        (Invoice.objects.get().number, 49000, 4856)
    ]
    assert listed[0]["number"] in page
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_it_hides_other_organizations_invoices(organization, owner_api, other_organization):
    theirs = order_make(other_organization, gateway="dev")
    pay(theirs)

    answer = owner_api.get(f"/api/billing/orders/{theirs.order_id}/invoice.pdf")

    assert (answer.status_code, answer.json()["code"]) == (404, "NOT_FOUND")
    assert owner_api.get("/api/billing/invoices").json() == []


@pytest.mark.django_db
def test_an_unpaid_order_has_no_invoice(organization, owner_api):
    order = order_make(organization, gateway="dev")

    answer = owner_api.get(f"/api/billing/orders/{order.order_id}/invoice.pdf")

    assert answer.status_code == 404
