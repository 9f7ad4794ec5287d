"""The live log's writers in a threads-pool worker: many threads writing at once, on first use."""

import asyncio
import contextlib
import sys
import threading
import time
import uuid

from aigen import events
from aigen.events import log as events_log


def test_threads_that_start_writing_at_once_share_one_client_and_lose_no_event():
    events_log._sync_client = None  # a fresh worker process
    count = 48
    barrier = threading.Barrier(count)
    clients, errors = [], []
    jobs = [uuid.uuid4() for _ in range(count)]

    def write(job) -> None:
        barrier.wait()
        try:
            clients.append(events_log._redis())
            events.events_append(job, [("delta", {"text": "Once"}), ("progress", {"progress": 10})])
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=write, args=(job,)) for job in jobs]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as a busy 100-thread worker's do
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    assert errors == []
    assert len({id(client) for client in clients}) == 1
    assert all([e.event for e in events.events_read(job)] == ["delta", "progress"] for job in jobs)


def test_a_notice_this_code_cannot_read_does_not_break_a_waiting_request():
    job = uuid.uuid4()

    async def scenario():
        waiting = asyncio.create_task(events.outcome_wait(job, 10))
        await asyncio.sleep(0.3)  # the hub has subscribed
        # An older writer's notice (or anything else) on the channel, then the real outcome.
        await asyncio.to_thread(events_log._redis().publish, events_log._channel(), f"{job} end")
        await asyncio.to_thread(events.events_append, job, [("done", {"result": {"title": "Kept"}})])
        return await waiting

    outcome = asyncio.run(scenario())

    assert outcome is not None and outcome.event == "done" and outcome.data["result"] == {"title": "Kept"}


def test_waiting_requests_hear_only_outcomes_and_a_stream_hears_every_write():
    job = uuid.uuid4()
    live = events_log._live_channel()

    def listening_to_writes() -> int:
        return dict(events_log._redis().pubsub_numsub(live))[live]

    async def scenario():
        waiting = asyncio.create_task(events.outcome_wait(job, 10))
        await asyncio.sleep(0.3)  # the hub has subscribed
        only_waiting = await asyncio.to_thread(listening_to_writes)
        streaming = asyncio.create_task(events.events_wait(job, None, 5))
        await asyncio.sleep(0.3)
        with_a_stream = await asyncio.to_thread(listening_to_writes)
        await asyncio.to_thread(events.events_append, job, [("delta", {"text": "Once"})])
        streamed = await streaming
        await asyncio.to_thread(events.events_append, job, [("done", {"result": {"title": "Kept"}})])
        return only_waiting, with_a_stream, streamed, await waiting

    only_waiting, with_a_stream, streamed, outcome = asyncio.run(scenario())

    # A storm of waiting story requests is not woken by every story's text, only by its end.
    assert only_waiting == 0 and with_a_stream == 1
    assert [(e.event, e.data) for e in streamed] == [("delta", {"text": "Once"})]
    assert outcome is not None and outcome.event == "done" and outcome.data["result"] == {"title": "Kept"}


def _xrevranges() -> int:
    return int(events_log._redis().info("commandstats").get("cmdstat_xrevrange", {}).get("calls", 0))


@contextlib.asynccontextmanager
async def _hub_listening():
    """Another story waits, so the process's hub has subscribed; yields a time.monotonic() taken
    after that (a job queued then has its outcome published to the hub)."""
    listening = asyncio.create_task(events.outcome_wait(uuid.uuid4(), 5))
    await asyncio.sleep(0.3)
    try:
        yield time.monotonic()
    finally:
        listening.cancel()


async def _timed_outcome(job, queued_at: float):
    """The job's outcome as a story request waits for it, and how long that took."""
    started = time.monotonic()
    outcome = await events.outcome_wait(job, 3, queued_at=queued_at)
    return outcome, time.monotonic() - started


def test_a_story_queued_while_the_hub_listens_gets_its_outcome_without_reading_the_log():
    job = uuid.uuid4()

    async def scenario():
        async with _hub_listening() as queued_at:
            reads = await asyncio.to_thread(_xrevranges)
            waiting = asyncio.create_task(events.outcome_wait(job, 3, queued_at=queued_at))
            await asyncio.sleep(0.1)
            await asyncio.to_thread(events.events_append, job, [("done", {"result": {"title": "Heard"}})])
            outcome = await waiting
            return outcome, await asyncio.to_thread(_xrevranges) - reads

    outcome, reads = asyncio.run(scenario())

    assert outcome is not None and outcome.data["result"] == {"title": "Heard"}
    assert reads == 0


def test_an_outcome_heard_before_its_waiter_came_is_read_at_once():
    job = uuid.uuid4()

    async def scenario():
        async with _hub_listening() as queued_at:
            # The worker is quicker than the request's own wait: the outcome comes before its waiter.
            await asyncio.to_thread(events.events_append, job, [("done", {"result": {"title": "Quick"}})])
            await asyncio.sleep(0.2)
            return await _timed_outcome(job, queued_at)

    outcome, took = asyncio.run(scenario())

    assert outcome is not None and outcome.data["result"] == {"title": "Quick"}
    assert took < 1  # read at once, not found after the wait


def test_a_story_that_ended_before_the_hub_listened_is_read_from_its_log():
    job = uuid.uuid4()
    queued_at = time.monotonic()
    events.events_append(job, [("done", {"result": {"title": "Early"}})])  # nobody listened yet

    outcome, took = asyncio.run(_timed_outcome(job, queued_at))

    assert outcome is not None and outcome.data["result"] == {"title": "Early"}
    assert took < 1  # read at once, not found after the wait
