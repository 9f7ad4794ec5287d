"""Every operation of allauth headless' own OpenAPI document (`/api/auth/...`), fuzzed by
schemathesis in-process as a signed-in app client: 0 answers 5xx, 0 answers that are not
JSON. allauth's bodies are allauth's to shape, so their conformance is not checked here.

Two runs: a fixed seed (reproducible) and a random one (CONTRACT_RANDOM_SEED to replay it;
a failure names the seed)."""

import os
import random

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from .allauth_schema import allauth_headless_schema

FIXED_SEED = 20260102
RANDOM_SEED = int(os.environ.get("CONTRACT_RANDOM_SEED") or random.randrange(2**32))  # noqa: S311
EMAIL = "allauth-contract@example.com"

# Transactional: schemathesis calls the WSGI handler, whose request_finished closes the connection.
pytestmark = pytest.mark.django_db(transaction=True)


def _schema(seed: int, *, deterministic: bool):
    config = schemathesis.Config.from_dict(
        {"seed": seed, "generation": {"deterministic": deterministic, "database": "none"}}
    )
    loaded = schemathesis.openapi.from_dict(allauth_headless_schema(), config=config)
    loaded.app = WSGIHandler()
    return loaded


fixed_schema = _schema(FIXED_SEED, deterministic=True)
random_schema = _schema(RANDOM_SEED, deterministic=False)


@pytest.fixture
def session_token(password) -> str:
    response = APIClient().post("/api/auth/app/v1/auth/signup", {"email": EMAIL, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def assert_json_and_no_server_error(case, response, seed: int) -> None:
    where = f"{case.method} {case.formatted_path} (seed {seed}): {response.status_code}"
    assert response.status_code < 500, f"{where} {response.text[:300]}"
    if response.status_code != 204 and response.content:
        headers = {name.lower(): value for name, value in response.headers.items()}
        content_type = headers.get("content-type", "")
        content_type = ", ".join(content_type) if isinstance(content_type, list) else content_type
        assert "json" in content_type, f"{where} answered {content_type}: {response.text[:200]}"


FUZZ = {"max_examples": 25, "deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}


@fixed_schema.parametrize()
@settings(**FUZZ, derandomize=True)
def test_allauths_api_answers_json_and_never_5xx_fixed_seed(case, session_token):
    response = case.call(headers={"X-Session-Token": session_token})

    assert_json_and_no_server_error(case, response, FIXED_SEED)


@random_schema.parametrize()
@settings(**FUZZ)
def test_allauths_api_answers_json_and_never_5xx_random_seed(case, session_token):
    response = case.call(headers={"X-Session-Token": session_token})

    assert_json_and_no_server_error(case, response, RANDOM_SEED)
