"""Run a function in real threads, each with its own database connection, all at once."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection


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
