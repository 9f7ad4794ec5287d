"""Benchmark (not a test): honest charging with real providers, against local stub servers.

    .venv/bin/python bench/providers.py
    BENCH_STORIES=100 BENCH_DOWN_SECONDS=30 .venv/bin/python bench/providers.py

It drops, creates and migrates BENCH_DATABASE_URL, then prints three figures of issue 18:

1. Placeholder outputs for paid requests across the image fault matrix with keys set (each
   real image provider x 500, 429 + Retry-After, timeout, malformed body, refusal; the first
   provider failing, then both): target 0. Also the refunds and the ledger audit.
2. A story while the first text provider (Gemini) is down, its stub answering only after
   BENCH_DOWN_SECONDS (30 s, the provider's timeout is the same): the first story waits on it
   and opens the breaker (failures = 1 here); then BENCH_STORIES stories go straight to the
   second provider (OpenAI). Their p50/p95 against the same stories with OpenAI configured
   first: target p95 within 100 ms.
3. USD cost per usage row against the price table applied to the usage the stub reported:
   the largest relative difference, target within 1 %.

Stories run in this process through aigen.services (cache off), images as eager tasks: the
provider path and the ledger are the real ones, the network is a loopback stub.
"""

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_i18_bench")
STORIES = int(os.environ.get("BENCH_STORIES", "100"))
DOWN_SECONDS = float(os.environ.get("BENCH_DOWN_SECONDS", "30"))

os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
os.environ["DJANGO_SETTINGS_MODULE"] = "modo.settings.test"
os.environ["LOG_LEVEL"] = "ERROR"
recreate_database(BENCH_URL)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import Membership  # noqa: E402
from aigen import services  # noqa: E402
from aigen.models import AIUsageLog, GenerationJob  # noqa: E402
from credits.hooks import register_paid_plan_check  # noqa: E402
from credits.models import CreditTransaction  # noqa: E402
from credits.services.grants import credits_grant  # noqa: E402
from tests.aigen.media_stubs import FAULTS, IMAGE_KEYS, OpenAIImageStub, StabilityStub  # noqa: E402
from tests.aigen.stubs import Reply, StubServer, success_body  # noqa: E402
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory  # noqa: E402


def setup() -> tuple:
    call_command("migrate", verbosity=0)
    organization = OrganizationFactory(name="Bench studio")
    user = UserFactory(email="bench@example.com")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.OWNER)
    credits_grant(organization=organization, amount=1_000_000)
    register_paid_plan_check(lambda org: org.pk == organization.pk)
    settings.AI_CACHE_ENABLED = False
    settings.AI_PROVIDER_MAX_RETRIES = 0
    settings.AI_TASK_MAX_ATTEMPTS = 1
    settings.AI_LOCAL_PROVIDER_ENABLED = False  # production settings
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = str(ROOT / "var" / "bench-media")
    from modo.celery import app

    app.conf.task_always_eager = True
    return organization, user


def fault_matrix(organization, user) -> None:
    base_models = dict(settings.AI_MODELS)
    placeholders = jobs = refunds_expected = 0
    started_refunds = CreditTransaction.objects.filter(type="refund").count()
    with StabilityStub(key="s-key") as stability, OpenAIImageStub(key="o-key") as openai:
        settings.AI_PROVIDER_KEYS = IMAGE_KEYS
        settings.AI_MODELS = {
            **base_models,
            "image:fast": {**base_models["image:fast"], "base_url": stability.url, "timeout": 0.5},
            "image:premium": {**base_models["image:premium"], "base_url": openai.url + "/v1", "timeout": 0.5},
        }
        stubs = {"stability": stability, "openai": openai}
        for quality, first in (("fast", "stability"), ("premium", "openai")):
            for fault in FAULTS:
                for both in (False, True):
                    cache.clear()  # a fresh breaker per cell
                    for name, stub in stubs.items():
                        stub.fault = fault if (name == first or both) else None
                    job, _remaining = services.image_job_queue(
                        organization=organization, user=user, prompt="A kite", quality=quality
                    )
                    job.refresh_from_db()
                    jobs += 1
                    placeholders += job.placeholder or job.provider == "local"
                    refunds_expected += both
        violations = stability.violations + openai.violations
    refunds = CreditTransaction.objects.filter(type="refund").count() - started_refunds
    settings.AI_MODELS = base_models
    print("1. fault matrix (image, keys set, local off)")
    print(f"   jobs {jobs}, placeholder outputs {placeholders} (target 0)")
    print(f"   refunds {refunds} (jobs whose every provider failed: {refunds_expected})")
    print(f"   requests the real APIs would refuse: {len(violations)}")


def stories(organization, user, count: int) -> list[float]:
    durations = []
    for n in range(count):
        started = time.perf_counter()
        services.story_generate(organization=organization, user=user, premise=f"A kite number {n}", quality="fast")
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def breaker_latency(organization, user) -> None:
    base_models = dict(settings.AI_MODELS)
    body, kind = success_body("openai")
    with StubServer() as gemini, StubServer() as openai:
        gemini.script = [Reply(status=503, body=b"{}", delay=DOWN_SECONDS)]
        openai.script = [Reply(body=body, content_type=kind)]
        settings.AI_PROVIDER_KEYS = {"gemini": "g-key", "veo": "", "openai": "o-key", "stability": "", "anthropic": ""}
        settings.AI_BREAKER = {"default": {"failures": 1, "window_seconds": 600, "cooldown_seconds": 600}}
        openai_entry = {**base_models["text:premium"], "base_url": openai.url + "/v1", "fallback": []}

        # The second provider's own time: OpenAI first in the chain.
        settings.AI_MODELS = {**base_models, "text:fast": {**openai_entry, "credits": 3}}
        cache.clear()
        stories(organization, user, 5)  # warm the client
        own = stories(organization, user, STORIES)

        # Gemini down: the first story waits DOWN_SECONDS and opens the breaker.
        settings.AI_MODELS = {
            **base_models,
            "text:fast": {
                **base_models["text:fast"],
                "base_url": gemini.url,
                "timeout": DOWN_SECONDS,
                "fallback": ["text:premium"],
            },
            "text:premium": openai_entry,
        }
        cache.clear()
        first = stories(organization, user, 1)[0]
        skipped = stories(organization, user, STORIES)
        gemini_calls = len(gemini.requests)
    settings.AI_MODELS = base_models
    print(f"2. story with the first text provider down ({DOWN_SECONDS:g} s), breaker open, {STORIES} stories")
    print(f"   first story (opens the breaker): {first:.0f} ms; Gemini called {gemini_calls} time(s) in all")
    print(f"   OpenAI alone:        p50 {statistics.median(own):.1f} ms, p95 {p95(own):.1f} ms")
    print(f"   Gemini skipped:      p50 {statistics.median(skipped):.1f} ms, p95 {p95(skipped):.1f} ms")
    print(f"   p95 difference {p95(skipped) - p95(own):+.1f} ms (target within 100 ms)")


def cost_accuracy() -> None:
    worst = Decimal(0)
    rows = 0
    for row in AIUsageLog.objects.filter(status="succeeded", cache_hit=False).exclude(provider="local"):
        price = settings.AI_PRICES[f"{row.provider}/{row.model}"]
        expected = (
            Decimal(str(price.get("input_per_million", 0))) * (row.tokens_in or 0) / 10**6
            + Decimal(str(price.get("output_per_million", 0))) * (row.tokens_out or 0) / 10**6
            + (Decimal(str(price.get("per_image", 0))) if row.endpoint == "generate-image" else 0)
        )
        if expected:
            worst = max(worst, abs(row.cost_usd - expected) / expected)
            rows += 1
    print(f"3. USD cost per usage row: {rows} rows")
    print(f"   largest difference from the price table {worst * 100:.4f} % (target < 1 %)")


def main() -> int:
    organization, user = setup()
    fault_matrix(organization, user)
    breaker_latency(organization, user)
    cost_accuracy()
    call_command("credits_audit")
    print("credits_audit: clean;", GenerationJob.objects.count(), "jobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
