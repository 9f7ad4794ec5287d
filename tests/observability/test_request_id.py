"""The request id: taken or made, answered, on every log line, carried into Celery tasks."""

import json
import logging
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aigen.models import GenerationJob
from modo.celery import app

from ..aigen.workers import ROOT, wait_for, worker_env, worker_stop

pytestmark = pytest.mark.django_db


def test_a_sane_incoming_id_is_kept_and_answered(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")

    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"


INSANE = ["short", "x" * 129, "id with spaces", "id\nInjected: header", "<script>x</script>"]


@pytest.mark.parametrize("incoming", INSANE)
def test_an_insane_incoming_id_is_replaced_by_a_new_one(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_each_request_without_an_id_gets_its_own(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert first != second


def test_one_access_line_names_route_status_duration_user_and_organization(owner_api, organization, owner, caplog):
    caplog.set_level(logging.INFO, logger="modo.access")

    response = owner_api.get("/api/credits/", HTTP_X_REQUEST_ID="access-line-0001")

    lines = [record for record in caplog.records if record.name == "modo.access"]
    assert response.status_code == 200 and len(lines) == 1
    line = lines[0]
    assert (line.method, line.route, line.status) == ("GET", "api/credits/", 200)
    assert line.duration_ms >= 0
    assert line.user_id == str(owner.pk) and line.organization_id == str(organization.pk)
    assert line.request_id == "access-line-0001"


def test_the_access_line_names_the_url_pattern_not_the_path(owner_api, caplog):
    caplog.set_level(logging.INFO, logger="modo.access")

    owner_api.get("/api/ai/jobs/5b0d8c56-1111-4a3c-9a44-000000000000")

    (line,) = [record for record in caplog.records if record.name == "modo.access"]
    assert line.route == "api/ai/jobs/<str:job_id>" and line.status == 404
    assert "5b0d8c56" not in line.getMessage()


def test_an_anonymous_request_to_an_unknown_path_logs_no_user_and_no_path(client, caplog):
    caplog.set_level(logging.INFO, logger="modo.access")

    client.get("/no/such/page/with-a-secret-token")

    (line,) = [record for record in caplog.records if record.name == "modo.access"]
    assert (line.route, line.status, line.user_id, line.organization_id) == ("<unmatched>", 404, None, None)
    assert "secret" not in line.getMessage()


@pytest.mark.parametrize("path", ["/api/credits/", "/dashboard/"])
def test_the_access_log_costs_no_query(client, owner, organization, caplog, path):
    client.force_login(owner)
    client.get(path)  # warm: content types and the like are cached
    caplog.set_level(logging.WARNING, logger="modo.access")
    with CaptureQueriesContext(connection) as unlogged:
        client.get(path)
    caplog.set_level(logging.INFO, logger="modo.access")
    with CaptureQueriesContext(connection) as logged:
        client.get(path)

    assert [record.route for record in caplog.records if record.name == "modo.access"] == [path.strip("/") + "/"]
    assert len(logged.captured_queries) == len(unlogged.captured_queries)


def test_every_log_line_of_a_request_carries_its_id(owner_api, caplog):
    caplog.set_level(logging.INFO)

    owner_api.get("/api/no-such-endpoint", HTTP_X_REQUEST_ID="every-line-0001")

    assert caplog.records
    assert {record.request_id for record in caplog.records if hasattr(record, "request_id")} == {"every-line-0001"}


# --- The id in a real worker's log ----------------------------------------------------


@pytest.fixture
def worker_log(tmp_path, django_db_blocker):
    """A real Celery worker (as tests/aigen/workers.py starts it) logging JSON at INFO to a file."""
    logfile = tmp_path / "worker.log"
    with django_db_blocker.unblock():
        app.control.purge()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "modo", "worker", "-Q", "default,images,video", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO", f"--logfile={logfile}"],
        cwd=ROOT,
        env=worker_env(LOG_FORMAT="json"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield logfile
    app.conf.task_always_eager = eager
    worker_stop(process)


def _json_lines(path):
    lines = []
    for raw in path.read_text().splitlines() if path.exists() else []:
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return lines


@pytest.mark.django_db(transaction=True)
def test_the_request_id_reaches_the_worker_log_of_the_task_it_queued(owner_api, funded, worker_log, settings):
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")  # where the worker (test settings) writes

    response = owner_api.post(
        "/api/ai/generate-image", {"prompt": "A kite at dusk"}, format="json", HTTP_X_REQUEST_ID="trace-me-4242"
    )

    job_id = response.json()["job_id"]
    wait_for(lambda: GenerationJob.objects.get(pk=job_id).is_finished, timeout=90)
    finished = wait_for(
        lambda: [line for line in _json_lines(worker_log) if line.get("logger") == "modo.task"], timeout=30
    )
    assert finished[0]["request_id"] == "trace-me-4242"
    assert finished[0]["task"] == "aigen.tasks.image_generate" and finished[0]["state"] == "SUCCESS"
    assert GenerationJob.objects.get(pk=job_id).status == "succeeded"


DEBUG_CONSOLE = """
from django.test import Client
Client(HTTP_HOST="localhost").get("/api/no-such-thing-here")
"""


def test_with_debug_on_a_django_warning_is_printed_once():
    # The developer's console (make run): Django's own handler would print it a second time.
    env = {**worker_env(), "DJANGO_SETTINGS_MODULE": "modo.settings.local", "DEBUG": "true", "LOG_FORMAT": "plain"}
    script = "import django; django.setup()\n" + DEBUG_CONSOLE
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "/api/no-such-thing-here" in line]
    assert len(warnings) == 1, done.stderr
