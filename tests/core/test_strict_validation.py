"""MODO's own endpoints take exactly the JSON they document: wrong types and unknown fields
answer 400 naming them, and nothing changes; the schema says request bodies are closed."""

import pytest

from studio.models import Project

pytestmark = pytest.mark.django_db


def test_an_integer_genre_is_refused(owner_api):
    response = owner_api.post("/api/projects/", {"title": "Kancil", "genre": 7}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert list(response.json()["fields"]) == ["genre"]
    assert not Project.objects.exists()


def test_unknown_fields_are_refused_and_listed(owner_api):
    response = owner_api.post("/api/projects/", {"title": "Kancil", "colour": "red", "mood": "calm"}, format="json")

    assert response.status_code == 400
    assert sorted(response.json()["fields"]) == ["colour", "mood"]
    assert not Project.objects.exists()


def test_a_string_where_an_integer_belongs_is_refused(owner_api):
    response = owner_api.post("/api/ai/generate-story", {"premise": "A mouse-deer", "variation": "1"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["variation"]


def test_a_boolean_is_not_an_integer(owner_api):
    response = owner_api.post("/api/ai/generate-story", {"premise": "A mouse-deer", "variation": True}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["variation"]


def test_a_checkout_with_an_unknown_field_is_refused(owner_api):
    body = {"item": "pack:credits-100", "gateway": "dev", "discount": 100}

    response = owner_api.post("/api/billing/checkout", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["discount"]


def test_the_schema_says_request_bodies_refuse_unknown_fields(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    requests = {name: c for name, c in schema["components"]["schemas"].items() if name.endswith("Request")}
    assert "ProjectWriteRequest" in requests
    assert all(component["additionalProperties"] is False for component in requests.values())


@pytest.mark.django_db
def test_team_and_subscription_bodies_are_strict_too(owner_api, organization):
    unknown = owner_api.post("/api/organizations", {"name": "Studio Kancil", "colour": "red"}, format="json")
    wrong_type = owner_api.post("/api/billing/subscription/change/preview", {"plan": 7}, format="json")

    assert unknown.status_code == 400 and unknown.json()["fields"] == {"colour": ["Unknown field."]}
    assert wrong_type.status_code == 400 and "plan" in wrong_type.json()["fields"]
