import json

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import Membership
from billing.gateways.midtrans import midtrans_signature
from billing.models import CreditPack, Order, Plan
from credits.models import CreditBalance, CreditTransaction

from ..factories import MembershipFactory, OrganizationFactory, UserFactory
from .stub_gateway import stub_gateway_start

MIDTRANS_KEY = "SB-Mid-server-test-key"
XENDIT_TOKEN = "xendit-callback-token-test"
XENDIT_SECRET_KEY = "xnd_development_test_key"
CARD_TOKEN = "48111111-1114-7baba36c-5698-47cf-9170-80efd6a2e973"  # a token_id as Midtrans' JS returns it


@pytest.fixture(scope="session")
def _stub_server():
    stub, server = stub_gateway_start()
    yield stub
    server.shutdown()


@pytest.fixture
def stub(_stub_server):
    """The local stub gateway, emptied for this test."""
    _stub_server.reset()
    yield _stub_server
    _stub_server.reset()


@pytest.fixture
def midtrans(settings, stub):
    """Midtrans keys configured, its SDK pointed at the stub (Snap and status API)."""
    settings.MIDTRANS_SERVER_KEY = MIDTRANS_KEY
    settings.MIDTRANS_CLIENT_KEY = "SB-Mid-client-test-key"
    settings.MIDTRANS_SNAP_BASE_URL = stub.url
    settings.MIDTRANS_API_BASE_URL = stub.url
    stub.keys["midtrans"] = MIDTRANS_KEY
    return stub


@pytest.fixture
def xendit(settings, stub):
    settings.XENDIT_SECRET_KEY = XENDIT_SECRET_KEY
    settings.XENDIT_CALLBACK_TOKEN = XENDIT_TOKEN
    settings.XENDIT_API_BASE_URL = stub.url
    stub.keys["xendit"] = XENDIT_SECRET_KEY
    return stub


@pytest.fixture
def admin_user(organization):
    user = UserFactory(email="admin@example.com")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def staff_client(db) -> Client:
    """A superuser signed in to the Django admin."""
    user = UserFactory(email="staff@example.com", is_staff=True)
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Other studio")


def order_make(organization, *, item: str = "pack:credits-100", gateway: str = "midtrans", user=None) -> Order:
    """A pending order, as the checkout service leaves it."""
    kind, _sep, code = item.partition(":")
    offer = Plan.objects.get(code=code) if kind == "plan" else CreditPack.objects.get(code=code)
    count = Order.objects.count()
    return Order.objects.create(
        order_id=f"MODO-TEST-{organization.pk.hex[:8]}-{count}",
        organization=organization,
        user=user,
        kind=kind,
        plan=offer if kind == "plan" else None,
        pack=offer if kind == "pack" else None,
        item_name=offer.name,
        amount=offer.price_idr,
        credits=offer.credits,
        bonus_credits=getattr(offer, "bonus_credits", 0),
        gateway=gateway,
    )


def midtrans_notification(
    order: Order,
    transaction_status: str,
    *,
    gross_amount: str | None = None,
    status_code: str | None = None,
    fraud_status: str = "accept",
    key: str = MIDTRANS_KEY,
) -> bytes:
    gross_amount = gross_amount if gross_amount is not None else f"{order.amount}.00"
    status_code = status_code or ("200" if transaction_status in ("settlement", "capture") else "201")
    payload = {
        "transaction_time": "2026-11-27 10:00:00",
        "transaction_status": transaction_status,
        "transaction_id": f"tx-{order.order_id}",
        "status_message": "midtrans payment notification",
        "status_code": status_code,
        "signature_key": midtrans_signature(
            order_id=order.order_id, status_code=status_code, gross_amount=gross_amount, server_key=key
        ),
        "payment_type": "bank_transfer",
        "order_id": order.order_id,
        "gross_amount": gross_amount,
        "fraud_status": fraud_status,
        "currency": "IDR",
    }
    return json.dumps(payload).encode()


def dev_key() -> str:
    return django_settings.BILLING_DEV_SERVER_KEY


def post_raw(client, path: str, body: bytes, **headers):
    return client.post(path, data=body, content_type="application/json", **headers)


def credits_of(organization) -> tuple[int, int]:
    balance = CreditBalance.objects.filter(organization=organization).first()
    return (balance.balance, balance.bonus_balance) if balance else (0, 0)


def order_ledger_rows(order: Order) -> int:
    return CreditTransaction.objects.filter(reference_type="billing.order", reference_id=order.order_id).count()
