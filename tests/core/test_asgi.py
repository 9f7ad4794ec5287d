"""core.asgi: the production ASGI handler, driven in-process as uvicorn drives it (an HTTP scope,
receive and send), on a URLconf of its own."""

import asyncio
import gc
import threading

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from core.asgi import ModoASGIHandler, respond_later

finished_on: list[str] = []


def thread_name(request):
    return HttpResponse(threading.current_thread().name)


async def waits_on_the_loop(request):
    await asyncio.sleep(0)
    return HttpResponse(threading.current_thread().name)


def answered_later(request):
    response = HttpResponse("queued", status=202)

    async def finish():
        await asyncio.sleep(float(request.GET.get("wait", "0.05")))
        finished_on.append(threading.current_thread().name)
        response.status_code = 200
        response.content = b"done"

    return respond_later(request, response, finish)


urlpatterns = [
    path("sync", thread_name),
    path("async", waits_on_the_loop),
    path("later", answered_later),
]


def serve(handler, url: str, *, leave_after: float | None = None) -> list[dict]:
    """The messages the handler sends for GET `url`; the client leaves after `leave_after` s."""
    route, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    requested = [False]

    async def receive():
        if not requested[0]:
            requested[0] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        if leave_after is None:
            await asyncio.Event().wait()  # the client stays
        await asyncio.sleep(leave_after)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(handler(scope, receive, send))
    return sent


def status_and_body(sent: list[dict]) -> tuple[int, bytes]:
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:])


@pytest.fixture
def handler():
    with override_settings(ROOT_URLCONF=__name__):
        yield ModoASGIHandler()
    finished_on.clear()


def test_a_synchronous_view_runs_on_the_web_threads(handler):
    status, body = status_and_body(serve(handler, "/sync"))

    assert status == 200 and body.decode().startswith("web_")


def test_an_async_view_is_served_on_the_event_loop(handler):
    status, body = status_and_body(serve(handler, "/async"))

    assert status == 200 and body.decode() == threading.main_thread().name


def test_a_response_answered_later_waits_on_the_event_loop_not_on_a_thread(handler):
    status, body = status_and_body(serve(handler, "/later"))

    assert (status, body) == (200, b"done")
    assert finished_on == [threading.main_thread().name]


def test_a_client_that_leaves_ends_the_wait_and_gets_nothing(handler, caplog):
    sent = serve(handler, "/later?wait=5", leave_after=0.05)
    gc.collect()  # (an exception nobody took is logged when its task is collected)

    assert sent == [] and finished_on == []
    assert not [record for record in caplog.records if record.name == "asyncio"]


def test_without_the_handler_the_wait_runs_in_the_request_thread(client, settings):
    settings.ROOT_URLCONF = __name__

    response = client.get("/later")

    # (WSGI, the test client, runserver: the request's thread waits, and the answer is the same.)
    assert (response.status_code, response.content) == (200, b"done")
    finished_on.clear()
