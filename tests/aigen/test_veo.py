"""Veo through google-genai (Vertex AI express mode) against a stub of its long-running operations."""

import base64
import json

import pytest
from django.db import connection

from aigen import services
from aigen.models import GenerationJob
from aigen.tasks import video_generate

from .stubs import Reply, StubServer

pytestmark = pytest.mark.django_db

MODEL = "veo-3.1-generate-preview"
OPERATION = f"projects/p/locations/us-central1/publishers/google/models/{MODEL}/operations/op-1"
VIDEO = b"\x00\x00\x00\x18ftypmp42-fake-video"


class VeoStub:
    """predictLongRunning answers an operation; fetchPredictOperation answers it running, then done."""

    def __init__(self, *, polls_before_done: int = 1):
        self.polls = 0
        self.submits = 0
        self.polls_before_done = polls_before_done

    def __call__(self, method: str, path: str) -> Reply:
        if method == "POST" and path.endswith(f"/publishers/google/models/{MODEL}:predictLongRunning"):
            self.submits += 1
            return Reply(body=json.dumps({"name": OPERATION}).encode())
        if method == "POST" and path.endswith(f"/publishers/google/models/{MODEL}:fetchPredictOperation"):
            self.polls += 1
            if self.polls <= self.polls_before_done:
                return Reply(body=json.dumps({"name": OPERATION, "done": False}).encode())
            video = {"bytesBase64Encoded": base64.b64encode(VIDEO).decode(), "mimeType": "video/mp4"}
            return Reply(body=json.dumps({"name": OPERATION, "done": True, "response": {"videos": [video]}}).encode())
        return Reply(status=404, body=b'{"error": {"code": 404, "message": "no such path"}}')


@pytest.fixture
def veo(settings):
    with StubServer() as server:
        server.router = VeoStub()
        settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "veo": "g-key"}
        settings.AI_VEO_POLL_SECONDS = 0.01
        settings.AI_MODELS = {
            **settings.AI_MODELS,
            "video:premium": {**settings.AI_MODELS["video:premium"], "model": MODEL, "base_url": server.url},
        }
        yield server


@pytest.fixture
def premium_video_job(owner, funded, paid):
    job, _remaining = services.video_job_queue(
        organization=funded, user=owner, quality="premium", prompt="A harbour", image_files=[], captions=[]
    )
    return job


def test_a_premium_video_job_saves_the_veo_operation_and_stores_the_video(veo, premium_video_job):
    video_generate.apply(args=[str(premium_video_job.pk)])

    premium_video_job.refresh_from_db()
    assert premium_video_job.status == "succeeded" and premium_video_job.provider == "veo"
    assert premium_video_job.operation == OPERATION
    assert premium_video_job.credits_used == 60
    assert veo.router.submits == 1 and veo.router.polls == 2


@pytest.mark.django_db(transaction=True)
def test_the_operation_is_saved_before_the_first_poll(veo, owner, funded, paid):
    seen = []
    original = veo.router.__call__

    def spy(method, path):  # runs in the stub's thread, on its own connection: sees only committed rows
        if path.endswith(":fetchPredictOperation") and not seen:
            seen.append(GenerationJob.objects.get(kind="video").operation)
            connection.close()
        return original(method, path)

    veo.router = spy
    # Autocommit: the job commits and its task runs at once (eager).
    job, _remaining = services.video_job_queue(
        organization=funded, user=owner, quality="premium", prompt="A harbour", image_files=[], captions=[]
    )

    assert seen == [OPERATION]
    job.refresh_from_db()
    assert job.status == "succeeded"


def test_a_redelivered_veo_job_resumes_polling_without_submitting_again(veo, premium_video_job):
    GenerationJob.objects.filter(pk=premium_video_job.pk).update(status="running", operation=OPERATION, provider="veo")

    video_generate.apply(args=[str(premium_video_job.pk)])

    premium_video_job.refresh_from_db()
    assert premium_video_job.status == "succeeded"
    assert veo.router.submits == 0 and veo.router.polls == 2
