"""Email in production goes through django-anymail's Resend backend: the request it sends to
(a stub of) Resend's API is the one Resend documents: POST /emails, a Bearer key, JSON."""

import json

import pytest

from accounts.models import Membership
from accounts.services import invitation_create

from ..aigen.stubs import Reply, StubServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def resend(settings):
    with StubServer() as stub:
        stub.script = [Reply(body=b'{"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}')]
        settings.EMAIL_BACKEND = "anymail.backends.resend.EmailBackend"
        settings.ANYMAIL = {"RESEND_API_KEY": "re_test_key", "RESEND_API_URL": f"{stub.url}/"}
        settings.DEFAULT_FROM_EMAIL = "MODO <hello@modo.example>"
        yield stub


def test_an_invitation_email_is_sent_to_resends_api(resend, owner, organization, django_capture_on_commit_callbacks):
    membership = Membership.objects.get(user=owner, organization=organization)

    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(membership=membership, email="friend@example.com", role="member")

    assert len(resend.requests) == 1
    method, path, headers, body = resend.requests[0]
    sent = json.loads(body)
    assert (method, path) == ("POST", "/emails")
    assert headers["Authorization"] == "Bearer re_test_key"
    assert headers["Content-Type"].startswith("application/json")
    assert sent["from"] == "MODO <hello@modo.example>"
    assert sent["to"] == ["friend@example.com"]
    assert organization.name in sent["subject"]
    assert f"/invitations/{invitation.token}/" in sent["text"]
