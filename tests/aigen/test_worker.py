"""API end to end on PostgreSQL, Redis and a real Celery worker process."""

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from aigen.models import GenerationJob
from credits.models import CreditTransaction, TrialUsage
from modo.celery import app

from ..credits.balances import held
from .workers import wait_for, worker_start, worker_stop

pytestmark = pytest.mark.django_db(transaction=True)

# image:premium goes to a Stability endpoint that refuses connections: every attempt fails.
# image:fast stays on the placeholder (a real key never falls back to it).
FAILING = json.dumps(
    {
        "image:premium": {
            "provider": "stability", "model": "core", "base_url": "http://127.0.0.1:9", "timeout": 1, "fallback": []
        },
        "image:fast": {"provider": "local", "model": "local-image-1", "fallback": []},
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def worker(django_db_blocker):
    with django_db_blocker.unblock():
        app.control.purge()
        process = worker_start(STABILITY_API_KEY="sk-stub", AI_MODELS_OVERRIDE=FAILING)
    yield process
    worker_stop(process)


@pytest.fixture
def real_queue(worker, settings):
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")  # where the worker (test settings) writes
    yield
    app.conf.task_always_eager = eager


def finished(job_id):
    def check():
        job = GenerationJob.objects.get(pk=job_id)
        return job if job.is_finished else None

    return check


def test_story_image_and_video_succeed_on_local_with_files_in_storage(owner_api, funded, paid, real_queue):
    story = owner_api.post("/api/ai/generate-story", {"premise": "A kite and a storm"}, format="json")
    image = owner_api.post("/api/ai/generate-image", {"prompt": "A kite in a storm"}, format="json")
    image_job = wait_for(finished(image.json()["job_id"]))
    video = owner_api.post("/api/ai/generate-video", {"image_job_ids": [str(image_job.pk)]}, format="json")
    video_job = wait_for(finished(video.json()["job_id"]))

    assert story.status_code == 200 and image.status_code == 202 and video.status_code == 202
    assert image_job.status == "succeeded" and video_job.status == "succeeded"
    story_job = GenerationJob.objects.get(pk=story.json()["job_id"])
    for job in (story_job, image_job, video_job):
        assert default_storage.exists(job.output_file)
    assert Image.open(io.BytesIO(default_storage.open(image_job.output_file, "rb").read())).format == "PNG"
    assert default_storage.open(video_job.output_file, "rb").read()[4:8] == b"ftyp"
    assert owner_api.get(f"/api/ai/jobs/{video_job.pk}").json()["progress"] == 100
    assert held(funded) == (1000 - 3 - 5 - 30, 0)


def test_a_failing_provider_stops_after_3_attempts_refunds_once_and_returns_the_trial_slot(
    owner_api, funded, owner, real_queue
):
    response = owner_api.post("/api/ai/generate-image", {"prompt": "Never", "quality": "premium"}, format="json")

    job = wait_for(finished(response.json()["job_id"]))
    assert job.status == "failed" and job.refunded and job.attempts == 3
    assert CreditTransaction.objects.filter(organization=funded, type="refund").count() == 1
    assert held(funded) == (1000, 0)
    assert TrialUsage.objects.get(user=owner).used == 0
    call_command("credits_audit")  # exits non-zero on drift


def test_no_credits_and_the_trial_limit_answer_before_the_queue_even_past_the_daily_rate(
    owner_api, organization, owner, real_queue, settings
):
    settings.TRIAL_DAILY_REQUESTS = 2
    no_credits = owner_api.post("/api/ai/generate-image", {"prompt": "x"}, format="json")
    TrialUsage.objects.filter(user=owner).update(used=2)
    trial_over = owner_api.post("/api/ai/generate-image", {"prompt": "x"}, format="json")
    limited = owner_api.post("/api/ai/generate-image", {"prompt": "x"}, format="json")

    assert no_credits.status_code == 402
    assert trial_over.status_code == 403 and trial_over.json()["code"] == "TRIAL_LIMIT"
    assert limited.status_code == 403 and "Retry-After" not in limited.headers  # the true reason, not 429
    assert not GenerationJob.objects.exists()
