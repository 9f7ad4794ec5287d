"""bench/generate.py's client side: signing in, one timed cell of requests, the rounds merged."""

import http.client
import json
import os
import threading
import time

from bench.benchusers import PASSWORD

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))


def wait_until_serving(seconds: float = 120) -> None:
    """Until /healthz answers (every worker may take a while to boot on a busy machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /healthz")


def login(email: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)  # a busy machine hashes slowly
    conn.request(
        "POST",
        "/api/auth/app/v1/auth/login",
        body=json.dumps({"email": email, "password": PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    answer = json.loads(conn.getresponse().read())
    conn.close()
    if "meta" not in answer:
        raise RuntimeError(f"login of {email} failed: {answer}")
    return answer["meta"]["session_token"]


def story_ok(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    data = json.loads(body)
    beats = data.get("data", {}).get("beats", [])
    return data.get("success") is True and data.get("cached") is False and 5 <= len(beats) <= 12


def bare_ok(status: int, body: bytes) -> bool:
    return status == 200 and json.loads(body).get("ok") is True


def run_cell(kind: str, tokens: list[str], references: list[str], connections: int) -> dict:
    latencies: list[float] = []
    wrong: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(connections + 1)
    deadline = [0.0]

    def run(index: int) -> None:
        token = tokens[index]
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        mine: list[float] = []
        bad: list[str] = []
        sequence = 0
        ready.wait()
        while time.perf_counter() < deadline[0]:
            sequence += 1
            if kind in ("bare", "reference"):
                url = "/bench/bare" if kind == "bare" else f"/bench/deduct/{references[index]}"
                method, body, check, headers = "GET", None, bare_ok, {}
            else:
                premise = f"Connection {index} request {sequence}: a kite that remembers every storm"
                method, url, check = "POST", "/api/ai/generate-story", story_ok
                body = json.dumps({"premise": premise, "quality": "fast"})
                headers = {"Content-Type": "application/json", "X-Session-Token": token}
            started = time.perf_counter()
            try:
                conn.request(method, url, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as error:
                bad.append(f"{type(error).__name__}: {error}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                continue
            elapsed = time.perf_counter() - started
            if check(response.status, payload):
                mine.append(elapsed)
            else:
                bad.append(f"{response.status}: {payload[:200]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)
            wrong.extend(bad)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for worker in workers:
        worker.start()
    deadline[0] = time.perf_counter() + SECONDS
    started = time.perf_counter()
    ready.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "latencies": latencies, "elapsed": elapsed, "wrong": wrong}


def merged(cells: list[dict]) -> dict:
    """The rounds of one kind of cell as one: requests over the time of all, percentiles of all."""
    latencies = sorted(latency for cell in cells for latency in cell["latencies"])

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "rps": len(latencies) / sum(cell["elapsed"] for cell in cells),
        "p50": pct(0.50),
        "p99": pct(0.99),
        "ok": len(latencies),
        "wrong": [line for cell in cells for line in cell["wrong"]],
    }
