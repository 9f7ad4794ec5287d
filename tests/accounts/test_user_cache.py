"""The signed-in user's row comes from the cache (accounts.backends, accounts.current): a request
reads neither the user nor their membership from the database once they are cached, and every
change to the user (password, deactivation, deletion) is seen on the next request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.selectors import membership_default
from accounts.services import user_create

APP = "/api/auth/app/v1"


@pytest.fixture
def person(db, password):
    return user_create(email="cached@example.com", password=password, name="Cached")


def sign_in(email: str, password: str) -> APIClient:
    client = APIClient()
    login = client.post(f"{APP}/auth/login", {"email": email, "password": password}, format="json")
    assert login.status_code == 200, login.content
    client.credentials(HTTP_X_SESSION_TOKEN=login.json()["meta"]["session_token"])
    return client


def tables_read(queries) -> str:
    return " ".join(query["sql"] for query in queries)


@pytest.mark.django_db
def test_a_signed_in_app_request_reads_neither_the_user_nor_the_membership(person, password):
    client = sign_in(person.email, password)
    assert client.get("/api/organization").status_code == 200  # fills the cache

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/organization")

    assert response.status_code == 200
    assert response.json()["id"] == str(membership_default(user=person).organization_id)
    assert "accounts_user" not in tables_read(queries)
    assert "accounts_membership" not in tables_read(queries)


@pytest.mark.django_db
def test_a_signed_in_page_reads_no_user_row(person):
    browser = Client()
    browser.force_login(person)
    assert browser.get("/dashboard/").status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/dashboard/")

    assert response.status_code == 200
    assert 'FROM "accounts_user"' not in tables_read(queries)


@pytest.mark.django_db
def test_a_new_password_ends_the_other_sessions_on_their_next_request(person, password):
    client = sign_in(person.email, password)
    assert client.get("/api/me").status_code == 200

    person.set_password("a-brand-new-pass-2026")
    person.save()

    assert client.get("/api/me").status_code == 401
    assert sign_in(person.email, "a-brand-new-pass-2026").get("/api/me").status_code == 200


@pytest.mark.django_db
def test_a_deactivated_user_is_refused_on_their_next_request(person, password):
    client = sign_in(person.email, password)
    assert client.get("/api/me").status_code == 200

    person.is_active = False
    person.save(update_fields=["is_active"])

    assert client.get("/api/me").status_code == 401


@pytest.mark.django_db
def test_a_renamed_user_is_seen_on_the_next_request(person, password):
    client = sign_in(person.email, password)
    assert client.get("/api/me").json()["user"]["name"] == "Cached"

    person.name = "Renamed"
    person.save(update_fields=["name"])

    assert client.get("/api/me").json()["user"]["name"] == "Renamed"


@pytest.mark.django_db
def test_a_deleted_user_is_anonymous_on_their_next_request(person, password):
    client = sign_in(person.email, password)
    assert client.get("/api/me").status_code == 200

    person.delete()

    assert client.get("/api/me").status_code == 401
