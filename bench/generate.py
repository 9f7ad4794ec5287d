"""Benchmark (not a test): POST /api/ai/generate-story on the `local` provider, cache off,
through the production web server (gunicorn.conf.py: uvicorn workers, ASGI) and a `text`
worker (threads pool), on PostgreSQL and Redis, beside a bare Django JSON view on the same server.

    .venv/bin/python bench/generate.py
    BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CONNECTIONS=1,16,64 .venv/bin/python bench/generate.py

It drops, creates and migrates `modo_bench_ai` (BENCH_DATABASE_URL), makes one user per
connection (each with their personal organization and 10,000,000 credits, on a paid plan),
signs them in through allauth headless (app session tokens), starts gunicorn on this file's
ASGI app (with gunicorn.conf.py) and a Celery worker on `text`, and runs, per connection
count, BENCH_ROUNDS rounds of BENCH_SECONDS of the bare view, of generate-story and of the
reference view. Then it prints requests/s, p50/p99, the ratio (overall and per round), the
pipeline's own time at 1 connection (latency minus the local provider's time), the CPU per
story of the web server, the worker, PostgreSQL and Redis (over the story cells), the database
and Redis round trips of one generation, and audits the ledger. Exit 1 unless every
response was correct and the audit is clean.

The issue gives two figures of its own machine: a bare Django JSON view serves ~2,400
requests/s and a view doing only a locked credit deduction through the ORM ~450. The
reference view is that second one (its own organizations, one per connection), so a run
shows how this machine compares with the issue's on database-bound work as well as on the
bare view: a story at 0.12 of 2,400 is 0.64 of 450.

The path measured is a paid customer's, through billing itself: every organization has an
active subscription to a paid plan made for the bench (not for sale; a daily limit no run
reaches), so the trial does not apply and the rate limit counts against the plan's limit.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402
from bench.benchusers import (  # noqa: E402
    make_reference_organizations,
    make_users,
    reference_balances_restore,
)
from bench.generatekit.cells import PORT, SECONDS, login, merged, run_cell, wait_until_serving  # noqa: E402
from bench.generatekit.probes import (  # noqa: E402
    audit,
    cpu_by_process,
    provider_time_ms,
    round_trips_of_one_generation,
)

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench_ai")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
# Bare and story cells alternate this many times per connection count: a machine whose speed
# drifts (a shared host) then drifts under both, not under one of them.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = [int(n) for n in os.environ.get("BENCH_CONNECTIONS", "1,16,64").split(",")]
GUNICORN_WORKERS = os.environ.get("BENCH_GUNICORN_WORKERS", "2")
TEXT_THREADS = os.environ.get("BENCH_TEXT_THREADS", "32")
# As docker-compose's web: each web worker on a CPU of its own (WEB_PIN_CPUS=false: anywhere).
WEB_PIN_CPUS = os.environ.get("WEB_PIN_CPUS", "true")
KINDS = ("bare", "story", "reference")  # the order of the cells in each round

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "modo.settings.local",
    "DEBUG": "false",
    "DATABASE_URL": BENCH_URL,
    "REDIS_URL": BENCH_REDIS,
    # Under ASGI each request runs in a thread of its own: a pool per process, not persistent
    # connections (those would be one per request thread, never reused).
    "CONN_MAX_AGE": "0",
    "DATABASE_POOL_MAX_SIZE": "20",
    "AI_CACHE_ENABLED": "false",
    "AI_LOCAL_STREAM_DELAY_SECONDS": "0",  # the instant provider
    "LOG_LEVEL": "ERROR",
    "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
    "GEMINI_API_KEY": "",
    "OPENAI_API_KEY": "",
    "STABILITY_API_KEY": "",
    "ANTHROPIC_API_KEY": "",
    "VEO_API_KEY": "",
}


# --- The server side: this module is also gunicorn's ASGI app ---------------------------


def _server_setup():
    import django
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.generate"  # a namespace package: bench/ has no __init__
    settings.ACCOUNT_RATE_LIMITS = False  # 64 sign-ins from one address in a second, at setup only
    django.setup()


def _bare(request):
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "path": request.path})


def _deduct(request, organization_id):
    """The issue's reference: a locked credit deduction through the ORM and nothing else (no
    ledger row: the bench puts these organizations' balances back before the audit)."""
    from django.db import transaction
    from django.http import JsonResponse

    from credits.models import CreditBalance

    with transaction.atomic():
        balance = CreditBalance.objects.select_for_update().get(organization_id=organization_id)
        balance.balance -= 1
        balance.save(update_fields=["balance", "updated_at"])
    return JsonResponse({"ok": True, "path": request.path})


if os.environ.get("BENCH_SERVER") == "1":
    _server_setup()

    from django.urls import include, path

    from core.asgi import ModoASGIHandler  # production's handler (modo/asgi.py)

    urlpatterns = [
        path("bench/bare", _bare),
        path("bench/deduct/<uuid:organization_id>", _deduct),
        path("", include("modo.urls")),
    ]
    application = ModoASGIHandler()  # (reads the URLconf above)


# --- The client side -----------------------------------------------------------------


def setup_django():
    os.environ.update(SERVER_ENV)
    import django

    django.setup()


def text_worker_start(env: dict) -> subprocess.Popen:
    """docker-compose.yml's I/O worker (a threads pool waiting on providers), on `text` only."""
    from core.compose import QUIET, service_command

    command = service_command("worker-io", *QUIET, queues="text", concurrency=TEXT_THREADS, loglevel="WARNING")
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603


def interpreter() -> str:
    """Which CPython ran: two builds of 3.11 differ by ~20 % in speed here (bench/README.md)."""
    return f"Python {sys.version.split()[0]} at {os.path.realpath(sys.executable)}"


def _span(values: list[float]) -> str:
    return f"{min(values):.3f}-{max(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def main() -> int:
    recreate_database(BENCH_URL)
    setup_django()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    emails = make_users(max(CONNECTIONS))
    references = make_reference_organizations(max(CONNECTIONS))
    cache.clear()  # (the whole Redis database of the bench: nothing cached from setup stays)

    env = {**os.environ, **SERVER_ENV, "BENCH_SERVER": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bench.generate:application"],
        env={
            **env,
            "WEB_BIND": f"127.0.0.1:{PORT}",
            "WEB_WORKERS": GUNICORN_WORKERS,
            "WEB_LOG_LEVEL": "warning",
            "WEB_PIN_CPUS": WEB_PIN_CPUS,
        },
        cwd=ROOT,
    )
    worker = text_worker_start(env)
    try:
        wait_until_serving()
        tokens = [login(email) for email in emails]
        results, ratios, story_cpu = {}, {}, {}
        for connections in CONNECTIONS:
            cells, spent = [], {}
            for _round in range(ROUNDS):
                for kind in KINDS:
                    before = cpu_by_process(server.pid, worker.pid) if kind == "story" else {}
                    cells.append(run_cell(kind, tokens, references, connections))
                    for name, seconds in cpu_by_process(server.pid, worker.pid).items() if before else ():
                        spent[name] = spent.get(name, 0.0) + seconds - before[name]
            stories = sum(len(cell["latencies"]) for cell in cells[KINDS.index("story") :: len(KINDS)])
            story_cpu[connections] = {name: seconds * 1000 / max(1, stories) for name, seconds in spent.items()}
            for offset, kind in enumerate(KINDS):
                results[(kind, connections)] = merged(cells[offset :: len(KINDS)])
            rounds = [cells[start : start + len(KINDS)] for start in range(0, len(cells), len(KINDS))]
            ratios[connections] = [story["rps"] / bare["rps"] for bare, story, _reference in rounds]
        queries, redis_commands, detail = round_trips_of_one_generation(tokens[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
        worker.terminate()
        worker.wait(timeout=60)

    reference_balances_restore(references)
    provider_ms = provider_time_ms()
    clean, usage, succeeded = audit()
    story_ok_total = sum(r["ok"] for (kind, _c), r in results.items() if kind == "story") + 2  # + warm-up, counted

    print(
        f"\ngunicorn.conf.py: {GUNICORN_WORKERS} uvicorn workers (WEB_PIN_CPUS={WEB_PIN_CPUS}); "
        f"text worker: {TEXT_THREADS} threads; "
        f"{ROUNDS} rounds of bare, story and reference, {SECONDS:.0f} s per cell; {interpreter()}"
    )
    print(
        f"{'connections':>11} | {'bare rps':>9} {'p50 ms':>7} {'p99 ms':>7} | {'story rps':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} | {'ratio':>5} | {'per round':>11} | wrong"
    )
    wrong_total = 0
    for connections in CONNECTIONS:
        bare, story = results[("bare", connections)], results[("story", connections)]
        wrong = sum(len(results[(kind, connections)]["wrong"]) for kind in KINDS)
        wrong_total += wrong
        print(
            f"{connections:>11} | {bare['rps']:>9.0f} {bare['p50']:>7.2f} {bare['p99']:>7.2f} | "
            f"{story['rps']:>9.0f} {story['p50']:>7.2f} {story['p99']:>7.2f} | "
            f"{story['rps'] / bare['rps']:>5.3f} | {_span(ratios[connections]):>11} | {wrong}"
        )
        for line in [line for kind in KINDS for line in results[(kind, connections)]["wrong"]][:3]:
            print("    ", line)
    print(
        "\nreference view, a locked credit deduction through the ORM (the issue's machine: ~450/s; a story"
        "\nat 0.12 of its bare 2,400/s is 0.64 of that)"
    )
    print(f"{'connections':>11} | {'ref rps':>9} {'p50 ms':>7} {'p99 ms':>7} | story/reference")
    for connections in CONNECTIONS:
        reference, story = results[("reference", connections)], results[("story", connections)]
        print(
            f"{connections:>11} | {reference['rps']:>9.0f} {reference['p50']:>7.2f} {reference['p99']:>7.2f} | "
            f"{story['rps'] / reference['rps']:.3f}"
        )
    print("\nCPU per story, ms (the processes' CPU over the story cells, divided by the stories answered)")
    for connections in CONNECTIONS:
        split = story_cpu[connections]
        figures = ", ".join(f"{name} {ms:.2f}" for name, ms in split.items())
        print(f"{connections:>11} | {figures} | total {sum(split.values()):.2f}")
    at_one = results[("story", 1)]["p50"] if 1 in CONNECTIONS else float("nan")
    print(f"\nlocal provider time per story (median): {provider_ms:.2f} ms")
    print(f"pipeline time at 1 connection: p50 {at_one:.2f} - {provider_ms:.2f} = {at_one - provider_ms:.2f} ms")
    print(
        f"round trips of one generation in the web process: {queries} database statements, {redis_commands} Redis "
        "commands (the worker adds 1 statement, the job's success with its usage row, and 1 Redis pipeline)"
    )
    print("   ", " ".join(detail[:-1]))
    print("   ", detail[-1])
    print(
        f"\naudit: {'clean' if clean else 'DRIFT'}; usage rows {usage}, succeeded jobs {succeeded}, "
        f"correct story responses {story_ok_total}"
    )
    ok = clean and wrong_total == 0 and usage == succeeded == story_ok_total
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
