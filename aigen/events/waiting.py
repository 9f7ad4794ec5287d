"""Waiting on a job's live log (aigen.events.log) from async code: a story request for its
outcome, an SSE stream for each event.

Async readers wait through their process's hub (_Hub): one subscription and a few pooled
connections for all of them, so a waiting request holds neither a thread nor a Redis connection
of its own. Without Redis (the embedded default) they poll the file cache every
AI_JOB_EVENTS_POLL_SECONDS.
"""

import asyncio
import logging
import time
import weakref

from asgiref.sync import sync_to_async
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError

from .log import TERMINAL, JobEvent, _cache_events, _channel, _decoded, _live_channel, _outcome_of, _stream_key

logger = logging.getLogger(__name__)
# One blocking read waits at most this long (the callers loop): well inside the socket's timeout.
BLOCK_SECONDS = 5.0
# Jobs a hub heard end while nobody in its process waited on them (_Hub.ended), at most.
ENDED_KEPT = 1000
_hubs: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _hub() -> "_Hub":
    """One hub per event loop (a web worker has one): asyncio connections belong to theirs."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = _Hub()
    return hub


def _id_key(event_id: str | None) -> tuple[int, int]:
    if not event_id:
        return (0, 0)
    first, _sep, second = event_id.partition("-")
    return (int(first), int(second or 0))


class _Waiter:
    __slots__ = ("after", "future", "outcome_only")

    def __init__(self, after: str | None, outcome_only: bool):
        self.after = after
        self.outcome_only = outcome_only
        self.future = asyncio.get_running_loop().create_future()

    def offer(self, events: list["JobEvent"]) -> None:
        if self.future.done():
            return
        after = _id_key(self.after)
        found = [event for event in events if _id_key(event.id) > after]
        if self.outcome_only:
            found = [event for event in found if event.event in TERMINAL]
        if found:
            self.future.set_result(found)


class _Hub:
    """Every waiting request and SSE stream of one web process shares two things: one
    subscription to _channel(), and a small bounded pool (AI_EVENTS_REDIS_CONNECTIONS) for the
    reads. A few hundred waits thus need a few connections, not a few hundred. When a job's
    writer publishes, the hub reads what is new for that job once (XRANGE; XREVRANGE of the
    last event when only outcomes are awaited) and hands it to each of its waiters.

    A wait for an outcome first reads the log, in case the job ended before the hub subscribed.
    A job queued after the hub subscribed needs no such read: its outcome is published to the
    hub. Only if the hub heard it end before its waiter came (`ended`: the last ENDED_KEPT jobs,
    their keys only) does the waiter read."""

    def __init__(self):
        import redis.asyncio

        self.pool = redis.asyncio.BlockingConnectionPool.from_url(
            settings.REDIS_URL,
            max_connections=settings.AI_EVENTS_REDIS_CONNECTIONS,
            timeout=BLOCK_SECONDS,
            decode_responses=True,
            socket_timeout=BLOCK_SECONDS + 10,
            socket_connect_timeout=5,
        )
        self.client = redis.asyncio.Redis(connection_pool=self.pool)
        self.waiters: dict[str, set[_Waiter]] = {}
        self.listener: asyncio.Task | None = None
        self.subscribed: asyncio.Future | None = None
        self.subscribed_at: float | None = None  # (time.monotonic) since when it hears every outcome
        self.ended: dict[str, None] = {}  # the stream keys of jobs heard ending with nobody waiting
        self.pubsub = None  # the listener's, while it runs
        self.live: asyncio.Future | None = None  # subscribed to _live_channel() too
        self.reads: set[asyncio.Task] = set()  # (kept: the loop holds tasks only weakly)

    async def wait(
        self, job_id, after: str | None, timeout: float, *, outcome_only: bool, queued_at: float | None = None
    ) -> list["JobEvent"]:
        """`queued_at`: a time.monotonic() taken before the job was queued, for an outcome."""
        key = _stream_key(job_id)
        waiter = _Waiter(after, outcome_only)
        self.waiters.setdefault(key, set()).add(waiter)
        try:
            if self.listener is None:
                self.subscribed = asyncio.get_running_loop().create_future()
                self.listener = asyncio.create_task(self._listen())
            # Subscribed before the first read: whatever is written after that read is published
            # to this hub, so nothing falls between the two.
            await asyncio.wait_for(asyncio.shield(self.subscribed), BLOCK_SECONDS)
            if not outcome_only:  # a stream needs every write's notice: the live channel too
                live = self.live
                if live is None:
                    if self.pubsub is None:  # the listener failed meanwhile (its waiters saw why)
                        raise RedisConnectionError("the job events' subscriber stopped")
                    live = self.live = asyncio.get_running_loop().create_future()
                    await self.pubsub.subscribe(_live_channel())  # (the listener reads the confirmation)
                await asyncio.wait_for(asyncio.shield(live), BLOCK_SECONDS)
            since = self.subscribed_at
            publishes_here = outcome_only and queued_at is not None and since is not None and since < queued_at
            # (The waiter is registered: an outcome heard from now on wakes it, one heard before is in `ended`.)
            if not publishes_here or key in self.ended:
                self.ended.pop(key, None)
                waiter.offer(await self._read(key, after, outcome_only))
            if waiter.future.done():
                return waiter.future.result()
            try:
                return await asyncio.wait_for(waiter.future, timeout)
            except TimeoutError:
                return []
        finally:
            waiters = self.waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self.waiters[key]

    async def _read(self, key: str, after: str | None, outcome_only: bool) -> list["JobEvent"]:
        if outcome_only:  # the outcome is always the log's last event
            return _decoded(await self.client.xrevrange(key, count=1))
        return _decoded(await self.client.xrange(key, min=f"({after}" if after else "-"))

    async def _listen(self) -> None:
        """Read the channel while anyone waits (a quiet process receives nothing)."""
        import redis.asyncio

        subscriber = redis.asyncio.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, socket_timeout=BLOCK_SECONDS + 10, socket_connect_timeout=5
        )
        pubsub = self.pubsub = subscriber.pubsub()
        live = _live_channel()
        try:
            await pubsub.subscribe(_channel())
            while True:
                message = await pubsub.get_message(timeout=BLOCK_SECONDS)
                if message is None:
                    if not self.waiters:
                        return
                    continue
                if message["type"] == "subscribe":
                    if message["channel"] != live:  # (again after redis-py reconnects: heard from now on)
                        self.subscribed_at = time.monotonic()
                    confirmed = self.live if message["channel"] == live else self.subscribed
                    if confirmed is not None and not confirmed.done():
                        confirmed.set_result(True)
                elif message["type"] == "message":
                    job_id, _sep, notice = message["data"].partition(" ")
                    key = _stream_key(job_id)
                    if key in self.waiters:
                        self._wake(key, outcome=_outcome_of(notice))
                    elif notice and message["channel"] != live:
                        self._keep_ended(key)
        except Exception as error:  # noqa: BLE001 - every waiter sees it (the API answers 202, a stream ends)
            for waiter in [w for waiters in self.waiters.values() for w in waiters]:
                if not waiter.future.done():
                    waiter.future.set_exception(error)
            for confirmed in (self.subscribed, self.live):
                if confirmed is not None and not confirmed.done():
                    confirmed.set_exception(error)
        finally:
            # (before any await: a new listener starts afresh, and its waiters read first)
            self.listener = self.pubsub = self.live = self.subscribed_at = None
            await pubsub.aclose()
            await subscriber.aclose()

    def _keep_ended(self, key: str) -> None:
        self.ended[key] = None
        if len(self.ended) > ENDED_KEPT:
            del self.ended[next(iter(self.ended))]  # the oldest

    def _wake(self, key: str, *, outcome: dict | None) -> None:
        waiters = self.waiters.get(key)
        if not waiters:
            return
        if outcome is not None:
            event = JobEvent(id="end", event=outcome["e"], data=outcome["d"])
            for waiter in [w for w in waiters if w.outcome_only and not w.future.done()]:
                waiter.future.set_result([event])
        streaming = [w for w in waiters if not w.outcome_only]
        if streaming:  # they need the events' ids: one read for all of them
            after = min((w.after for w in streaming), key=_id_key)
            task = asyncio.create_task(self._deliver(key, after, outcome_only=False))
            self.reads.add(task)
            task.add_done_callback(self.reads.discard)

    async def _deliver(self, key: str, after: str | None, *, outcome_only: bool) -> None:
        try:
            found = await self._read(key, after, outcome_only)
        except Exception:  # noqa: BLE001 - the waiters read again when their wait ends
            logger.warning("reading %s failed", key, exc_info=True)
            return
        for waiter in list(self.waiters.get(key, ())):
            waiter.offer(found)


async def events_wait(job_id, after: str | None, timeout: float) -> list[JobEvent]:
    """The events after `after`, waiting up to `timeout` seconds (at most BLOCK_SECONDS) for
    the first; [] if none came."""
    if settings.REDIS_URL:
        return await _hub().wait(job_id, after, min(timeout, BLOCK_SECONDS), outcome_only=False)
    return await _cache_wait(job_id, after, timeout)


async def _cache_wait(job_id, after: str | None, timeout: float) -> list[JobEvent]:
    deadline = time.monotonic() + timeout
    read = sync_to_async(_cache_events, thread_sensitive=False)
    while True:
        found = await read(job_id, after)
        if found or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(min(settings.AI_JOB_EVENTS_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


async def outcome_wait(job_id, timeout: float, *, queued_at: float | None = None) -> JobEvent | None:
    """The job's `done` or `failed` event, waiting up to `timeout` seconds; None if not yet.
    (With Redis it reads only the log's last event, when the writer says the job ended; not even
    that when `queued_at`, a time.monotonic() taken before the job was queued, shows that this
    process's hub was listening by then.)"""
    deadline = time.monotonic() + timeout
    after = None
    while (left := deadline - time.monotonic()) > 0:
        if settings.REDIS_URL:
            found = await _hub().wait(job_id, None, min(left, BLOCK_SECONDS), outcome_only=True, queued_at=queued_at)
            queued_at = None  # a later round reads: a notice lost while redis-py reconnected is found
        else:
            found = await _cache_wait(job_id, after, left)
        for event in found:
            after = event.id
            if event.event in TERMINAL:
                return event
    return None
