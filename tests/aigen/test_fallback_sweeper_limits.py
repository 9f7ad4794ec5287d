"""The fallback chain, the stuck-job sweeper, the rate limit under concurrency, safe URL fetching."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from aigen import services
from aigen.errors import RateLimited
from aigen.fetch import provider_url_fetch
from aigen.models import AIUsageLog, GenerationJob
from aigen.providers.base import ProviderError
from aigen.ratelimit import ai_rate_limit_take
from credits.models import CreditTransaction, TrialUsage

from ..credits.balances import fund, held
from ..credits.threads import run_at_once


def test_a_failing_first_provider_falls_back_to_the_next(owner_api, funded, settings, db, text_stubs):
    text_stubs["gemini"].fault = "server_error"

    response = owner_api.post("/api/ai/generate-story", {"premise": "A kite"}, format="json")

    assert response.status_code == 200 and response.json()["creditsUsed"] == 3
    job = GenerationJob.objects.get(pk=response.json()["job_id"])
    assert job.provider == "openai"
    assert list(AIUsageLog.objects.filter(job=job).order_by("id").values_list("provider", "status")) == [
        ("gemini", "failed"),
        ("openai", "succeeded"),
    ]


def open_job(organization, user, *, minutes_late=1):
    job, _remaining = services.generation_job_create(
        organization=organization,
        user=user,
        kind="video",
        quality="fast",
        credits=30,
        job_input={"prompt": "x"},
        template_version="video-v1",
        provider="local",
        model="local",
    )
    GenerationJob.objects.filter(pk=job.pk).update(deadline_at=timezone.now() - timedelta(minutes=minutes_late))
    return job


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_refunds_a_stuck_job_once_even_when_run_twice_at_once(organization, owner):
    fund(organization, main=100)
    job = open_job(organization, owner)

    results = run_at_once(lambda i: services.generation_jobs_sweep_stuck(), threads=2)

    assert sorted(r.value for r in results) == [0, 1]
    job.refresh_from_db()
    assert job.status == "failed" and job.refunded
    assert CreditTransaction.objects.filter(type="refund").count() == 1
    assert held(organization) == (100, 0)
    assert TrialUsage.objects.get(user=owner).used == 0
    call_command("credits_audit")


@pytest.mark.django_db
def test_the_sweeper_leaves_jobs_within_their_deadline(organization, owner):
    fund(organization, main=100)
    job = open_job(organization, owner, minutes_late=-30)

    assert services.generation_jobs_sweep_stuck() == 0
    job.refresh_from_db()
    assert job.status == "queued"


@pytest.mark.django_db
def test_a_task_that_always_fails_stops_after_3_attempts_failed_and_refunded(owner, funded, settings):
    settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "stability": "s-key"}
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "image:fast": {**settings.AI_MODELS["image:fast"], "base_url": "http://127.0.0.1:9", "fallback": []},
    }
    settings.AI_PROVIDER_MAX_RETRIES = 0
    from aigen.tasks import image_generate

    job, _ = services.image_job_queue(organization=funded, user=owner, prompt="x", quality="fast")
    image_generate.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == "failed" and job.refunded and job.attempts == 3
    assert AIUsageLog.objects.filter(job=job, status="failed").count() == 3
    assert CreditTransaction.objects.filter(type="refund").count() == 1


@pytest.mark.django_db(transaction=True)
def test_100_simultaneous_requests_at_a_limit_of_10_let_exactly_10_through(owner, organization, settings):
    settings.TRIAL_DAILY_REQUESTS = 10
    request = RequestFactory().post("/api/ai/generate-story")
    request.user = owner

    def attempt(i):
        return ai_rate_limit_take(request=request, organization=organization)

    results = run_at_once(attempt, threads=100)

    passed = [r for r in results if r.error is None]
    limited = [r.error for r in results if isinstance(r.error, RateLimited)]
    assert len(passed) == 10 and len(limited) == 90
    assert all(int(error.headers["Retry-After"]) > 0 for error in limited)
    assert sorted(r.value.remaining for r in passed) == list(range(10))


@pytest.mark.django_db
def test_a_rate_limited_request_answers_429_with_its_headers(owner_api, funded, settings):
    settings.TRIAL_DAILY_REQUESTS = 1
    first = owner_api.post("/api/ai/generate-story", {"premise": "One"}, format="json")

    second = owner_api.post("/api/ai/generate-story", {"premise": "Two"}, format="json")

    assert first.headers["X-RateLimit-Limit"] == "1" and first.headers["X-RateLimit-Remaining"] == "0"
    assert second.status_code == 429 and second.json()["code"] == "RATE_LIMITED"
    assert int(second.headers["Retry-After"]) > 0 and second.headers["X-RateLimit-Remaining"] == "0"
    assert held(funded) == (997, 0)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x.png",
        "https://10.0.0.5/x.png",
        "https://192.168.1.1/x.png",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/x.png",
        "https://[fd00::1]/x.png",
        "https://localhost/x.png",
        "http://oaidalleapiprodscus.blob.core.windows.net/x.png",
        "https://evil.example.com/x.png",
        "file:///etc/passwd",
    ],
)
def test_provider_urls_are_never_fetched_from_private_or_foreign_addresses(url):
    allowed = (
        "oaidalleapiprodscus.blob.core.windows.net",
        "127.0.0.1",
        "10.0.0.5",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "localhost",
    )

    with pytest.raises(ProviderError) as refused:
        provider_url_fetch(url, provider="openai", allowed_hosts=allowed)

    assert refused.value.provider == "openai" and not refused.value.retryable


def test_a_provider_host_that_resolves_to_loopback_is_refused():
    with pytest.raises(ProviderError, match="non-public"):
        provider_url_fetch("https://localhost/x.png", provider="openai", allowed_hosts=("localhost",))
