"""The live log of a generation job: written by its worker (and by the web for a cancel or a
failure), read by the job's `partial`, its SSE stream and a waiting story request (their waiting
side is aigen.events.waiting).

Events: `delta` {text} (new story text), `beat` {index, title, description} (a beat is
complete), `progress` {progress}, `reset` {} (a new attempt starts over: forget the text so
far), `done` {result, ...} and `failed` {error, refunded}. Each has an id that orders it;
a reader passes the last id it saw and gets what came after (SSE `Last-Event-ID`).

With Redis (REDIS_URL) the log is a Redis stream per job (XADD), kept AI_JOB_EVENTS_TTL_SECONDS
after its last write; each write is also published on _channel(). The embedded default has no
Redis: the log is a list in the file cache.
"""

import json
import re
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

TERMINAL = ("done", "failed")
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
_sync_client_lock = threading.Lock()
# Writers publish `<job id> <outcome as JSON>` on _channel() with a job's terminal event, and
# `<job id>` on _live_channel() after each other write; each web process's hub listens to the
# first while anyone in it waits, to the second only while someone streams (SSE).
CHANNEL = "modo:aigen:job-events"


def _channel() -> str:
    """Per Redis database: publishing reaches every database's subscribers, and installations
    (or test runs) sharing one Redis on different databases must not hear each other."""
    from urllib.parse import urlparse

    return f"{CHANNEL}:{urlparse(settings.REDIS_URL).path.strip('/') or '0'}"


def _live_channel() -> str:
    """The notices of writes that end nothing (text, beats, progress). Apart from the outcomes:
    a storm of waiting story requests would otherwise have every web process read and drop
    each story's dozen notices (~0.1 ms of CPU each, per process) to learn one outcome."""
    return f"{_channel()}:live"


def _outcome_of(notice: str) -> dict | None:
    """The outcome a notice carries; None for a plain notice or one this code cannot read (a
    waiter then reads the log itself)."""
    try:
        outcome = json.loads(notice) if notice else None
    except ValueError:
        return None
    return outcome if isinstance(outcome, dict) and {"e", "d"} <= outcome.keys() else None


def _redis():
    """One client per process, shared by the worker's threads. Made under a lock: two threads
    that each made one on first use dropped one of them, and a dropped client closes its pool,
    cutting the other thread's connection mid-write ("I/O operation on closed file")."""
    global _sync_client
    if _sync_client is None:
        with _sync_client_lock:
            if _sync_client is None:
                import redis

                _sync_client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True, socket_timeout=5)
    return _sync_client


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
        # The outcome rides with its notice: a waiting request needs no read to learn it.
        outcome = next(({"e": event, "d": data} for event, data in events if event in TERMINAL), None)
        if outcome:
            pipe.publish(_channel(), f"{job_id} {json.dumps(outcome, ensure_ascii=False)}")
        else:
            pipe.publish(_live_channel(), str(job_id))
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
