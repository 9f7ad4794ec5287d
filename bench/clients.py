"""The client side of bench/slow_provider.py: HTTP calls to the bench server, a storm of
simultaneous clients with a side probe, the first partial's delay, and process figures."""

import http.client
import json
import os
import subprocess
import threading
import time
from pathlib import Path

from bench.stubs import LONG_SECONDS, first_chunk_at

PORT = int(os.environ.get("BENCH_PORT", "8766"))


def login(email: str) -> str:
    from bench.benchusers import PASSWORD

    status, body, _headers = request(
        "POST", "/api/auth/app/v1/auth/login", None, {"email": email, "password": PASSWORD}
    )
    answer = json.loads(body)
    if "meta" not in answer:
        raise RuntimeError(f"login of {email} failed: {status} {answer}")
    return answer["meta"]["session_token"]


def request(method: str, path: str, token: str | None = None, body: dict | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=LONG_SECONDS + 120)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["X-Session-Token"] = token
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def storm(count: int, call, probe) -> dict:
    """`count` clients call at once; a probe calls every 20 ms meanwhile. Wall time, answers,
    and the probe's latencies."""
    barrier = threading.Barrier(count + 1)
    answers: list = [None] * count
    done_at: list[float] = [0.0] * count
    probe_ms: list[float] = []
    running = [True]

    def client(index: int) -> None:
        barrier.wait()
        answers[index] = call(index)
        done_at[index] = time.perf_counter()

    def prober() -> None:
        while running[0]:
            started = time.perf_counter()
            probe()
            probe_ms.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    side = threading.Thread(target=prober)
    barrier.wait()
    started = time.perf_counter()
    side.start()
    for thread in threads:
        thread.join()
    running[0] = False
    side.join()
    probe_ms.sort()
    return {
        "wall": max(done_at) - started,
        "answers": answers,
        "p50": probe_ms[len(probe_ms) // 2] if probe_ms else float("nan"),
        "p95": probe_ms[int(len(probe_ms) * 0.95)] if probe_ms else float("nan"),
    }


def first_partial_ms(token: str, index: int) -> float:
    """A story queued (Prefer: respond-async), its events read; ms from the provider's first
    piece to the first `delta` at this client."""
    tag = f"partial-{index}"
    status, body, _headers = request(
        "POST", "/api/ai/generate-story", token, {"premise": f"bench-tag:{tag}"}, {"Prefer": "respond-async"}
    )
    job_id = json.loads(body)["job_id"]
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    conn.request("GET", f"/api/ai/jobs/{job_id}/events", headers={"X-Session-Token": token})
    response = conn.getresponse()
    arrived = None
    while arrived is None:
        line = response.fp.readline()
        if not line:
            break
        if line.startswith(b"event: delta"):
            arrived = time.time()
    for _rest in iter(response.fp.readline, b""):
        pass  # read to its end (`done`)
    conn.close()
    sent = first_chunk_at(tag)
    return (arrived - sent) * 1000 if arrived and sent else float("nan")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MB."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
    return sum(int(value) for value in out.stdout.split()) / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, s."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
    return pids_cpu_seconds([str(pid), *out.stdout.split()])


def pids_cpu_seconds(pids: list[str]) -> float:
    """CPU time (user + system) of these processes (those still running), s."""
    total = 0.0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def worker_pids(pid: int) -> set[str]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
    return set(out.stdout.split())
