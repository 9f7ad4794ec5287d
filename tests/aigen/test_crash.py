"""A worker killed with SIGKILL in the middle of a video job: another worker finishes it, charged once."""

import time

import pytest
from django.core.management import call_command

from aigen.models import GenerationJob
from aigen.scratch import job_scratch_orphans_purge
from aigen.story import story_parse
from credits.models import CreditTransaction
from modo.celery import app

from .workers import wait_for, worker_start, worker_stop

pytestmark = pytest.mark.django_db(transaction=True)

# A video long enough to be killed in the middle of; redelivery after 2 s without an ack.
SLOW_VIDEO = {
    "AI_LOCAL_VIDEO_SIZE": "640x360",
    "AI_LOCAL_VIDEO_SECONDS_PER_BEAT": "240",
    "AI_LOCAL_VIDEO_FPS": "24",
    "CELERY_VISIBILITY_TIMEOUT": "2",
}


@pytest.fixture
def real_queue(settings):
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")
    yield
    app.conf.task_always_eager = eager


def test_a_video_job_survives_a_killed_worker_and_is_charged_once(
    owner_api, funded, paid, real_queue, settings, tmp_path
):
    settings.AI_JOB_SCRATCH_DIR = str(tmp_path / "scratch")
    slow_video = {**SLOW_VIDEO, "AI_JOB_SCRATCH_DIR": settings.AI_JOB_SCRATCH_DIR}
    first = worker_start(**slow_video)
    second = None
    try:
        response = owner_api.post(
            "/api/ai/generate-video", {"prompt": "A long voyage", "quality": "fast"}, format="json"
        )
        job_id = response.json()["job_id"]
        wait_for(lambda: GenerationJob.objects.filter(pk=job_id, status="running", progress__gt=0).exists())
        worker_stop(first, kill=True)
        assert GenerationJob.objects.get(pk=job_id).status == "running"

        # A starting worker gives back the unacknowledged messages older than the visibility
        # timeout (after that, only every ~100 s, kombu's default): start it once this one is.
        time.sleep(float(SLOW_VIDEO["CELERY_VISIBILITY_TIMEOUT"]) + 1)
        left_behind = [folder.name for folder in (tmp_path / "scratch").iterdir()]
        second = worker_start(**slow_video)
        job = wait_for(lambda: GenerationJob.objects.filter(pk=job_id, status="succeeded").first(), timeout=90)
    finally:
        worker_stop(first, kill=True)
        if second is not None:
            worker_stop(second)

    assert job.attempts >= 2
    charges = CreditTransaction.objects.filter(organization=funded, type="usage")
    assert charges.count() == 1 and not CreditTransaction.objects.filter(type="refund").exists()
    call_command("credits_audit")
    # The killed worker's scratch folder stayed; the finished job's did not; the purge (beat,
    # once a day old) removes what stayed.
    assert [folder.name for folder in (tmp_path / "scratch").iterdir()] == left_behind and len(left_behind) == 1
    assert job_scratch_orphans_purge(max_age_seconds=0) == 1


SLOW_STORY = {
    "AI_LOCAL_STREAM_DELAY_SECONDS": "0.2",
    "AI_LOCAL_STREAM_CHUNK_CHARS": "48",
    "CELERY_VISIBILITY_TIMEOUT": "2",
}


def test_a_story_survives_a_killed_text_worker_finished_once_or_refunded_once(owner_api, funded, paid, real_queue):
    from aigen import events

    first = worker_start(queues="text", pool="threads", concurrency=4, **SLOW_STORY)
    second = None
    try:
        response = owner_api.post(
            "/api/ai/generate-story", {"premise": "A long voyage"}, format="json", headers={"Prefer": "respond-async"}
        )
        assert response.status_code == 202
        job_id = response.json()["job_id"]
        wait_for(lambda: any(e.event == "delta" for e in events.events_read(job_id)), timeout=60)
        worker_stop(first, kill=True)
        assert GenerationJob.objects.get(pk=job_id).status == "running"

        time.sleep(float(SLOW_STORY["CELERY_VISIBILITY_TIMEOUT"]) + 1)
        second = worker_start(queues="text", pool="threads", concurrency=4, **SLOW_STORY)
        job = wait_for(lambda: GenerationJob.objects.filter(pk=job_id, status="succeeded").first(), timeout=120)
    finally:
        worker_stop(first, kill=True)
        if second is not None:
            worker_stop(second)

    assert job.attempts == 1 and len(job.result["beats"]) >= 5  # one redelivery, counted
    charges = CreditTransaction.objects.filter(organization=funded, type="usage")
    assert charges.count() == 1 and not CreditTransaction.objects.filter(type="refund").exists()
    # The second attempt started its live log over: the text read now is the stored story's.
    partial = events.partial_of(events.events_read(job_id))
    assert story_parse(partial["text"]) == job.result
    call_command("credits_audit")
