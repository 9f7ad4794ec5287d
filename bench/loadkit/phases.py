"""The timed sign-in phase, the locust run, and the jobs it left."""

import http.client
import json
import math
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .config import (
    DRAIN_SECONDS,
    LOAD_CORES,
    LOAD_NICE,
    OUT,
    PASSWORD,
    PORT,
    RAMP_SECONDS,
    ROOT,
    SECONDS,
    SIGNIN_CONCURRENCY,
    USERS,
    address_of,
    pinned,
)

# --- Sign-in phase and the locust run ---------------------------------------------------


def sign_in_everyone(emails: list[str]) -> tuple[list[list[str]], list[float], list[str], float]:
    """Every user signs in through allauth headless (app client): a real Argon2 check each."""

    def sign_in(index: int) -> tuple[int, float, str | None, str]:
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=300)
            conn.request(
                "POST",
                "/api/auth/app/v1/auth/login",
                body=json.dumps({"email": emails[index], "password": PASSWORD}),
                headers={"Content-Type": "application/json", "X-Forwarded-For": address_of(index)},
            )
            response = conn.getresponse()
            body = response.read()
            conn.close()
        except (OSError, http.client.HTTPException) as error:
            return index, time.perf_counter() - started, None, f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - started
        try:
            return index, elapsed, json.loads(body)["meta"]["session_token"], ""
        except (ValueError, KeyError, TypeError):
            return index, elapsed, None, f"{response.status}: {body[:200]!r}"

    started = time.perf_counter()
    pool = ThreadPoolExecutor(SIGNIN_CONCURRENCY)
    try:
        outcomes = list(pool.map(sign_in, range(len(emails))))
    finally:
        pool.shutdown(cancel_futures=True)  # Ctrl-C: do not wait for the remaining sign-ins
    seconds = time.perf_counter() - started
    accounts = [[emails[i], token, address_of(i)] for i, _elapsed, token, _error in outcomes if token]
    return accounts, [elapsed for _i, elapsed, _t, _e in outcomes], [e for *_rest, e in outcomes if e], seconds


def run_locust(env: dict, accounts_file: Path, records_file: Path) -> int:
    rate = max(1.0, USERS / RAMP_SECONDS)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(USERS),
        "--spawn-rate",
        f"{rate:.2f}",
        "--run-time",
        f"{SECONDS}s",
        "--host",
        f"http://127.0.0.1:{PORT}",
        "--stop-timeout",
        "0",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--csv",
        str(OUT / "locust"),
    ]
    locust_env = {
        **env,
        # locust starts floor(rate) users at once every floor(rate) / rate seconds: 12 users in
        # the same millisecond each second at 12.5/s. Each waits a random part of that tick
        # before its first request, so that users arrive spread out, as people do.
        "BENCH_ARRIVAL_SPREAD_SECONDS": f"{max(1, math.floor(rate)) / rate:.3f}",
        "BENCH_ACCOUNTS": str(accounts_file),
        "BENCH_RECORDS": str(records_file),
        "BENCH_PASSWORD": PASSWORD,
    }
    with open(OUT / "locust.log", "w") as log:
        return subprocess.call(  # noqa: S603
            command,
            env=locust_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=pinned(LOAD_CORES, LOAD_NICE),  # noqa: PLW1509 - affinity and nice only
        )


def wait_for_jobs_to_finish() -> None:
    from aigen.models import GenerationJob

    deadline = time.monotonic() + DRAIN_SECONDS
    active = GenerationJob.objects.filter(status__in=["queued", "running"])
    while active.exists() and time.monotonic() < deadline:
        time.sleep(1)


def job_counts() -> dict:
    from aigen.models import GenerationJob

    counts: dict = {}
    for kind, status in GenerationJob.objects.values_list("kind", "status"):
        counts.setdefault(kind, {}).setdefault(status, 0)
        counts[kind][status] += 1
    return counts
