import json

from django.test import RequestFactory
from rest_framework.test import APIClient

from core.views import server_failure


def test_a_session_caller_without_a_csrf_token_is_refused(outsider, organization):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(outsider)

    response = client.patch("/api/organization", {"name": "Forged"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert "CSRF" in response.json()["error"]


def test_a_server_error_under_the_api_answers_json_without_a_trace(db):
    response = server_failure(RequestFactory().get("/api/anything"))

    assert response.status_code == 500
    assert json.loads(response.content) == {"error": "Something went wrong on our side.", "code": "SERVER_ERROR"}


def test_a_server_error_on_a_page_answers_the_friendly_page(db):
    response = server_failure(RequestFactory().get("/dashboard/"))

    assert response.status_code == 500
    assert b"Traceback" not in response.content
    assert b"<html" in response.content


def test_a_wrong_method_answers_json_405(owner_api):
    response = owner_api.post("/api/me", {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
