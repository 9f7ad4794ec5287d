"""The live log of a generation job: what the API's waiting request, the SSE stream and the
job's `partial` read while a worker writes it.

Events: `delta` {text} (new story text), `beat` {index, title, description} (a beat is
complete), `progress` {progress}, `reset` {} (a new attempt starts over: forget the text so
far), `done` {result, ...} and `failed` {error, refunded}. Each has an id that orders it;
a reader passes the last id it saw and gets what came after (SSE `Last-Event-ID`).

With Redis (REDIS_URL) the log is a Redis stream per job (XADD; readers XREAD BLOCK from
async code, so a waiting request holds a socket, not a thread), kept AI_JOB_EVENTS_TTL_SECONDS
after its last write. The embedded default has no Redis: the log is a list in the file cache,
and async readers poll it every AI_JOB_EVENTS_POLL_SECONDS.
"""

import asyncio
import json
import re
import time
import weakref
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

TERMINAL = ("done", "failed")
# One blocking read waits at most this long (the callers loop): well inside the socket's timeout.
BLOCK_SECONDS = 5.0
_REDIS_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_CACHE_ID = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class JobEvent:
    id: str
    event: str
    data: dict


def _stream_key(job_id) -> str:
    return f"modo:aigen:job:{job_id}:events"


def _cancel_key(job_id) -> str:
    return f"modo:aigen:job:{job_id}:cancel"


def event_id_valid(value: str | None) -> str | None:
    """A Last-Event-ID this log could have written; anything else reads from the start."""
    if not value:
        return None
    value = value.strip()
    pattern = _REDIS_ID if settings.REDIS_URL else _CACHE_ID
    return value if pattern.match(value) else None


# --- Redis ------------------------------------------------------------------------------

_sync_client = None
_async_clients: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _redis():
    global _sync_client
    if _sync_client is None:
        import redis

        _sync_client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True, socket_timeout=5)
    return _sync_client


def _async_redis():
    """One client (and connection pool) per event loop: asyncio connections belong to theirs."""
    import redis.asyncio

    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = redis.asyncio.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, socket_timeout=BLOCK_SECONDS + 10, socket_connect_timeout=5
        )
        _async_clients[loop] = client
    return client


def _decoded(entries) -> list[JobEvent]:
    return [JobEvent(id=entry_id, event=fields["e"], data=json.loads(fields["d"])) for entry_id, fields in entries]


# --- Writing (workers, and the web for cancel and failures) -----------------------------


def events_append(job_id, events: list[tuple[str, dict]], *, reset: bool = False) -> bool:
    """Add events to the job's log in one round trip; True when the job was canceled meanwhile
    (the writer stops). `reset`: drop what an earlier attempt wrote first."""
    ttl = settings.AI_JOB_EVENTS_TTL_SECONDS
    if settings.REDIS_URL:
        key = _stream_key(job_id)
        pipe = _redis().pipeline(transaction=False)
        if reset:
            pipe.delete(key)
        for event, data in events:
            pipe.xadd(key, {"e": event, "d": json.dumps(data, ensure_ascii=False)})
        pipe.expire(key, ttl)
        pipe.exists(_cancel_key(job_id))
        return bool(pipe.execute()[-1])
    key = _stream_key(job_id)
    log = [] if reset else (cache.get(key) or [])
    next_id = (log[-1][0] if log else 0) + 1
    log.extend([next_id + offset, event, data] for offset, (event, data) in enumerate(events))
    cache.set(key, log, ttl)
    return bool(cache.get(_cancel_key(job_id)))


def job_cancel_signal(job_id) -> None:
    """Tell the worker writing this job to stop (it reads this with its next write)."""
    if settings.REDIS_URL:
        _redis().set(_cancel_key(job_id), "1", ex=settings.AI_JOB_EVENTS_TTL_SECONDS)
    else:
        cache.set(_cancel_key(job_id), True, settings.AI_JOB_EVENTS_TTL_SECONDS)


# --- Reading ----------------------------------------------------------------------------


def events_read(job_id, after: str | None = None) -> list[JobEvent]:
    if settings.REDIS_URL:
        start = f"({after}" if after else "-"
        return _decoded(_redis().xrange(_stream_key(job_id), min=start))
    return _cache_events(job_id, after)


def _cache_events(job_id, after: str | None) -> list[JobEvent]:
    log = cache.get(_stream_key(job_id)) or []
    first = int(after) if after else 0
    return [JobEvent(id=str(number), event=event, data=data) for number, event, data in log if number > first]


async def events_wait(job_id, after: str | None, timeout: float) -> list[JobEvent]:
    """The events after `after`, waiting up to `timeout` seconds (at most BLOCK_SECONDS) for
    the first; [] if none came."""
    if settings.REDIS_URL:
        block = max(1, int(min(timeout, BLOCK_SECONDS) * 1000))
        answer = await _async_redis().xread({_stream_key(job_id): after or "0-0"}, count=500, block=block)
        return _decoded(answer[0][1]) if answer else []
    deadline = time.monotonic() + timeout
    read = sync_to_async(_cache_events, thread_sensitive=False)
    while True:
        found = await read(job_id, after)
        if found or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(min(settings.AI_JOB_EVENTS_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


async def outcome_wait(job_id, timeout: float) -> JobEvent | None:
    """The job's `done` or `failed` event, waiting up to `timeout` seconds; None if not yet."""
    deadline = time.monotonic() + timeout
    after = None
    while (left := deadline - time.monotonic()) > 0:
        for event in await events_wait(job_id, after, left):
            after = event.id
            if event.event in TERMINAL:
                return event
    return None


def partial_of(events: list[JobEvent]) -> dict | None:
    """The text written so far and the beats complete so far (since the last reset)."""
    if not events:
        return None
    text: list[str] = []
    beats: list[dict] = []
    for event in events:
        if event.event == "reset":
            text, beats = [], []
        elif event.event == "delta":
            text.append(event.data.get("text", ""))
        elif event.event == "beat":
            beats.append(event.data)
    return {"text": "".join(text), "beats": beats}
