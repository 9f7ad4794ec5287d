import json
import os
import subprocess  # noqa: S404 - a fresh interpreter
import sys
import time
from pathlib import Path

import pytest

from aigen import services
from aigen.models import GenerationJob
from aigen.registry import provider_chain
from credits.models import CreditTransaction
from modo.celery import app

from ..credits.balances import fund, held
from ..factories import UserFactory
from .workers import worker_stop


def test_with_no_keys_every_kind_runs_on_local():
    assert [p.name for p in provider_chain("text:premium")] == ["local"]
    assert [p.name for p in provider_chain("image:fast")] == ["local"]
    assert [p.name for p in provider_chain("video:premium")] == ["local"]


def test_a_provider_without_a_key_is_skipped_in_favour_of_its_fallback_never_the_placeholder(settings):
    settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "openai": "sk-test"}

    assert [p.name for p in provider_chain("text:fast")] == ["openai"]
    assert [p.name for p in provider_chain("image:fast")] == ["openai"]


def test_image_tasks_go_to_the_images_queue_and_video_tasks_to_the_video_queue():
    route = app.amqp.router.route

    assert route({}, "aigen.tasks.image_generate")["queue"].name == "images"
    assert route({}, "aigen.tasks.video_generate")["queue"].name == "video"
    assert app.conf.beat_schedule["aigen-sweep-stuck-jobs"]["task"] == "aigen.tasks.jobs_sweep_stuck"


@pytest.fixture
def staff_client(client, db):
    staff = UserFactory(email="admin@example.com", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


@pytest.fixture
def succeeded_job(organization, owner):
    fund(organization, main=100)
    job, _remaining = services.generation_job_create(
        organization=organization,
        user=owner,
        kind="image",
        quality="fast",
        credits=5,
        job_input={"prompt": "x"},
        template_version="image-v1",
        provider="local",
        model="local-image-1",
    )
    GenerationJob.objects.filter(pk=job.pk).update(status="succeeded")
    return job


def test_staff_list_jobs_filtered_by_status_kind_and_provider(staff_client, succeeded_job):
    response = staff_client.get("/admin/aigen/generationjob/?status=succeeded&kind=image&provider=local")

    assert response.status_code == 200
    assert str(succeeded_job.pk) in response.content.decode()


def test_the_refund_action_refunds_a_job_once(staff_client, succeeded_job, organization):
    for _ in range(2):
        staff_client.post(
            "/admin/aigen/generationjob/",
            {"action": "refund_jobs", "_selected_action": [str(succeeded_job.pk)]},
        )

    assert CreditTransaction.objects.filter(type="refund").count() == 1
    assert held(organization) == (100, 0)


def test_staff_can_read_usage_logs(staff_client):
    assert staff_client.get("/admin/aigen/aiusagelog/").status_code == 200


def test_queueing_a_job_labels_it_without_importing_a_provider_sdk():
    """The web process labels the jobs it queues with their first provider and model; the
    worker calls the provider. Importing an SDK there stalled every request of the process on
    its first story (~0.3 s) and kept tens of MB: a fresh interpreter shows none is loaded."""
    script = (
        "import json, sys, django; django.setup()\n"
        "from aigen.registry import chain_first\n"
        "labels = {key: [chain_first(key).name, chain_first(key).model] for key in"
        " ('text:fast', 'image:fast', 'video:premium')}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('google.genai', 'openai', 'anthropic',"
        " 'aigen.providers.gemini', 'aigen.providers.stability')))\n"
        "print(json.dumps({'labels': labels, 'loaded': loaded}))\n"
    )
    keys = {"GEMINI_API_KEY": "test-gemini", "STABILITY_API_KEY": "test-stability", "OPENAI_API_KEY": ""}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "modo.settings.local", **keys},
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])

    assert answer["labels"] == {
        "text:fast": ["gemini", "gemini-2.5-flash"],
        "image:fast": ["stability", "core"],
        "video:premium": ["veo", "veo-3.1-generate-preview"],
    }
    assert answer["loaded"] == []


def test_an_io_worker_loads_its_providers_sdks_as_it_starts_not_on_its_first_job(db, tmp_path):
    """docker-compose.yml's I/O worker, started for real: before any job it has imported the
    SDK of each provider its queues may call (gemini for stories, here), not the others'."""
    from core.compose import QUIET, service_command

    from .workers import worker_env

    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen(  # noqa: S603 - docker-compose.yml's worker-io
            service_command("worker-io", *QUIET, queues="text", concurrency="2", loglevel="INFO"),
            cwd=Path(__file__).resolve().parents[2],
            env=worker_env(GEMINI_API_KEY="test-gemini"),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "providers loaded" not in log.read_text() and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
    finally:
        worker_stop(worker)
    [line] = [line for line in log.read_text().splitlines() if "providers loaded" in line]

    # (`local`: the anthropic entry's own fallback, with no anthropic key)
    assert json.loads(line)["message"] == "providers loaded for text: gemini, local"
