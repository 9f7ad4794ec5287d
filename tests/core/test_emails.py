"""Every email the platform sends, rendered with SITE_URL and SITE_NAME set: a text part and
an HTML part, every link on SITE_URL (background emails included), never example.com or the
development server's address. A SITE_URL without a scheme stops start-up."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.sites.models import Site
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from abuse.models import AbuseFlag
from abuse.services import abuse_flag_notify
from accounts.emails import invitation_email_send
from accounts.models import Membership
from accounts.services import invitation_create
from billing.emails import order_receipt_email_send, subscription_reminder_email_send
from billing.models import Subscription
from billing.services.fulfilment import order_status_apply
from core.sites import site_sync
from credits.selectors import LedgerDrift
from credits.services.audit import credits_drift_alert_send
from credits.services.low_balance import low_balance_email_send
from modo.settings.env import site_url_checked
from studio import services as studio_services
from studio.tasks import video_ready_email

from ..billing.conftest import order_make
from ..factories import PASSWORD

SITE = "https://modo.example.id"
LINK = re.compile(r"""https?://[^\s"'<>)]+""")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "MODO Nusantara"
    settings.STAFF_ALERT_EMAILS = ["staff@example.com"]
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def checked(message) -> None:
    """Both parts, and every link of each on SITE_URL."""
    [(html, kind)] = message.alternatives
    assert kind == "text/html" and message.body.strip()
    for part in (message.body, html):
        links = LINK.findall(part)
        assert links, part
        assert all(link.startswith(f"{SITE}/") for link in links), links
        assert not re.search(r"(?<!@)example\.com", part) and "127.0.0.1" not in part  # addresses may say @example.com
    assert 'href="https://modo.example.id/' in html and "MODO Nusantara" in html


def sent_by(action) -> list:
    mail.outbox.clear()
    action()
    assert mail.outbox, "nothing was sent"
    return list(mail.outbox)


def test_the_invitation_email(owner, organization):
    membership = Membership.objects.get(user=owner, organization=organization)

    invitation = invitation_create(membership=membership, email="guest@example.org", role="member")

    [message] = sent_by(lambda: invitation_email_send(invitation=invitation))  # what its background task calls

    checked(message)


def test_the_video_ready_email_from_a_background_job(owner, organization):
    membership = Membership.objects.get(user=owner, organization=organization)
    project = studio_services.project_create(membership=membership, title="Kites", premise="A kite.")
    asset = studio_services.asset_create(project=project, beat=None, kind="video", file_name="v.mp4")

    [message] = sent_by(lambda: video_ready_email(str(asset.id), str(owner.id)))

    checked(message)


def test_the_receipt_and_the_reminder(organization, owner):
    order = order_make(organization, item="plan:premium", gateway="dev", user=owner)
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=f"{order.amount}.00")
    order.refresh_from_db()

    checked(sent_by(lambda: order_receipt_email_send(order=order))[0])
    subscription = Subscription.objects.get(organization=organization)
    checked(sent_by(lambda: subscription_reminder_email_send(subscription=subscription))[0])


def test_the_low_balance_email(organization, owner):
    [message] = sent_by(lambda: low_balance_email_send(organization_id=organization.pk, total=12))

    checked(message)


def test_the_staff_alerts(organization):
    now = timezone.now()
    flag = AbuseFlag.objects.create(
        rule="generation_burst", subject=f"org:{organization.pk}", organization=organization,
        window_start=now - timedelta(hours=1), window_end=now, last_seen_at=now,
    )  # fmt: skip
    drift = LedgerDrift(organization.pk, organization.name, 5, 0, 0, 0)

    checked(sent_by(lambda: abuse_flag_notify(flag=flag, label=organization.name))[0])
    checked(sent_by(lambda: credits_drift_alert_send(drifts=[drift]))[0])


@pytest.mark.django_db
def test_the_signup_confirmation_and_the_password_reset_of_allauth():
    client = Client()  # its requests come to "testserver": the links still go to SITE_URL

    [confirmation] = sent_by(lambda: client.post("/register/", {"email": "new@example.org", "password1": PASSWORD}))
    [reset] = sent_by(lambda: client.post("/accounts/password/reset/", {"email": "new@example.org"}))

    for message in (confirmation, reset):
        checked(message)
        assert message.subject.startswith("[MODO Nusantara]")


@pytest.mark.django_db
def test_the_site_object_follows_the_settings_after_migrate():
    site_sync(sender=apps.get_app_config("sites"), using="default")  # what post_migrate runs

    site = Site.objects.get_current()

    assert (site.domain, site.name) == ("modo.example.id", "MODO Nusantara")


@pytest.mark.parametrize("value", ["modo.example.com", "ftp://modo.example.com", "https://", "https://x.com/?a=1"])
def test_a_site_url_without_a_scheme_or_host_is_a_start_up_error(value):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        site_url_checked(value)


def test_a_good_site_url_loses_its_trailing_slash():
    assert site_url_checked("https://modo.example.com/") == "https://modo.example.com"
