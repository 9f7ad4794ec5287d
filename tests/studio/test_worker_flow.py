"""Story -> beats -> image -> video on the local provider with a real Celery worker process."""

import pytest
from django.core.files.storage import default_storage

from aigen.models import GenerationJob
from modo.celery import app
from studio.models import Notification, Project

from ..aigen.workers import wait_for, worker_start, worker_stop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_worker(settings, django_db_blocker):
    with django_db_blocker.unblock():
        app.control.purge()
        process = worker_start()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")  # where the worker (test settings) writes
    yield process
    app.conf.task_always_eager = eager
    worker_stop(process)


def _finished(job_id):
    def check():
        job = GenerationJob.objects.get(pk=job_id)
        return job if job.is_finished else None

    return check


def test_a_project_goes_from_premise_to_an_animated_beat(
    owner_api, owner, organization, on_pro_plan, real_worker, client
):
    project = owner_api.post(
        "/api/projects/", {"title": "Layang-layang", "premise": "A kite and a storm"}, format="json"
    ).json()

    story = owner_api.post(
        "/api/ai/generate-story", {"premise": "A kite and a storm", "project_id": project["id"]}, format="json"
    )
    beats = owner_api.get(f"/api/projects/{project['id']}/beats/").json()
    image = owner_api.post(
        "/api/ai/generate-image", {"project_id": project["id"], "beat_id": beats[0]["id"]}, format="json"
    )
    assert wait_for(_finished(image.json()["job_id"]), timeout=90).status == "succeeded"
    video = owner_api.post(
        "/api/ai/generate-video", {"project_id": project["id"], "beat_id": beats[0]["id"]}, format="json"
    )
    assert wait_for(_finished(video.json()["job_id"]), timeout=120).status == "succeeded"

    assert story.status_code == 200 and len(beats) == len(story.json()["data"]["beats"])
    beat = Project.objects.get(pk=project["id"]).beats.order_by("order").first()
    assert beat.image.file.name.endswith(".png") and default_storage.exists(beat.image.file.name)
    assert beat.animation.file.name.endswith(".mp4") and default_storage.exists(beat.animation.file.name)
    assert Notification.objects.filter(user=owner, params__title="Layang-layang").exists()
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})
    page = client.get(f"/studio/{project['id']}/").content.decode()
    assert beat.image.file.url in page and beat.animation.file.url in page
