"""Image and video jobs through the API, tasks run inline (eager); the real worker is in test_worker.py."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from aigen.hooks import GenerationTarget, register_target_resolver, unregister_target_resolver
from aigen.models import GenerationJob
from core.errors import NotFound

from ..credits.balances import held

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks, monkeypatch):
    """Tasks are queued on commit: each POST runs them (inline, eager) as its request ends."""
    from rest_framework.test import APIClient

    original = APIClient.post

    def post_and_run(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "post", post_and_run)


def test_an_image_job_answers_202_and_succeeds_with_a_png_in_storage(owner_api, funded, run_tasks):
    response = owner_api.post("/api/ai/generate-image", {"prompt": "A red kite over Jakarta"}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["creditsUsed"] == 5 and body["remainingCredits"] == 995
    job = owner_api.get(f"/api/ai/jobs/{body['job_id']}").json()
    assert job["status"] == "succeeded" and job["progress"] == 100 and job["refunded"] is False
    with default_storage.open(job["result"]["file"], "rb") as handle:
        assert Image.open(io.BytesIO(handle.read())).format == "PNG"


def test_local_images_depend_on_the_prompt(owner_api, funded, run_tasks):
    first = owner_api.post("/api/ai/generate-image", {"prompt": "A red kite"}, format="json").json()["job_id"]
    second = owner_api.post("/api/ai/generate-image", {"prompt": "A blue boat"}, format="json").json()["job_id"]

    files = [GenerationJob.objects.get(pk=pk).output_file for pk in (first, second)]
    contents = [default_storage.open(name, "rb").read() for name in files]
    assert contents[0] != contents[1]


def test_a_video_of_image_jobs_charges_per_beat_and_makes_an_mp4(owner_api, funded, paid, run_tasks):
    images = [
        owner_api.post("/api/ai/generate-image", {"prompt": p}, format="json").json()["job_id"]
        for p in ("Dawn", "Dusk")
    ]

    response = owner_api.post("/api/ai/generate-video", {"image_job_ids": images, "quality": "fast"}, format="json")

    assert response.status_code == 202 and response.json()["creditsUsed"] == 60
    job = GenerationJob.objects.get(pk=response.json()["job_id"])
    assert job.status == "succeeded" and job.provider == "local"
    data = default_storage.open(job.output_file, "rb").read()
    assert data[4:8] == b"ftyp"  # an MP4 container
    assert held(funded) == (1000 - 10 - 60, 0)


def test_a_video_of_a_prompt_alone_works_before_studio_exists(owner_api, funded, run_tasks):
    response = owner_api.post("/api/ai/generate-video", {"prompt": "A quiet harbour"}, format="json")

    assert response.status_code == 202 and response.json()["creditsUsed"] == 30
    assert GenerationJob.objects.get(pk=response.json()["job_id"]).status == "succeeded"


def test_a_video_of_another_organizations_image_job_is_not_found(owner_api, funded, outsider, api_client, run_tasks):
    api_client.force_authenticate(outsider)
    theirs = api_client.post("/api/ai/generate-image", {"prompt": "Theirs"}, format="json").json()["job_id"]

    response = owner_api.post("/api/ai/generate-video", {"image_job_ids": [theirs]}, format="json")

    assert response.status_code == 404
    assert held(funded) == (1000, 0)


def test_a_video_needs_a_source(owner_api, funded):
    response = owner_api.post("/api/ai/generate-video", {"quality": "fast"}, format="json")

    assert response.status_code == 400


PROJECT, BEAT, OTHER_BEAT = (
    "6f1c1f8e-0000-4000-8000-000000000001",
    "6f1c1f8e-0000-4000-8000-000000000002",
    "6f1c1f8e-0000-4000-8000-000000000003",
)


def test_a_registered_resolver_supplies_the_beat_text_and_someone_elses_beat_is_404(owner_api, funded, run_tasks):
    def resolve(organization, project_id, beat_id, images=False):
        if project_id != PROJECT or beat_id not in (None, BEAT):
            raise NotFound("Project not found.")
        return GenerationTarget(project_id=project_id, beat_id=beat_id, text="The kite breaks free")

    register_target_resolver(resolve)
    try:
        ok = owner_api.post("/api/ai/generate-image", {"project_id": PROJECT, "beat_id": BEAT}, format="json")
        missing = owner_api.post(
            "/api/ai/generate-image", {"project_id": PROJECT, "beat_id": OTHER_BEAT}, format="json"
        )
    finally:
        unregister_target_resolver(resolve)

    assert ok.status_code == 202
    job = GenerationJob.objects.get(pk=ok.json()["job_id"])
    assert job.input["prompt"] == "The kite breaks free" and job.beat_ref == BEAT
    assert missing.status_code == 404
