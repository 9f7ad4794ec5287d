"""Every answer under /api/ is JSON in the error shape, including what Django, allauth and
the server refuse before a view runs; client errors are logged as warnings, without a trace."""

import logging

import pytest
from django.test import Client

from studio.models import Project

pytestmark = pytest.mark.django_db

APP_AUTH = "/api/auth/app/v1"


def _signed_in_app_token(client: Client, email: str, password: str) -> str:
    response = client.post(
        f"{APP_AUTH}/auth/signup", {"email": email, "password": password}, content_type="application/json"
    )
    return response.json()["meta"]["session_token"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["error"]
    return body


def test_a_body_over_the_limit_answers_413_json_and_logs_no_traceback(owner_api, settings, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"title": "' + "x" * 2000 + '"}'

    with caplog.at_level(logging.INFO):
        response = owner_api.post("/api/projects/", body, content_type="application/json")

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert not Project.objects.exists()
    assert all(record.levelno <= logging.WARNING and not record.exc_info for record in caplog.records)


def test_an_oversized_webhook_delivery_answers_413_json(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = Client().post("/api/webhooks/midtrans", "x" * 2000, content_type="application/json")

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_malformed_json_to_allauth_answers_400_json():
    response = Client().post(f"{APP_AUTH}/auth/login", "{not json", content_type="application/json")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "body" in body["fields"]


def test_a_nul_character_sent_to_allauth_answers_400_json_not_a_database_error():
    body = '{"provider": "google", "process": "login", "token": {"client_id": "\\u0000", "id_token": "x"}}'

    response = Client().post(f"{APP_AUTH}/auth/provider/token", body, content_type="application/json")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "body" in body["fields"]


def test_a_nul_character_in_an_allauth_query_answers_400_json():
    response = Client().get(f"{APP_AUTH}/auth/email/verify?key=%00")

    assert_error(response, 400, "VALIDATION_ERROR")


def test_a_wrong_method_on_an_allauth_route_answers_405_json():
    response = Client().delete(f"{APP_AUTH}/auth/signup")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response["Allow"]


def test_an_idempotency_key_of_ten_thousand_characters_answers_431_json(owner_api):
    response = owner_api.post(
        "/api/ai/generate-story", {"premise": "A mouse-deer"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 10_000
    )

    assert_error(response, 431, "HEADER_TOO_LARGE")


def test_an_unknown_charset_answers_415_json(owner_api):
    body = b'{"title": "Kancil"}'

    response = owner_api.post("/api/projects/", body, content_type="application/json; charset=klingon")

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert not Project.objects.exists()


def test_utf8_in_any_spelling_is_accepted(owner_api):
    response = owner_api.post("/api/projects/", b'{"title": "Kancil"}', content_type="application/json; charset=UTF-8")

    assert response.status_code == 201


def test_a_csrf_failure_on_an_allauth_browser_route_answers_json(outsider, password):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/auth/browser/v1/auth/login",
        {"email": outsider.email, "password": password},
        content_type="application/json",
    )

    assert_error(response, 403, "FORBIDDEN")


@pytest.mark.parametrize(
    "path", ["account/phone", "auth/phone/verify", "auth/phone/verify/resend"], ids=["manage", "verify", "resend"]
)
def test_allauths_phone_routes_answer_404_json_to_a_signed_in_user(path, password):
    client = Client()
    token = _signed_in_app_token(client, "phone@example.com", password)

    response = client.get(f"{APP_AUTH}/{path}", HTTP_X_SESSION_TOKEN=token)

    assert_error(response, 404, "NOT_FOUND")
