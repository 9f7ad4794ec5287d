"""allauth headless for app clients: signup, login, session token, logout."""

from rest_framework.test import APIClient

from accounts.models import Membership, User

APP = "/api/auth/app/v1"


def test_an_app_signs_up_and_uses_its_session_token_on_the_api(db, password):
    client = APIClient()

    response = client.post(f"{APP}/auth/signup", {"email": "app@example.com", "password": password}, format="json")

    assert response.status_code == 200, response.content
    token = response.json()["meta"]["session_token"]
    assert Membership.objects.get(user__email="app@example.com").role == Membership.Role.OWNER
    me = client.get("/api/me", HTTP_X_SESSION_TOKEN=token)
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "app@example.com"


def test_an_app_logs_in_and_out_and_the_old_token_stops_working(outsider, password):
    client = APIClient()
    login = client.post(f"{APP}/auth/login", {"email": outsider.email, "password": password}, format="json")
    assert login.status_code == 200, login.content
    token = login.json()["meta"]["session_token"]
    assert client.get("/api/me", HTTP_X_SESSION_TOKEN=token).status_code == 200

    logout = client.delete(f"{APP}/auth/session", HTTP_X_SESSION_TOKEN=token)

    assert logout.status_code == 401  # allauth: "no longer authenticated"
    after = client.get("/api/me", HTTP_X_SESSION_TOKEN=token)
    assert after.status_code == 401
    assert after.json() == {"error": "Unauthorized", "code": "UNAUTHORIZED"}


def test_an_app_login_with_a_wrong_password_is_refused(outsider):
    response = APIClient().post(f"{APP}/auth/login", {"email": outsider.email, "password": "nope-nope"}, format="json")

    assert response.status_code == 400
    assert "meta" not in response.json() or "session_token" not in response.json().get("meta", {})


def test_a_browser_client_logs_in_with_the_session_cookie(outsider, password):
    client = APIClient(enforce_csrf_checks=False)

    response = client.post(
        "/api/auth/browser/v1/auth/login", {"email": outsider.email, "password": password}, format="json"
    )

    assert response.status_code == 200
    assert client.get("/api/me").json()["user"]["id"] == str(outsider.id)


def test_a_signup_with_a_malformed_email_writes_nothing(db, password):
    response = APIClient().post(f"{APP}/auth/signup", {"email": "not-an-email", "password": password}, format="json")

    assert response.status_code == 400
    assert not User.objects.exists()
