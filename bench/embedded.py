"""Benchmark (not a test): 50 requests at once on the embedded default (SQLite file, file cache,
filesystem broker, no Redis), through gunicorn with uvicorn workers (gunicorn.conf.py, ASGI), as
`make run` serves it.

    .venv/bin/python bench/embedded.py
    BENCH_AT_ONCE=100 BENCH_ROUNDS=5 .venv/bin/python bench/embedded.py

It migrates a fresh SQLite file in a temporary folder, makes BENCH_AT_ONCE trial users with an
app session each (opened in-process), starts the production web server (gunicorn.conf.py,
BENCH_GUNICORN_WORKERS uvicorn workers) with a text worker and, BENCH_ROUNDS times, releases BENCH_AT_ONCE requests
together: trial story requests (one per user, the trial allows two), then pages
(/dashboard/ with the session's cookie is not available to app clients: /, /gallery/,
/login/), then `GET /api/me`, then a double-click (two identical story requests of one more user).
Prints per round: answers by status, 5xx, dropped connections, p50/p95/max latency.
Exit 1 on any 5xx or dropped connection.
"""

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.core.embedded import embedded_env, free_port, manage, web_server_start, web_server_stop  # noqa: E402

AT_ONCE = int(os.environ.get("BENCH_AT_ONCE", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))

PASSWORD = "bench-pass-12345"
# Users and their app sessions (allauth headless' session after a good password), opened
# in-process: 50 sign-ins over HTTP would meet allauth's login rate limit per address.
SIGN_UP = """
from allauth.headless.internal.sessionkit import new_session
from django.contrib.auth import login
from django.test import RequestFactory
from accounts.services import user_create
for n in range(%(users)d):
    request = RequestFactory().post("/api/auth/app/v1/auth/login")
    request.session = new_session()
    login(request, user_create(email=f"u{n}@bench.local", password="%(password)s"),
          backend="accounts.backends.AuthenticationBackend")
    request.session.save()
    print("TOKEN", request.session.session_key)
"""


def at_once(calls) -> list[tuple[object, float]]:
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        started = time.perf_counter()
        try:
            outcome = call().status_code
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        answers[index] = (outcome, time.perf_counter() - started)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def report(name: str, answers) -> int:
    statuses: dict = {}
    for outcome, _seconds in answers:
        statuses[outcome] = statuses.get(outcome, 0) + 1
    seconds = sorted(s for _o, s in answers)
    server_errors = sum(n for o, n in statuses.items() if isinstance(o, int) and o >= 500)
    dropped = sum(n for o, n in statuses.items() if not isinstance(o, int))
    p95 = seconds[max(0, int(len(seconds) * 0.95) - 1)]
    print(
        f"{name:<22} {len(answers):>3} at once  statuses {dict(sorted(statuses.items(), key=str))}  "
        f"5xx {server_errors}  dropped {dropped}  p50 {statistics.median(seconds):.2f}s  p95 {p95:.2f}s  "
        f"max {seconds[-1]:.2f}s"
    )
    return server_errors + dropped


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = embedded_env(tmp)
        manage(env, "migrate", "--noinput")
        made = manage(env, "shell", "-c", SIGN_UP % {"users": AT_ONCE + 1, "password": PASSWORD})
        tokens = [line.split()[1] for line in made.stdout.decode().splitlines() if line.startswith("TOKEN ")]
        tokens, clicker = tokens[:AT_ONCE], tokens[AT_ONCE]  # the last user double-clicks with a slot left
        port = free_port()
        server = web_server_start(env, port=port, log=tmp / "web.log", workers=WORKERS)
        failures = 0
        try:
            limits = httpx.Limits(max_connections=AT_ONCE * 2, max_keepalive_connections=AT_ONCE * 2)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300, limits=limits) as client:
                print(f"gunicorn.conf.py: {WORKERS} uvicorn workers, a text worker, SQLite; {AT_ONCE} trial users")
                for round_number in range(ROUNDS):
                    stories = [
                        lambda t=t, n=n, r=round_number: client.post(
                            "/api/ai/generate-story",
                            json={"premise": f"Round {r} story {n}", "quality": "fast"},
                            headers={"X-Session-Token": t},
                        )
                        for n, t in enumerate(tokens)
                    ]
                    failures += report(f"round {round_number + 1} stories", at_once(stories))
                    pages = [lambda n=n: client.get(("/", "/gallery/", "/login/")[n % 3]) for n in range(AT_ONCE)]
                    failures += report(f"round {round_number + 1} pages", at_once(pages))
                    me = [lambda t=t: client.get("/api/me", headers={"X-Session-Token": t}) for t in tokens]
                    failures += report(f"round {round_number + 1} /api/me", at_once(me))
                click = [
                    lambda: client.post(
                        "/api/ai/generate-story",
                        json={"premise": "double click", "quality": "fast"},
                        headers={"X-Session-Token": clicker},
                    )
                ] * 2
                failures += report("double-click", at_once(click))
        finally:
            web_server_stop(server)
        if failures:
            print((tmp / "web.log").read_text()[-3000:])
    print("verdict:", "PASS (0 5xx, 0 dropped)" if not failures else f"FAIL ({failures} 5xx or dropped)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
