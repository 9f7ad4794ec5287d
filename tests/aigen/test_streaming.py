"""Stories as streamed jobs, end to end: the production web server (gunicorn + uvicorn, ASGI),
a real `text` worker on a threads pool, PostgreSQL and Redis. The `local` provider streams
its story in pieces 0.1 s apart (~3 s a story); the server waits 1 s for a story (scaled down
from AI_STORY_WAIT_SECONDS' 25 s)."""

import re
import time
from datetime import timedelta

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from aigen.models import AIUsageLog, GenerationJob
from aigen.story import story_parse
from billing.models import Plan, Subscription
from credits.models import CreditTransaction
from modo.celery import app

from ..credits.balances import fund, held
from ..factories import MembershipFactory, OrganizationFactory, UserFactory
from .live import server_start, signed_in, sse_events
from .workers import wait_for, worker_start, worker_stop

pytestmark = pytest.mark.django_db(transaction=True)

PACED = {"AI_LOCAL_STREAM_DELAY_SECONDS": "0.1", "AI_LOCAL_STREAM_CHUNK_CHARS": "48"}


@pytest.fixture(scope="module")
def stack(django_db_blocker):
    with django_db_blocker.unblock():
        app.control.purge()
        worker = worker_start(queues="text,default", pool="threads", concurrency=8, **PACED)
        server, url = server_start(CELERY_TASK_ALWAYS_EAGER="false", AI_STORY_WAIT_SECONDS="1", **PACED)
    yield url
    worker_stop(server)
    worker_stop(worker)


def subscribed(organization):
    """On a paid plan in the database (the server process sees it): no trial slots."""
    plan = Plan.objects.create(
        code=f"test-{organization.pk.hex[:8]}", name="Test", price_idr=1, credits=0, daily_limit=1000, is_paid=True
    )
    now = timezone.now()
    Subscription.objects.filter(organization=organization).update(status=Subscription.Status.CANCELED)
    Subscription.objects.create(
        organization=organization,
        plan=plan,
        status=Subscription.Status.ACTIVE,
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
    )


@pytest.fixture
def client(stack, owner, organization, password):
    fund(organization, main=100)
    subscribed(organization)
    http = signed_in(stack, email=owner.email, password=password, organization=organization)
    yield http
    http.close()


def queue_story(client, premise="A kite that remembers every storm") -> str:
    response = client.post("/api/ai/generate-story", json={"premise": premise}, headers={"Prefer": "respond-async"})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert response.headers["Location"] == f"/api/ai/jobs/{job_id}"
    return job_id


def job_of(job_id):
    return GenerationJob.objects.get(pk=job_id)


def charged_once(organization, *, refunded: bool) -> None:
    assert CreditTransaction.objects.filter(organization=organization, type="usage").count() == 1
    assert CreditTransaction.objects.filter(organization=organization, type="refund").count() == int(refunded)
    call_command("credits_audit")


def test_a_story_streams_beat_by_beat_and_resumes_after_last_event_id(client, organization):
    job_id = queue_story(client)

    first = []
    with client.stream("GET", f"/api/ai/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for event in sse_events(stream):
            first.append(event)
            if event[1] == "beat":
                break  # the client goes away after the first beat
    running = client.get(f"/api/ai/jobs/{job_id}").json()
    rest = []
    with client.stream("GET", f"/api/ai/jobs/{job_id}/events", headers={"Last-Event-ID": first[-1][0]}) as stream:
        rest = list(sse_events(stream))

    # The first beat came while the provider was still writing.
    assert running["status"] == "running" and running["partial"]["beats"][0] == first[-1][2]
    assert running["partial"]["text"].startswith('{"title"')
    events = first + rest
    ids = [event_id for event_id, _event, _data in events]
    assert len(set(ids)) == len(ids) and ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
    assert rest[-1][1] == "done" and [e for _i, e, _d in events].count("done") == 1
    story = rest[-1][2]["result"]
    text = "".join(data["text"] for _id, event, data in events if event == "delta")
    assert story_parse(text) == story
    assert [data for _id, event, data in events if event == "beat"] == story["beats"]
    job = job_of(job_id)
    assert job.status == "succeeded" and job.result == story
    charged_once(organization, refunded=False)


def test_a_story_longer_than_the_wait_answers_202_then_succeeds(client, organization):
    started = time.monotonic()
    # A malformed Prefer is ignored: the request waits as usual.
    response = client.post("/api/ai/generate-story", json={"premise": "A slow tide"}, headers={"Prefer": ";=,wait=x"})

    assert response.status_code == 202 and 0.9 < time.monotonic() - started < 2.5
    body = response.json()
    assert body["status"] == "running" and body["creditsUsed"] == 3 and body["remainingCredits"] == 97
    job = wait_for(lambda: job_of(body["job_id"]) if job_of(body["job_id"]).is_finished else None, timeout=60)
    assert job.status == "succeeded" and len(job.result["beats"]) >= 5
    assert client.get(response.headers["Location"]).json()["status"] == "succeeded"
    charged_once(organization, refunded=False)


def test_a_replayed_request_for_a_story_that_has_ended_answers_it_at_once(client, organization):
    key = {"Idempotency-Key": "replay-after-the-end"}
    first = client.post(
        "/api/ai/generate-story", json={"premise": "A map of the tide"}, headers={**key, "Prefer": "respond-async"}
    )
    assert first.status_code == 202
    wait_for(lambda: job_of(first.json()["job_id"]).is_finished, timeout=60)
    # Another story's event stream keeps the server's hub listening: the replay's job was queued
    # long before, so its outcome must be read, not awaited.
    other = queue_story(client, "A lantern for the night shift")
    streams = httpx.Client(base_url=str(client.base_url), headers=client.headers, timeout=30)
    with streams.stream("GET", f"/api/ai/jobs/{other}/events") as stream:
        next(sse_events(stream))
        started = time.monotonic()
        again = client.post("/api/ai/generate-story", json={"premise": "A map of the tide"}, headers=key)
        took = time.monotonic() - started
    streams.close()

    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["beats"] and took < 0.9  # (the wait is 1 s here)


def test_a_client_that_disconnects_changes_nothing(client, organization):
    with pytest.raises(httpx.ReadTimeout):
        client.post("/api/ai/generate-story", json={"premise": "A door left open"}, timeout=0.5)

    job = wait_for(lambda: GenerationJob.objects.filter(status="succeeded").first(), timeout=60)
    assert job.result["title"]
    charged_once(organization, refunded=False)
    assert held(organization) == (97, 0)


def test_cancel_stops_the_provider_refunds_once_and_a_finished_job_answers_409(client, organization):
    job_id = queue_story(client)
    with client.stream("GET", f"/api/ai/jobs/{job_id}/events") as stream:
        for _id, event, _data in sse_events(stream):
            if event == "delta":
                break

    canceled = client.post(f"/api/ai/jobs/{job_id}/cancel")
    again = client.post(f"/api/ai/jobs/{job_id}/cancel")

    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "failed" and canceled.json()["refunded"] is True
    assert again.status_code == 409 and again.json()["code"] == "JOB_FINISHED"
    with client.stream("GET", f"/api/ai/jobs/{job_id}/events") as stream:
        assert list(sse_events(stream))[-1][1] == "failed"
    # The worker stopped the provider's stream: it logs the call as ended, and writes no more.
    wait_for(lambda: AIUsageLog.objects.filter(job_id=job_id).exists(), timeout=30)
    written = len(client.get(f"/api/ai/jobs/{job_id}/events").text)
    time.sleep(1)
    assert len(client.get(f"/api/ai/jobs/{job_id}/events").text) == written
    assert job_of(job_id).status == "failed" and job_of(job_id).result is None
    charged_once(organization, refunded=True)
    assert held(organization) == (100, 0)


def test_a_finished_story_cannot_be_canceled(client, organization):
    job_id = queue_story(client)
    wait_for(lambda: job_of(job_id).status == "succeeded", timeout=60)

    response = client.post(f"/api/ai/jobs/{job_id}/cancel")

    assert response.status_code == 409 and response.json()["code"] == "JOB_FINISHED"
    charged_once(organization, refunded=False)


def test_another_organizations_job_events_and_cancel_are_404(client, stack, organization, password):
    job_id = queue_story(client)
    stranger = UserFactory(email="stranger@example.com")
    team = OrganizationFactory()
    MembershipFactory(user=stranger, organization=team, role="owner")

    other = signed_in(stack, email=stranger.email, password=password, organization=team)
    answers = [
        other.get(f"/api/ai/jobs/{job_id}"),
        other.get(f"/api/ai/jobs/{job_id}/events"),
        other.post(f"/api/ai/jobs/{job_id}/cancel"),
    ]
    other.close()

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert all(a.json()["code"] == "NOT_FOUND" for a in answers)
    wait_for(lambda: job_of(job_id).status == "succeeded", timeout=60)
    charged_once(organization, refunded=False)


def test_a_malformed_last_event_id_replays_from_the_start(client):
    job_id = queue_story(client)
    wait_for(lambda: job_of(job_id).status == "succeeded", timeout=60)

    with client.stream("GET", f"/api/ai/jobs/{job_id}/events", headers={"Last-Event-ID": "bogus\x7f"}) as stream:
        events = list(sse_events(stream))

    assert stream.status_code == 200
    assert events[0][1] == "delta" and events[-1][1] == "done"


def test_an_event_source_asking_for_text_event_stream_is_served(client):
    job_id = queue_story(client)

    with client.stream("GET", f"/api/ai/jobs/{job_id}/events", headers={"Accept": "text/event-stream"}) as stream:
        events = list(sse_events(stream))

    assert stream.status_code == 200 and events[-1][1] == "done"


def _redis_clients_named(name: str) -> int:
    import redis
    from django.conf import settings

    return sum(1 for entry in redis.Redis.from_url(settings.REDIS_URL).client_list() if entry["name"] == name)


def test_many_open_streams_share_a_few_redis_connections(owner, organization, password):
    from django.conf import settings

    # A server of its own whose Redis connections carry a name: only its connections are counted.
    name = f"streams-{organization.pk.hex[:8]}"
    server, url = server_start(
        CELERY_TASK_ALWAYS_EAGER="false", REDIS_URL=f"{settings.REDIS_URL}?client_name={name}", WEB_GRACEFUL_TIMEOUT="1"
    )
    client = signed_in(url, email=owner.email, password=password, organization=organization)
    # A job that is running and writes nothing: every stream on it waits.
    job = GenerationJob.objects.create(
        organization=organization, user=owner, kind="story", quality="fast", status="running",
        deadline_at=timezone.now() + timedelta(minutes=5), input={"premise": "A quiet pond"},
    )  # fmt: skip
    path = f"/api/ai/jobs/{job.pk}/events"
    streams = []
    try:
        client.get(f"/api/ai/jobs/{job.pk}")
        before = _redis_clients_named(name)
        for _ in range(60):  # one after the other: the requests' synchronous parts never overlap
            response = client.send(client.build_request("GET", path), stream=True)
            assert next(response.iter_lines()).startswith("retry:")
            streams.append(response)
        time.sleep(0.5)
        during = _redis_clients_named(name)
    finally:
        for response in streams:
            response.close()
        client.close()
        worker_stop(server)

    # One subscriber and at most AI_EVENTS_REDIS_CONNECTIONS (10) readers, not one per stream.
    assert before > 0 and during - before <= 11, (before, during)


def test_stories_waiting_at_once_hold_no_thread_of_the_web_server(stack, owner, organization, password, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    fund(organization, main=100)
    subscribed(organization)
    # Two threads for synchronous work; 20 stories of ~3 s each wait for their job at once.
    server, url = server_start(
        CELERY_TASK_ALWAYS_EAGER="false",
        AI_STORY_WAIT_SECONDS="60",
        WEB_THREADS="2",
        METRICS_TOKEN="metrics-token",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        **PACED,
    )
    client = signed_in(url, email=owner.email, password=password, organization=organization)
    web = psutil.Process(server.pid).children()[0]
    try:
        with ThreadPoolExecutor(20) as pool:
            answers = [
                pool.submit(client.post, "/api/ai/generate-story", json={"premise": f"A lighthouse, night {n}"})
                for n in range(20)
            ]
            wait_for(lambda: GenerationJob.objects.filter(organization=organization).count() == 20, timeout=30)
            threads = web.num_threads()
            started = time.monotonic()
            me = client.get("/api/me")
            me_seconds = time.monotonic() - started
            waiting = sum(1 for answer in answers if not answer.done())
            responses = [answer.result() for answer in answers]
        metrics = client.get("/metrics", headers={"Authorization": "Bearer metrics-token"}).text
    finally:
        client.close()
        worker_stop(server)

    assert waiting >= 10, waiting  # the stories were still waiting when the threads were counted
    # The event loop, 2 request threads, the database pool's and Redis reader's own few; not 1 per story.
    assert threads < 15, threads
    assert me.status_code == 200 and me_seconds < 2, me_seconds
    assert [r.status_code for r in responses] == [200] * 20
    assert all(len(r.json()["data"]["beats"]) >= 5 for r in responses)
    assert CreditTransaction.objects.filter(organization=organization, type="usage").count() == 20
    # The latency metric (and the access log) has the answer the client got: 200 after the wait.
    counted = re.findall(r'_count\{method="POST",route="[^"]*generate-story",status="(\d+)"\} (\S+)', metrics)
    assert counted == [("200", "20.0")], counted
    call_command("credits_audit")
