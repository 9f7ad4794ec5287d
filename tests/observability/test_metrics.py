"""/metrics: who may read it, and what it counts."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from modo.celery import app

from .conftest import METRICS_TOKEN, rise, sample, scrape

pytestmark = pytest.mark.django_db


def test_it_refuses_a_caller_without_the_token(client):
    response = client.get("/metrics")

    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert b"modo_" not in response.content


@pytest.mark.parametrize("authorization", ["Bearer wrong-token", f"Basic {METRICS_TOKEN}", "Bearer ", METRICS_TOKEN])
def test_it_refuses_a_wrong_token(client, authorization):
    response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 403


def test_it_refuses_an_address_that_is_not_allowed(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    response = client.get("/metrics", REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 403


def test_it_serves_an_allowed_address_without_a_token(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"modo_http_request_duration_seconds" in response.content


def test_a_request_through_an_undeclared_proxy_is_not_taken_for_loopback(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 403


def test_behind_a_declared_proxy_the_forwarded_address_decides(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    allowed = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    refused = client.get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert (allowed.status_code, refused.status_code) == (200, 403)


def test_without_a_setting_loopback_is_allowed_only_while_debug_is_on(client, settings):
    settings.METRICS_ALLOWED_IPS = None
    settings.DEBUG = False
    refused = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    settings.DEBUG = True
    allowed = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert (refused.status_code, allowed.status_code) == (403, 200)


def test_a_story_generation_shows_in_the_counters(owner_api, funded, client, django_capture_on_commit_callbacks):
    before = scrape(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post("/api/ai/generate-story", {"premise": "A kite over Jakarta"}, format="json")

    after = scrape(client)
    assert response.status_code == 200 and response.json()["creditsUsed"] == 3
    story = {"kind": "story", "provider": "local", "status": "succeeded"}
    assert rise(before, after, "modo_ai_generations_total", **story) == 1
    assert rise(before, after, "modo_ai_generation_duration_seconds_count", **story) == 1
    assert rise(before, after, "modo_credits_charged_total", feature="story_fast") == 3
    route = {"method": "POST", "route": "api/ai/generate-story", "status": "200"}
    assert rise(before, after, "modo_http_request_duration_seconds_count", **route) == 1


def test_a_cache_hit_and_a_miss_are_counted(owner_api, funded, client):
    before = scrape(client)

    owner_api.post("/api/ai/generate-story", {"premise": "A cat runs a night market"}, format="json")
    owner_api.post("/api/ai/generate-story", {"premise": "A cat runs a night market"}, format="json")

    after = scrape(client)
    assert rise(before, after, "modo_ai_cache_lookups_total", kind="story", result="miss") == 1
    assert rise(before, after, "modo_ai_cache_lookups_total", kind="story", result="hit") == 1


def test_a_failed_generation_counts_as_failed_and_its_refund(
    owner_api, funded, client, settings, django_capture_on_commit_callbacks
):
    # image:fast goes to a Stability endpoint that refuses connections, with no fallback.
    failing = {"provider": "stability", "base_url": "http://127.0.0.1:9", "timeout": 1, "fallback": []}
    settings.AI_MODELS = {**settings.AI_MODELS, "image:fast": {**settings.AI_MODELS["image:fast"], **failing}}
    settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "stability": "sk-stub"}
    settings.AI_TASK_MAX_ATTEMPTS = 1
    settings.AI_PROVIDER_MAX_RETRIES = 0
    before = scrape(client)

    with django_capture_on_commit_callbacks(execute=True):  # the eager task runs on commit
        response = owner_api.post("/api/ai/generate-image", {"prompt": "Never"}, format="json")

    after = scrape(client)
    assert response.status_code == 202
    failed = {"kind": "image", "provider": "stability", "status": "failed"}
    assert rise(before, after, "modo_ai_generations_total", **failed) == 1
    assert rise(before, after, "modo_credits_refunded_total", feature="image_fast") == 5


def test_webhook_verdicts_are_counted_per_gateway(client, settings):
    settings.XENDIT_CALLBACK_TOKEN = "right-token"
    before = scrape(client)

    response = APIClient().post(
        "/api/webhooks/xendit", b"{}", content_type="application/json", HTTP_X_CALLBACK_TOKEN="wrong"
    )

    after = scrape(client)
    assert response.status_code == 401
    assert rise(before, after, "modo_webhook_deliveries_total", gateway="xendit", verdict="rejected") == 1


def test_queue_lengths_come_from_the_broker(owner_api, funded, django_capture_on_commit_callbacks):
    app.control.purge()
    app.conf.task_always_eager = False  # queued for real, and no worker takes it
    try:
        with django_capture_on_commit_callbacks(execute=True):
            owner_api.post("/api/ai/generate-image", {"prompt": "A queued kite"}, format="json")
        samples = scrape(Client())
    finally:
        app.conf.task_always_eager = True
        app.control.purge()

    assert sample(samples, "modo_celery_broker_up") == 1
    assert sample(samples, "modo_celery_queue_length", queue="images") == 1
    assert sample(samples, "modo_celery_queue_length", queue="video") == 0
