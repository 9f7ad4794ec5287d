"""The circuit breaker: opens after N retryable failures, skips the dead provider without
waiting, closes after a successful probe; one state for every process (Redis); settings that
make no sense refuse to start."""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from aigen.breaker import breaker_allows, breaker_probe_take, breaker_record, breaker_state
from aigen.config import ai_settings_validate
from aigen.providers.base import ProviderError
from aigen.registry import provider_chain
from aigen.services.usage import call_end, call_start

from ..abuse.conftest import sentry_events  # noqa: F401 - a fixture: Sentry events in a list
from ..credits.threads import run_at_once
from .workers import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

DOWN = ProviderError("stability", "HTTP 503: overloaded", retryable=True, status=503)


@pytest.fixture
def quick_breaker(settings):
    settings.AI_BREAKER = {"default": {"failures": 2, "window_seconds": 60, "cooldown_seconds": 60}}
    return settings


def test_it_opens_after_n_retryable_failures_with_a_log_event(quick_breaker, caplog):
    with caplog.at_level(logging.WARNING, logger="aigen.breaker"):
        breaker_record(provider="stability", model="core", error=DOWN)
        first = breaker_state(provider="stability", model="core")
        breaker_record(provider="stability", model="core", error=DOWN)

    assert (first, breaker_state(provider="stability", model="core")) == ("closed", "open")
    assert [r.message for r in caplog.records] == ["ai.breaker.opened"]
    assert not breaker_allows(provider="stability", model="core")


def test_opening_sends_one_sentry_message_naming_the_provider(quick_breaker, sentry_events):  # noqa: F811
    for _ in range(3):
        breaker_record(provider="stability", model="core", error=DOWN)

    assert [event["message"] for event in sentry_events] == ["AI circuit breaker opened: stability/core for 60 s"]
    assert sentry_events[0]["tags"] == {"ai_provider": "stability", "ai_model": "core"}


def test_a_refusal_or_bad_request_does_not_count(quick_breaker):
    refusal = ProviderError("stability", "moderation", retryable=False, status=403, safety=True)
    for _ in range(3):
        breaker_record(provider="stability", model="core", error=refusal)

    assert breaker_state(provider="stability", model="core") == "closed"


def test_an_open_provider_is_skipped_without_waiting_for_its_timeout(
    owner_api, funded, paid, image_stubs, quick_breaker
):
    image_stubs["stability"].fault = "timeout"
    image_stubs["stability"].timeout_seconds = 3
    for _ in range(2):  # each waits for stability's 0.5 s timeout, then openai serves
        owner_api.post("/api/ai/generate-image", {"prompt": "A kite"}, format="json")
    calls_before = image_stubs["stability"].calls()

    started = time.monotonic()
    response = owner_api.post("/api/ai/generate-image", {"prompt": "A kite"}, format="json")
    elapsed = time.monotonic() - started

    job = owner_api.get(f"/api/ai/jobs/{response.json()['job_id']}").json()
    assert job["status"] == "succeeded" and job["receipt"]["provider"] == "openai"
    assert [(a["provider"], a["outcome"]) for a in job["receipt"]["attempts"]] == [
        ("stability", "skipped"),
        ("openai", "succeeded"),
    ]
    assert image_stubs["stability"].calls() == calls_before
    assert elapsed < 0.5 + 2  # no wait on stability's timeout (generous: a loaded machine)


def test_after_the_cooldown_one_probe_goes_through_and_its_success_closes_it(settings):
    settings.AI_BREAKER = {"default": {"failures": 1, "window_seconds": 60, "cooldown_seconds": 1}}
    breaker_record(provider="stability", model="core", error=DOWN)
    assert not breaker_allows(provider="stability", model="core")
    time.sleep(1.1)

    probe = breaker_allows(provider="stability", model="core")
    others = breaker_allows(provider="stability", model="core")
    breaker_record(provider="stability", model="core", error=None, probe=True)

    assert (probe, others) == (True, False)
    assert breaker_state(provider="stability", model="core") == "closed"


def test_a_failed_probe_opens_it_again(settings):
    settings.AI_BREAKER = {"default": {"failures": 1, "window_seconds": 60, "cooldown_seconds": 1}}
    breaker_record(provider="stability", model="core", error=DOWN)
    time.sleep(1.1)

    assert breaker_allows(provider="stability", model="core")
    breaker_record(provider="stability", model="core", error=DOWN, probe=True)

    assert breaker_state(provider="stability", model="core") == "open"


WORKER_SCRIPT = """
import sys, django
django.setup()
from aigen.breaker import breaker_allows, breaker_record, breaker_state
from aigen.providers.base import ProviderError
if sys.argv[1] == "fail":
    for _ in range(5):
        breaker_record(provider="gemini", model="gemini-2.5-flash",
                       error=ProviderError("gemini", "timed out", retryable=True))
print(breaker_state(provider="gemini", model="gemini-2.5-flash"),
      breaker_allows(provider="gemini", model="gemini-2.5-flash"))
"""


def _process(action: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "modo.settings.test"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WORKER_SCRIPT, action], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_two_processes_see_the_same_state():
    assert _process("read") == "closed True"

    assert _process("fail") == "open False"
    assert _process("read") == "open False"
    assert breaker_state(provider="gemini", model="gemini-2.5-flash") == "open"  # and this process too


def test_the_breaker_state_is_on_metrics(client, quick_breaker):
    quick_breaker.METRICS_TOKEN = "scrape-token"
    for _ in range(2):
        breaker_record(provider="stability", model="core", error=DOWN)

    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").content.decode()

    assert 'modo_ai_circuit_state{model="core",provider="stability"} 2.0' in text
    assert 'modo_ai_circuit_state{model="gpt-image-1",provider="openai"} 0.0' in text


@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("AI_BREAKER", {"default": {"failures": -1, "window_seconds": 60, "cooldown_seconds": 30}}, "failures"),
        ("AI_BREAKER", {"gemini": {"failures": 3, "window_seconds": 60, "cooldown_seconds": 30}}, "'default'"),
        ("AI_PRICES", {}, "gemini/gemini-2.5-flash, which has no row in AI_PRICES"),
        ("AI_PROVIDER_RETRY_AFTER_MAX_SECONDS", -1, "AI_PROVIDER_RETRY_AFTER_MAX_SECONDS must be a number >= 0"),
    ],
)
def test_settings_that_make_no_sense_refuse_to_start(settings, setting, value, message):
    setattr(settings, setting, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        ai_settings_validate()


def test_a_negative_price_stops_the_process_at_start_with_a_clear_message():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "modo.settings.test",
        "AI_PRICES_OVERRIDE": '{"openai/gpt-4o": {"input_per_million": -2.5, "output_per_million": 10, '
        '"read_on": "2026-11-02"}}',
    }

    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode != 0
    assert "AI_PRICES['openai/gpt-4o']['input_per_million'] must be a number >= 0" in done.stderr


# --- The half-open state: one probe at a time, and no extra cool-down ----------------------


def half_open(settings, provider="stability", model="core", cooldown=1):
    """Open the breaker with a short cool-down, and wait it out: the next caller may probe."""
    settings.AI_BREAKER = {"default": {"failures": 1, "window_seconds": 60, "cooldown_seconds": cooldown}}
    breaker_record(provider=provider, model=model, error=DOWN)
    time.sleep(cooldown + 0.1)
    assert breaker_state(provider=provider, model=model) == "half_open"


def test_concurrent_callers_in_the_half_open_state_send_exactly_one_probe(settings):
    settings.AI_PROVIDER_KEYS = {"stability": "s-key", "openai": "o-key"}
    half_open(settings)

    outcomes = run_at_once(lambda i: [p.name for p in provider_chain("image:fast")], threads=8)

    chains = sorted(outcome.value for outcome in outcomes)
    assert [outcome.error for outcome in outcomes] == [None] * 8
    assert chains == [["openai"]] * 7 + [["stability", "openai"]]


PROBE_SCRIPT = """
import sys, time, django
django.setup()
from django.conf import settings
settings.AI_PROVIDER_KEYS = {"stability": "s-key", "openai": "o-key"}
from aigen.registry import provider_chain
time.sleep(max(0, float(sys.argv[1]) - time.time()))
print(",".join(p.name for p in provider_chain("image:fast")))
"""


def test_worker_processes_in_the_half_open_state_send_exactly_one_probe(settings):
    half_open(settings)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "modo.settings.test"}
    start_at = str(time.time() + 6)  # every process is set up by then, and they ask together
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", PROBE_SCRIPT, start_at], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    chains = sorted(worker.communicate(timeout=120)[0].strip().splitlines()[-1] for worker in workers)

    assert chains == ["openai", "openai", "stability,openai"]


def test_a_half_open_provider_the_chain_did_not_reach_is_probed_by_the_next_request(
    owner_api, funded, paid, image_stubs, settings
):
    """The known bug: building a chain took the probe lease of every half-open provider in it,
    even one never called, so the probe waited one more cool-down."""
    half_open(settings, "openai", "gpt-image-1", cooldown=4)  # longer than the two requests

    served_by_stability = owner_api.post("/api/ai/generate-image", {"prompt": "A kite"}, format="json").json()
    premium = owner_api.post("/api/ai/generate-image", {"prompt": "A kite", "quality": "premium"}, format="json")

    first = owner_api.get(f"/api/ai/jobs/{served_by_stability['job_id']}").json()
    probed = owner_api.get(f"/api/ai/jobs/{premium.json()['job_id']}").json()
    assert first["receipt"]["provider"] == "stability" and image_stubs["openai"].calls() == 1
    assert [(a["provider"], a["outcome"]) for a in probed["receipt"]["attempts"]] == [("openai", "succeeded")]
    assert breaker_state(provider="openai", model="gpt-image-1") == "closed"


def test_a_failure_under_way_when_it_opened_does_not_reopen_it_after_the_cool_down(settings):
    half_open(settings)

    breaker_record(provider="stability", model="core", error=DOWN)  # not the probe: a late answer

    assert breaker_state(provider="stability", model="core") == "half_open"
    assert breaker_allows(provider="stability", model="core")  # the probe goes at once


def test_a_probe_whose_process_died_frees_the_lease_after_its_ttl(settings):
    half_open(settings)
    assert breaker_probe_take(provider="stability", model="core", lease_seconds=1)
    assert not breaker_probe_take(provider="stability", model="core", lease_seconds=1)

    time.sleep(1.1)  # the probe never answered

    assert breaker_probe_take(provider="stability", model="core", lease_seconds=1)


def test_the_probes_failure_opens_it_again_for_one_cool_down_and_its_success_closes_it(settings):
    settings.AI_PROVIDER_KEYS = {"stability": "s-key", "openai": "o-key"}
    half_open(settings)
    chain = provider_chain("image:fast")
    probe = next(iter(chain))
    call = call_start(probe)
    call_end(call, error=DOWN)
    assert call.probe and breaker_state(provider="stability", model="core") == "open"

    time.sleep(1.1)
    probe = next(iter(provider_chain("image:fast")))
    call_end(call_start(probe))

    assert breaker_state(provider="stability", model="core") == "closed"
    assert [p.name for p in provider_chain("image:fast")] == ["stability", "openai"]
