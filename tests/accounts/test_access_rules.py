"""DESIGN section 4: who may see what."""

import pytest

APP_PAGES = ["/dashboard/", "/settings/"]


@pytest.mark.parametrize("path", APP_PAGES)
def test_anonymous_visitors_of_app_pages_go_to_login_with_next(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", ["/login/", "/register/"])
def test_signed_in_visitors_of_login_and_register_go_to_the_dashboard(client, outsider, path):
    client.force_login(outsider)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_after_login_the_visitor_lands_on_the_page_asked_for(client, outsider, password):
    response = client.post("/login/?next=/settings/", {"login": outsider.email, "password": password})

    assert response["Location"] == "/settings/"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/me"),
        ("get", "/api/organization"),
        ("post", "/api/organization/invitations"),
        ("get", "/api/no-such-thing"),
        ("delete", "/api/projects/1/"),
    ],
)
def test_anonymous_api_callers_get_401_json(api_client, db, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "code": "UNAUTHORIZED"}


def test_auth_and_public_api_paths_do_not_ask_for_a_login(api_client, db):
    assert api_client.get("/api/auth/app/v1/config").status_code == 200
    assert api_client.get("/api/public/nothing-here").json()["code"] == "NOT_FOUND"


def test_a_stale_session_token_is_treated_as_anonymous(api_client, db):
    response = api_client.get("/api/me", HTTP_X_SESSION_TOKEN="not-a-real-token")

    assert response.status_code == 401


def test_the_admin_login_is_allauths_login(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_signed_in_non_staff_user_cannot_open_the_admin(client, outsider):
    client.force_login(outsider)

    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_staff_reach_the_admin(client, db):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200
