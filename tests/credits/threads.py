"""Run a function in real threads, each with its own database connection, all at once."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, connection


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def run_at_once(work: Callable[[int], Any], *, threads: int, timeout: float = 60) -> list[Outcome]:
    """Start `threads` threads that call work(i) together (behind a barrier) and wait for all.

    Every thread closes its own connection at the end, so the test database can be flushed.
    """
    barrier = threading.Barrier(threads)
    outcomes = [Outcome() for _ in range(threads)]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index].value = work(index)
        except BaseException as exc:  # the test looks at every outcome
            outcomes[index].error = exc
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=timeout)
    assert not any(worker.is_alive() for worker in workers), "a thread did not finish: a deadlock or a hang"
    return outcomes


# What PostgreSQL says when every connection slot of the (shared) server is taken.
_SERVER_FULL = ("too many clients", "remaining connection slots are reserved")


def connection_open_waiting(*, timeout: float) -> int:
    """Open this thread's database connection, waiting (up to `timeout` seconds) while the
    shared server has no free slot, which other test runs may hold for a while; the backend's
    pid. Any other failure, or no slot in time, raises."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return cursor.fetchone()[0]
        except OperationalError as exc:
            if not any(text in str(exc) for text in _SERVER_FULL) or time.monotonic() > deadline:
                raise
            connection.close()
            time.sleep(0.2)


def backends_alive(pids: list[int]) -> int:
    """How many of these backends are still connected to the server."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return cursor.fetchone()[0]
