import base64
import hashlib
import hmac
import struct
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret


def _totp_now(secret: str) -> str:
    """RFC 6238 as an authenticator app computes it (30 s steps, 6 digits, SHA-1)."""
    key = base64.b32decode(secret)
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def test_a_user_with_two_factor_needs_the_code_after_the_password(client, outsider, password):
    secret = generate_totp_secret()
    TOTP.activate(outsider, secret)

    after_password = client.post("/login/", {"login": outsider.email, "password": password})

    assert after_password["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/dashboard/").status_code == 302  # not signed in yet
    after_code = client.post("/accounts/2fa/authenticate/", {"code": _totp_now(secret)})
    assert after_code["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_second_factor_code_keeps_the_user_out(client, outsider, password):
    TOTP.activate(outsider, generate_totp_secret())
    client.post("/login/", {"login": outsider.email, "password": password})

    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})

    assert response.status_code == 200
    assert client.get("/dashboard/").status_code == 302


def test_two_factor_can_be_turned_on_from_the_account_pages(client, outsider, password):
    client.post("/login/", {"login": outsider.email, "password": password})
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": password})  # allauth asks for the password again

    page = client.get("/accounts/2fa/totp/activate/")

    assert page.status_code == 200
    secret = page.context["form"].secret
    client.post("/accounts/2fa/totp/activate/", {"code": _totp_now(secret)})
    assert Authenticator.objects.filter(user=outsider, type=Authenticator.Type.TOTP).exists()


def test_google_sign_in_sends_the_visitor_to_google_with_our_client_id(client, db):
    response = client.post("/accounts/google/login/")

    assert response.status_code == 302
    assert response["Location"].startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert "client_id=test-google-client" in response["Location"]
