"""Google sign-in end to end on our side: the OAuth callback exchanges the code at a stub of
Google's token endpoint (allauth's Google provider, the test settings' fake app) and signs
in a new user (with their personal organization) or the existing user with that address."""

import json
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter

from accounts.models import Membership, User

from ..aigen.stubs import Reply, StubServer
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

CLIENT_ID = "test-google-client"


def _id_token(email: str) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": CLIENT_ID,
        "sub": "google-user-4242",
        "email": email,
        "email_verified": True,
        "name": "Kancil",
        "iat": now,
        "exp": now + 3600,
    }
    # Fetched from the token endpoint itself: allauth does not check its signature (OIDC 3.1.3.7).
    return jwt.encode(claims, "not-googles-key-" * 4, algorithm="HS256")


@pytest.fixture
def google(monkeypatch):
    """Google's token endpoint, served locally; allauth's Google adapter pointed at it."""
    with StubServer() as stub:
        monkeypatch.setattr(GoogleOAuth2Adapter, "access_token_url", f"{stub.url}/token")
        yield stub


def _sign_in_with_google(client, stub, email: str):
    stub.script = [
        Reply(
            body=json.dumps(
                {"access_token": "ya29.stub", "expires_in": 3599, "token_type": "Bearer", "id_token": _id_token(email)}
            ).encode()
        )
    ]
    to_google = client.post("/accounts/google/login/")
    state = parse_qs(urlparse(to_google["Location"]).query)["state"][0]
    return client.get("/accounts/google/login/callback/", {"state": state, "code": "4/auth-code"})


def test_a_new_user_signs_in_with_google_and_gets_a_personal_organization(client, google):
    response = _sign_in_with_google(client, google, "kancil@example.com")

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    user = User.objects.get(email="kancil@example.com")
    assert SocialAccount.objects.get(user=user).uid == "google-user-4242"
    assert Membership.objects.filter(user=user, role="owner").count() == 1
    method, path, _headers, body = google.requests[0]
    exchanged = parse_qs(body.decode())
    assert (method, path) == ("POST", "/token")
    assert exchanged["code"] == ["4/auth-code"] and exchanged["grant_type"] == ["authorization_code"]
    assert exchanged["redirect_uri"][0].endswith("/accounts/google/login/callback/")
    assert client.get("/api/me").json()["user"]["email"] == "kancil@example.com"


def test_an_existing_user_signs_in_with_google_as_themselves(client, google):
    existing = UserFactory(email="kancil@example.com")

    response = _sign_in_with_google(client, google, "kancil@example.com")

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert User.objects.filter(email__iexact="kancil@example.com").count() == 1
    assert SocialAccount.objects.get(uid="google-user-4242").user == existing
    assert client.get("/api/me").json()["user"]["id"] == str(existing.id)
