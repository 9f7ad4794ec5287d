"""A worker on a machine without a web process serves its host's /metrics on METRICS_WORKER_PORT,
behind the same gate as the web's /metrics."""

import socket
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from aigen.models import GenerationJob
from modo.celery import app
from observability.worker_metrics import serve

from ..aigen.workers import wait_for, worker_start, worker_stop
from .conftest import METRICS_TOKEN


def get(url: str, **headers) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get_when_up(url: str, **headers) -> tuple[int, str] | None:
    try:
        return get(url, **headers)
    except (urllib.error.URLError, ConnectionError):
        return None  # not listening yet


def samples(text: str) -> dict:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def port_server():
    server = serve(address="127.0.0.1", port=0)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_port_answers_the_token_and_refuses_everyone_else(port_server):
    status, body = get(f"{port_server}/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
    assert status == 200 and "modo_celery_queue_length" in body

    status, body = get(f"{port_server}/metrics")
    assert status == 403 and '"code": "FORBIDDEN"' in body
    assert get(f"{port_server}/metrics", Authorization="Bearer a-wrong-token")[0] == 403


def test_a_forwarded_address_is_not_believed(port_server, settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.2.3"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # as behind the web's load balancer: not this port

    assert get(f"{port_server}/metrics", **{"X-Forwarded-For": "10.1.2.3"})[0] == 403

    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]  # the connection's own address
    assert get(f"{port_server}/metrics")[0] == 200


def test_any_other_path_is_404(port_server):
    assert get(f"{port_server}/", Authorization=f"Bearer {METRICS_TOKEN}")[0] == 404
    assert get(f"{port_server}/admin/", Authorization=f"Bearer {METRICS_TOKEN}")[0] == 404


# --- A real worker ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_serves_the_jobs_it_ran(owner_api, funded, paid, settings, tmp_path):
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")  # where the worker (test settings) writes
    port = free_port()
    app.control.purge()
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    worker = worker_start(
        METRICS_WORKER_PORT=str(port),
        METRICS_WORKER_ADDRESS="127.0.0.1",
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "worker-metrics"),
    )
    try:
        job_id = owner_api.post("/api/ai/generate-image", {"prompt": "A kite at dusk"}, format="json").json()["job_id"]
        wait_for(lambda: GenerationJob.objects.get(pk=job_id).is_finished, timeout=90)
        url = f"http://127.0.0.1:{port}/metrics"
        status, body = wait_for(lambda: get_when_up(url, Authorization=f"Bearer {METRICS_TOKEN}"), timeout=30)
    finally:
        app.conf.task_always_eager = eager
        worker_stop(worker)

    assert status == 200
    finished = samples(body)
    image = frozenset({"kind": "image", "provider": "local", "status": "succeeded"}.items())
    assert finished[("modo_ai_generations_total", image)] == 1
    assert GenerationJob.objects.get(pk=job_id).status == "succeeded"
