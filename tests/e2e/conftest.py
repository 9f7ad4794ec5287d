"""Real-browser tests: Debian's Chromium, driven by Playwright (sync API), against a live MODO
server on the test PostgreSQL and Redis, with a real Celery worker process for image and video
jobs. Everything the user does happens in the page; the fixtures only set the stage."""

import os
import shutil
import signal
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from modo.celery import app as celery_app

from ..ai_fixtures import offline_ai
from ..aigen.workers import worker_start, worker_stop
from ..factories import PASSWORD, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "e2e"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="package")
def browser():
    """One Chromium for this folder (starting it is the slow part); each test gets its own context.

    Playwright's sync API keeps an event loop "running" in this thread while it is open, so
    Django would refuse the tests' own ORM calls (setup, final checks, the flush between
    tests), which stay plain synchronous code between browser steps: allowed for this folder
    only, and the browser closes when the folder is done so later tests run as usual.
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); "
            "`make test` installs it. They are not skipped: without a browser nothing here is tested.",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    allowed = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if allowed is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allowed


@pytest.fixture
def site(live_server, settings):
    """The live server as a user of the embedded default meets it, but on PostgreSQL and Redis:
    local AI provider only, jobs go to the Celery broker (not run inline), tiny media."""
    offline_ai(settings)
    # An event stream the browser left behind ends soon (the page reconnects with Last-Event-ID):
    # the live server's streaming threads must not outlive the run.
    settings.AI_SSE_MAX_SECONDS, settings.AI_SSE_KEEPALIVE_SECONDS = 15, 2
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield live_server
    celery_app.conf.task_always_eager = eager


class Worker:
    """A real Celery worker process on the test database and Redis. `pause()` freezes it
    (SIGSTOP) so a queued job stays queued long enough for the page to show its progress, as
    behind a busy worker; `resume()` lets it go on."""

    def __init__(self) -> None:
        self.process = worker_start()
        self.frozen = False

    def pause(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def resume(self) -> None:
        if self.frozen:
            os.killpg(self.process.pid, signal.SIGCONT)
            self.frozen = False

    def stop(self) -> None:
        # Every job of the test has finished (or the test failed): nothing is lost by killing it,
        # and a warm shutdown costs seconds on a busy machine.
        self.resume()
        worker_stop(self.process, kill=True)


@pytest.fixture
def worker(site):
    # The test's Redis was just emptied (tests/conftest.py), so the worker declares its queues afresh.
    started = Worker()
    yield started
    started.stop()


class Screenshots:
    """Saves the key steps as var/e2e/<test>/NN-<step>.png, numbered in the order taken."""

    def __init__(self, page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0

    def __call__(self, step: str, *, focus=None) -> Path:
        """The window as the person sees it; `focus` (a locator) is scrolled into view first."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        if focus is not None:
            focus.scroll_into_view_if_needed()
        self.page.screenshot(path=str(path))
        return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed  # the page fixture keeps a screenshot of a failure
    return report


@pytest.fixture
def page(browser, site, request):
    """A fresh browser context (no cookies) in English. Uncaught script errors in the page and
    server errors (5xx) fail the test: a flow that "works" with a broken page does not pass."""
    context = browser.new_context(base_url=site.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []

    def on_response(response) -> None:
        if response.status >= 500:
            problems.append(f"{response.status} from {response.url}")

    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on("response", on_response)
    yield tab
    if getattr(request.node, "e2e_failed", False):
        folder = SCREENSHOTS / request.node.name
        folder.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(folder / "failure.png"), full_page=True)
    context.close()
    assert not problems, "the browser met broken pages:\n" + "\n".join(problems)


@pytest.fixture
def shots(page, request) -> Screenshots:
    folder = SCREENSHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(page, folder)


@pytest.fixture
def make_person(site):
    """Someone who signed up earlier (with their personal organization and trial), signed out.
    Made when called, so a test can first change the trial settings that signup reads."""

    def make(email: str = "sari@example.com"):
        user = UserFactory(email=email, name=email.split("@")[0].title())
        user.plain_password = PASSWORD
        return user

    return make


@pytest.fixture
def person(make_person):
    return make_person()
