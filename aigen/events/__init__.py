"""A generation job's live log: `log` writes and reads it (workers, the job's `partial`),
`waiting` waits on it from async code (a story request, an SSE stream)."""

from .log import TERMINAL, JobEvent, event_id_valid, events_append, events_read, job_cancel_signal, partial_of
from .waiting import events_wait, outcome_wait

__all__ = [
    "TERMINAL",
    "JobEvent",
    "event_id_valid",
    "events_append",
    "events_read",
    "events_wait",
    "job_cancel_signal",
    "outcome_wait",
    "partial_of",
]
