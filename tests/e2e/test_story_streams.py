"""The studio shows a story growing beat by beat while the provider writes it: the production
web server (gunicorn + uvicorn, ASGI, as the Dockerfile starts it) streams the job's events to
the page, a real `text` worker runs the `local` provider at a slow pace (0.6 s per piece)."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from aigen.models import GenerationJob
from credits.models import CreditTransaction
from modo.celery import app as celery_app
from studio import services as studio_services

from ..aigen.live import server_start
from ..aigen.workers import ROOT, worker_env, worker_start, worker_stop
from ..credits.balances import fund
from ..factories import PASSWORD, UserFactory
from .steps import log_in, path_is

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PACED = {"AI_LOCAL_STREAM_DELAY_SECONDS": "0.6", "AI_LOCAL_STREAM_CHUNK_CHARS": "40"}  # ~25 s a story


@pytest.fixture
def asgi_site(settings):
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    # The server serves static files from STATIC_ROOT (WhiteNoise), as in production.
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=worker_env(),
        check=True,
    )
    worker = worker_start(queues="text,default", pool="threads", concurrency=4, **PACED)
    server, url = server_start(CELERY_TASK_ALWAYS_EAGER="false", **PACED)
    yield url
    worker_stop(server)
    worker_stop(worker, kill=True)
    celery_app.conf.task_always_eager = eager


def test_the_first_beat_shows_before_the_provider_finishes_and_a_reopened_page_goes_on(browser, asgi_site):
    person = UserFactory(email="rara@example.com")
    membership = Membership.objects.get(user=person)
    fund(membership.organization, main=50)
    project = studio_services.project_create(
        membership=membership, title="Bawang Merah", premise="Two sisters and a magic pumpkin by the river."
    )
    context = browser.new_context(base_url=asgi_site, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/studio/{project.id}/")
    log_in(page, email=person.email, password=PASSWORD)
    expect(page).to_have_url(path_is(f"/studio/{project.id}/"))

    page.get_by_role("button", name="Generate story").click()

    live = page.locator("#live-story")
    expect(live.get_by_role("heading", name="Writing your story")).to_be_visible()
    first_beat = live.locator("[data-live-beats] > li").first
    expect(first_beat).to_be_visible(timeout=30_000)
    job = GenerationJob.objects.get(kind="story")
    assert job.status == "running"  # the first beat is on screen; the provider is still writing

    # Closed and opened again mid-stream: the page replays what was written and goes on.
    page.close()
    page = context.new_page()
    page.goto(f"/studio/{project.id}/")
    expect(page.locator("#live-story [data-live-beats] > li").first).to_be_visible(timeout=30_000)

    # When the job ends the page reloads with the saved story and all its beats.
    expect(page.locator("ol.beat-list:not([data-live-beats]) > li").first).to_be_visible(timeout=60_000)
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert page.locator("ol.beat-list > li").count() == len(job.result["beats"])
    assert CreditTransaction.objects.filter(organization=membership.organization, type="usage").count() == 1
    assert not errors, errors
    context.close()
