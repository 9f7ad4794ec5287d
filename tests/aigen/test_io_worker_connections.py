"""An I/O worker's threads hold no database connection while they wait on a provider: a real
`images` worker on a threads pool with a database pool of ONE connection (1 s to get it) runs
four image jobs at once against a Stability stub that answers after 2 s. Each thread needs the
connection only for a few milliseconds before and after its wait."""

import json

import pytest

from aigen.models import GenerationJob
from modo.celery import app

from .media_stubs import StabilityStub
from .stubs import Reply
from .workers import wait_for, worker_start, worker_stop

pytestmark = pytest.mark.django_db(transaction=True)


class SlowStability(StabilityStub):
    def success(self) -> Reply:
        answer = super().success()
        answer.delay = 2.0
        return answer


@pytest.fixture
def slow_images(django_db_blocker, settings):
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")  # where the worker (test settings) writes
    with SlowStability(key="s-key") as stability, django_db_blocker.unblock():
        app.control.purge()
        models = {"image:fast": {"provider": "stability", "model": "core", "base_url": stability.url, "fallback": []}}
        worker = worker_start(
            queues="images",
            pool="threads",
            concurrency=4,
            STABILITY_API_KEY="s-key",
            AI_MODELS_OVERRIDE=json.dumps(models),
            DATABASE_POOL_MAX_SIZE="1",
            DATABASE_POOL_TIMEOUT_SECONDS="1",
        )
        yield stability
        worker_stop(worker)
    app.conf.task_always_eager = eager


def test_four_image_jobs_waiting_on_a_provider_share_one_database_connection(owner_api, funded, paid, slow_images):
    answers = [owner_api.post("/api/ai/generate-image", {"prompt": f"Kite {n}"}, format="json") for n in range(4)]
    assert [answer.status_code for answer in answers] == [202] * 4
    ids = [answer.json()["job_id"] for answer in answers]

    wait_for(lambda: not GenerationJob.objects.filter(pk__in=ids, finished_at__isnull=True).exists(), timeout=40)

    assert sorted(GenerationJob.objects.filter(pk__in=ids).values_list("status", flat=True)) == ["succeeded"] * 4
    assert slow_images.calls() == 4
