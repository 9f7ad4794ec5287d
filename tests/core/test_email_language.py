"""Emails sent by background jobs are written in the recipient's language: the one they signed
up in or chose with the language switcher (User.language), not the worker's LANGUAGE_CODE."""

import email
import email.policy
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Membership, User
from billing.emails import order_receipt_email_send, subscription_reminder_email_send
from billing.models import Subscription
from billing.services.fulfilment import order_status_apply
from credits.services.low_balance import low_balance_email_send
from modo.celery import app
from studio import services as studio_services
from studio.tasks import video_ready_email

from ..aigen.workers import wait_for, worker_start, worker_stop
from ..billing.conftest import order_make
from ..factories import PASSWORD, MembershipFactory, UserFactory


def signed_up(email_address: str, accept_language: str) -> User:
    """A person signs up on /register/ from a browser set to `accept_language`."""
    client = Client(HTTP_ACCEPT_LANGUAGE=accept_language)
    response = client.post("/register/", {"email": email_address, "password1": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return User.objects.get(email=email_address)


def video_of(user: User):
    membership = Membership.objects.get(user=user)
    project = studio_services.project_create(membership=membership, title="Layang-layang", premise="A kite.")
    return studio_services.asset_create(project=project, beat=None, kind="video", file_name="v.mp4")


@pytest.mark.django_db
def test_signup_saves_the_request_language_and_the_switcher_changes_it():
    ayu = signed_up("ayu@example.org", "id-ID,id;q=0.9,en;q=0.5")
    john = signed_up("john@example.org", "en-GB,en;q=0.9")
    assert (ayu.language, john.language) == ("id", "en")
    app = Client(HTTP_ACCEPT_LANGUAGE="id")  # the app API's signup (allauth headless) too
    response = app.post(
        "/api/auth/app/v1/auth/signup", {"email": "app@example.org", "password": PASSWORD}, "application/json"
    )
    assert response.status_code in (200, 401), response.content[:300]  # 401: email to verify first
    assert User.objects.get(email="app@example.org").language == "id"

    client = Client()
    client.force_login(john)
    assert client.post("/i18n/setlang/", {"language": "id", "next": "/dashboard/"}).status_code == 302
    john.refresh_from_db()
    assert john.language == "id"
    assert client.post("/i18n/setlang/", {"language": "xx"}).status_code == 400  # unknown: nothing saved
    john.refresh_from_db()
    assert john.language == "id"


@pytest.fixture
def outbox_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("emails")


@pytest.fixture
def worker(outbox_dir, django_db_blocker):
    """A real Celery worker process (test settings, LANGUAGE_CODE "en"), its emails as files."""
    with django_db_blocker.unblock():
        app.control.purge()
    process = worker_start(
        queues="default",
        TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        TEST_EMAIL_FILE_PATH=str(outbox_dir),
        LANGUAGE_CODE="en",
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield process
    app.conf.task_always_eager = eager
    worker_stop(process)


def delivered(outbox_dir: Path, count: int) -> list[email.message.EmailMessage]:
    def read():
        files = sorted(outbox_dir.glob("*.log"))
        messages = []
        for path in files:  # the file backend writes each message followed by a line of dashes
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    messages.append(email.message_from_bytes(raw.strip(), policy=email.policy.default))
        return messages if len(messages) >= count else None

    return wait_for(read, timeout=90)


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


@pytest.mark.django_db(transaction=True)
def test_the_video_ready_email_from_the_worker_is_in_each_recipients_language(worker, outbox_dir, settings):
    ayu = signed_up("ayu@example.org", "id")
    john = signed_up("john@example.org", "en")

    video_ready_email.delay(str(video_of(ayu).id), str(ayu.id))
    video_ready_email.delay(str(video_of(john).id), str(john.id))

    by_recipient = {message["To"]: message for message in delivered(outbox_dir, 2)}
    indonesian, english = by_recipient["ayu@example.org"], by_recipient["john@example.org"]
    assert indonesian["Subject"] == "Video Anda sudah siap"
    assert indonesian["Content-Language"] == "id"
    text, html = parts(indonesian)
    assert "Tonton videonya, publikasikan ke galeri" in text and "Watch it" not in text
    assert '<html lang="id">' in html and "Tonton videonya" in html
    assert english["Subject"] == "Your video is ready"
    text, html = parts(english)
    assert "Watch it, publish it to the gallery" in text and '<html lang="en">' in html


@pytest.mark.django_db
def test_low_balance_and_billing_emails_follow_each_recipients_language(organization, settings):
    settings.LANGUAGE_CODE = "en"
    ayu, john = UserFactory(email="ayu@example.org"), UserFactory(email="john@example.org")
    User.objects.filter(pk=ayu.pk).update(language="id")
    User.objects.filter(pk=john.pk).update(language="en")
    MembershipFactory(user=ayu, organization=organization, role=Membership.Role.OWNER)
    MembershipFactory(user=john, organization=organization, role=Membership.Role.OWNER)

    mail.outbox.clear()
    assert low_balance_email_send(organization_id=organization.pk, total=12) == 2
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {
        "ayu@example.org": "Kredit MODO Anda hampir habis",
        "john@example.org": "Your MODO credits are running low",
    }
    assert all(message.alternatives for message in mail.outbox)  # a text and an HTML part

    # Bought in English by Ayu (the order's language): the receipt still goes in hers.
    order = order_make(organization, item="plan:premium", gateway="dev", user=ayu)
    order.language = "en"
    order.save(update_fields=["language"])
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=f"{order.amount}.00")
    order.refresh_from_db()
    mail.outbox.clear()
    order_receipt_email_send(order=order)
    [receipt] = mail.outbox
    assert receipt.subject.startswith("Tanda terima MODO Anda") and "Rp 99.000" in receipt.body

    mail.outbox.clear()
    subscription_reminder_email_send(subscription=Subscription.objects.get(organization=organization))
    subjects = {tuple(message.to): message.subject for message in mail.outbox}
    assert subjects[("ayu@example.org",)].startswith("Paket MODO")
    assert subjects[("john@example.org",)].startswith("Your MODO")
