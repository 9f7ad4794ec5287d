"""An image job is followed live in the studio: the production web server (gunicorn + uvicorn,
ASGI) streams the job's events to the jobs panel (static/js/job-live.js); a real `images`
worker calls a Stability stub that answers after 4 s. While the stream works the panel does not
poll, and the image appears on the beat when the job ends, without the user reloading."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from aigen.models import GenerationJob
from modo.celery import app as celery_app
from studio import services as studio_services

from ..aigen.live import server_start
from ..aigen.media_stubs import StabilityStub
from ..aigen.stubs import Reply
from ..aigen.workers import ROOT, worker_env, worker_start, worker_stop
from ..credits.balances import fund
from ..factories import PASSWORD, UserFactory
from ..pages import STORY
from .steps import beat_card, log_in, path_is

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class SlowStability(StabilityStub):
    def success(self) -> Reply:
        answer = super().success()
        answer.delay = 4.0
        return answer


@pytest.fixture
def asgi_site():
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    subprocess.run(  # noqa: S603 - the server serves static files from STATIC_ROOT (WhiteNoise)
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=worker_env(),
        check=True,
    )
    with SlowStability(key="s-key") as stability:
        provider = {"STABILITY_API_KEY": "s-key", "AI_STABILITY_BASE_URL": stability.url}
        worker = worker_start(queues="images,default", pool="threads", concurrency=2, **provider)
        server, url = server_start(CELERY_TASK_ALWAYS_EAGER="false", WEB_GRACEFUL_TIMEOUT="1", **provider)
        yield url
        worker_stop(server)
        worker_stop(worker, kill=True)
    celery_app.conf.task_always_eager = eager


def test_an_image_jobs_end_shows_without_polling_or_reloading(browser, asgi_site):
    person = UserFactory(email="sekar@example.com")
    membership = Membership.objects.get(user=person)
    fund(membership.organization, main=50)
    project = studio_services.project_create(membership=membership, title=STORY["title"], premise=STORY["logline"])
    studio_services.story_version_create(project=project, story=STORY, premise=STORY["logline"], quality="fast")
    context = browser.new_context(base_url=asgi_site, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"/studio/{project.id}/")
    log_in(page, email=person.email, password=PASSWORD)
    expect(page).to_have_url(path_is(f"/studio/{project.id}/"))

    beat_card(page, 1).get_by_role("button", name="Generate image").click()
    expect(page.locator("li.job-queued, li.job-running").first).to_be_visible()
    since = len(requests)
    image = beat_card(page, 1).locator(".beat-media img")
    expect(image).to_be_visible(timeout=30_000)

    job = GenerationJob.objects.get(kind="image")
    assert job.status == "succeeded"
    assert any(url.endswith(f"/api/ai/jobs/{job.id}/events") for url in requests)
    # The old panel polled every second through the provider's 4 s; now it asks once, at the end.
    polls = [url for url in requests[since:] if f"/studio/{project.id}/jobs/" in url]
    assert len(polls) <= 1, polls
    context.close()
