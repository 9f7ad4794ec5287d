"""gunicorn.conf.py's WEB_PIN_CPUS: each web worker on a CPU of its own, as docker-compose's web
runs them; off by default (the Dockerfile's CMD), where a worker may run on any CPU."""

import os
import signal
import time

import psutil
import pytest

from tests.aigen.live import server_start

CPUS = sorted(os.sched_getaffinity(0))


def _cpus_of_workers(master, *, count: int, pinned: bool, without: int | None = None) -> dict[int, list[int]]:
    """Each live worker's CPUs once `count` workers run (none of them `without`) and, if
    `pinned`, each has been placed (a new worker is placed right after it is forked)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = [child.pid for child in psutil.Process(master.pid).children()]
        if len(workers) == count and without not in workers:
            placed = {pid: sorted(os.sched_getaffinity(pid)) for pid in workers}
            if not pinned or all(len(cpus) == 1 for cpus in placed.values()):
                return placed
        time.sleep(0.1)
    raise AssertionError("the web server did not run its workers")


@pytest.fixture
def web_server():
    started = []

    def start(**env: str):
        master, _url = server_start(**env)
        started.append(master)
        return master

    yield start
    for master in started:
        master.terminate()
        master.wait(timeout=30)


@pytest.mark.skipif(len(CPUS) < 2, reason="placing two workers on CPUs of their own takes two CPUs")
def test_pinned_workers_each_run_on_a_cpu_of_their_own_and_a_restarted_one_takes_the_freed_cpu(web_server):
    master = web_server(WEB_WORKERS="2", WEB_PIN_CPUS="true")
    placed = _cpus_of_workers(master, count=2, pinned=True)
    assert sorted(cpus for cpus in placed.values()) == [[CPUS[0]], [CPUS[1]]]

    first = next(pid for pid, cpus in placed.items() if cpus == [CPUS[0]])
    os.kill(first, signal.SIGKILL)
    replaced = _cpus_of_workers(master, count=2, pinned=True, without=first)
    assert sorted(cpus for cpus in replaced.values()) == [[CPUS[0]], [CPUS[1]]]


def test_by_default_a_worker_may_run_on_any_cpu(web_server):
    master = web_server(WEB_WORKERS="2")
    placed = _cpus_of_workers(master, count=2, pinned=False)
    assert list(placed.values()) == [CPUS, CPUS]
