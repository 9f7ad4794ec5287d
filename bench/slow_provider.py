"""Benchmark (not a test): MODO against providers at real speed.

    .venv/bin/python bench/slow_provider.py
    BENCH_STORIES=200 BENCH_PROVIDER_SECONDS=3 BENCH_IMAGES=50 BENCH_LONG_SECONDS=120 \
        .venv/bin/python bench/slow_provider.py

Stub providers on loopback (bench/stubs.py): Gemini's streamGenerateContent (SSE, the story
in BENCH_CHUNKS pieces spread over BENCH_PROVIDER_SECONDS) and Stability (a PNG after
BENCH_IMAGE_SECONDS). The production web server as the Dockerfile starts it (gunicorn -c
gunicorn.conf.py, uvicorn workers, production settings; this module's ASGI app adds two bare
views to MODO's URLs), BENCH_IO_WORKERS (default: two per core) production I/O workers
(Celery, `text,images,video`, threads pool of BENCH_IO_THREADS),
PostgreSQL (database `modo_bench_slow`, dropped and made again) and Redis (BENCH_REDIS_URL).

Prints: BENCH_STORIES stories at once vs wall time and efficiency (provider time / wall), with
`GET /api/me` p50/p95 from another user meanwhile; the same for a bare async view that only
awaits the provider's time, with a bare sync view as the side probe; the time from the
provider's first chunk to the client's first partial (SSE `delta`); BENCH_IMAGES image jobs
vs wall; a story on a BENCH_LONG_SECONDS provider (202, then delivered, charged once, no web
worker restarted); web and worker memory and CPU; the credits audit. BENCH_WARMUP=1 (default)
first runs the storm and the image batch on fresh I/O workers (started, not yet used) and
reports them apart. The clients' side is bench/clients.py.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402
from bench.clients import PORT, cpu_seconds, first_partial_ms, login, request, rss_mb, storm, worker_pids  # noqa: E402
from bench.generatekit.probes import audit  # noqa: E402
from bench.stubs import CHUNKS, IMAGE_SECONDS, LONG_SECONDS, LONG_TAG, PROVIDER_SECONDS, stubs_start  # noqa: E402
from core.compose import QUIET, service_command  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench_slow")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
STORIES = int(os.environ.get("BENCH_STORIES", "200"))
IMAGES = int(os.environ.get("BENCH_IMAGES", "50"))
PARTIAL_SAMPLES = int(os.environ.get("BENCH_PARTIAL_SAMPLES", "10"))
WEB_WORKERS = os.environ.get("BENCH_WEB_WORKERS", "2")
# As docker-compose's web: each web worker on a CPU of its own (WEB_PIN_CPUS=false: anywhere).
WEB_PIN_CPUS = os.environ.get("WEB_PIN_CPUS", "true")
IO_THREADS = os.environ.get("BENCH_IO_THREADS", "50")
# The README's sizing: two I/O worker processes (50 threads each) per core.
IO_WORKERS = int(os.environ.get("BENCH_IO_WORKERS", str(2 * (os.cpu_count() or 1))))
WORKER_DATABASE_POOL = os.environ.get("BENCH_WORKER_DATABASE_POOL", "10")
USERS = int(os.environ.get("BENCH_USERS", "8"))
# A first storm and image batch on I/O workers that have started but never worked, reported apart.
WARMUP = os.environ.get("BENCH_WARMUP", "1") == "1"

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "modo.settings.production",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DATABASE_URL": BENCH_URL,
    "REDIS_URL": BENCH_REDIS,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "DATABASE_POOL_MAX_SIZE": os.environ.get("BENCH_DATABASE_POOL", "20"),
    "AI_CACHE_ENABLED": "false",
    "AI_STORY_WAIT_SECONDS": "25",
    "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
    "SERVE_MEDIA": "false",
    "GEMINI_API_KEY": "bench",
    "STABILITY_API_KEY": "bench",
    "OPENAI_API_KEY": "",
    "ANTHROPIC_API_KEY": "",
    "VEO_API_KEY": "",
    "AI_PROVIDER_MAX_RETRIES": "0",
}


# --- The server side: this module is also the web server's ASGI app ---------------------


async def _bare_wait(request):
    """The ceiling: a view that only awaits the provider's time."""
    from django.http import JsonResponse

    await asyncio.sleep(PROVIDER_SECONDS)
    return JsonResponse({"ok": True})


def _bare(request):
    from django.http import JsonResponse

    return JsonResponse({"ok": True})


if os.environ.get("BENCH_SERVER") == "1":
    import django
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.slow_provider"
    django.setup()
    from django.urls import include, path

    from core.asgi import ModoASGIHandler  # production's handler (modo/asgi.py)

    urlpatterns = [path("bench/wait", _bare_wait), path("bench/bare", _bare), path("", include("modo.urls"))]
    application = ModoASGIHandler()  # (reads the URLconf above)


# --- The client side --------------------------------------------------------------------


def setup_django(stub_url: str) -> None:
    os.environ.update(SERVER_ENV, AI_GEMINI_BASE_URL=stub_url, AI_STABILITY_BASE_URL=stub_url)
    import django

    django.setup()


def io_workers_ready(count: int, seconds: float = 120) -> None:
    """Until every I/O worker answers a ping: started, its SDKs loaded (worker_ready), consuming.
    The first storm then measures fresh workers, not workers still booting (Django's setup and
    checks, the SDKs' imports: a few seconds of CPU each, which earlier runs counted in it)."""
    from modo.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0)) >= count:
            return
    raise RuntimeError(f"fewer than {count} I/O workers answered within {seconds:.0f} s")


def make_users_verified(count: int) -> list[str]:
    """Users on a paid plan with credits, their addresses verified (production requires it)."""
    from allauth.account.models import EmailAddress

    from accounts.models import User
    from bench.benchusers import make_users

    emails = make_users(count)
    for user in User.objects.filter(email__in=emails):
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return emails


def main() -> int:
    recreate_database(BENCH_URL)
    stub_url = stubs_start()
    setup_django(stub_url)
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # A few users send every story (the plan's daily limit is far away); a few logins stay
    # under allauth's per-address login rate limit.
    emails = make_users_verified(USERS + 2)
    cache_keep = [cache]  # (sessions live in their own cache alias: not cleared)

    env = {**os.environ, "BENCH_SERVER": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bench.slow_provider:application"],
        env={
            **env,
            "WEB_BIND": f"127.0.0.1:{PORT}",
            "WEB_WORKERS": WEB_WORKERS,
            "WEB_LOG_LEVEL": "warning",
            "WEB_PIN_CPUS": WEB_PIN_CPUS,
        },
        cwd=ROOT,
    )
    workers = [
        subprocess.Popen(  # noqa: S603 - docker-compose.yml's worker-io, BENCH_IO_THREADS threads
            service_command("worker-io", *QUIET, concurrency=IO_THREADS, hostname=f"io{number}@%h", loglevel="ERROR"),
            env={**env, "DATABASE_POOL_MAX_SIZE": WORKER_DATABASE_POOL},
            cwd=ROOT,
        )
        for number in range(IO_WORKERS)
    ]
    results: dict = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        io_workers_ready(len(workers))
        tokens = [login(email) for email in emails]
        probe_token, partial_token = tokens[-2], tokens[-1]
        web_workers_before = worker_pids(server.pid)
        long_answer: dict = {}
        if LONG_SECONDS > 0:
            long_thread = threading.Thread(
                target=lambda: long_answer.update(
                    answer=request(
                        "POST", "/api/ai/generate-story", tokens[0], {"premise": f"bench-tag:long {LONG_TAG}"}
                    )
                )
            )
            long_thread.start()

        def stories(prefix: str) -> tuple[dict, tuple[float, float]]:
            def story(index: int):
                premise = {"premise": f"bench-tag:{prefix}-{index}"}
                return request("POST", "/api/ai/generate-story", tokens[1 + index % (USERS - 1)], premise)

            before = (cpu_seconds(server.pid), sum(cpu_seconds(worker.pid) for worker in workers))
            run = storm(STORIES, story, lambda: request("GET", "/api/me", probe_token))
            after = (cpu_seconds(server.pid), sum(cpu_seconds(worker.pid) for worker in workers))
            return run, (after[0] - before[0], after[1] - before[1])

        from aigen.models import GenerationJob

        def images(prefix: str) -> tuple[float, int]:
            """IMAGES users ask for an image at once; wall time until every job has finished."""
            ids: list = [None] * IMAGES

            def ask(index: int) -> None:
                status, body, _headers = request(
                    "POST", "/api/ai/generate-image", tokens[1 + index % (USERS - 1)], {"prompt": f"{prefix} {index}"}
                )
                ids[index] = json.loads(body).get("job_id")

            started = time.perf_counter()
            askers = [threading.Thread(target=ask, args=(index,)) for index in range(IMAGES)]
            for asker in askers:
                asker.start()
            for asker in askers:
                asker.join()
            while GenerationJob.objects.filter(pk__in=ids, finished_at__isnull=True).exists():
                time.sleep(0.1)
                if time.perf_counter() - started > 600:
                    break
            wall = time.perf_counter() - started
            return wall, GenerationJob.objects.filter(pk__in=ids, status="succeeded").count()

        if WARMUP:
            results["load_cold"] = os.getloadavg()
            results["cold"], results["cold_cpu"] = stories("cold")
            if IMAGES:
                results["images_cold"] = images("Cold")
        results["load"] = os.getloadavg()
        results["stories"], results["storm_cpu"] = stories("storm")
        results["bare"] = storm(
            STORIES, lambda _i: request("GET", "/bench/wait"), lambda: request("GET", "/bench/bare")
        )
        results["partial"] = [first_partial_ms(partial_token, index) for index in range(PARTIAL_SAMPLES)]
        results["images_load"] = os.getloadavg()
        results["images_wall"], results["images_ok"] = images("Image") if IMAGES else (0.0, 0)
        results["web_mb"] = rss_mb(server.pid)
        results["worker_mb"] = sum(rss_mb(worker.pid) for worker in workers)
        if LONG_SECONDS > 0:
            long_thread.join()
            status, body, _headers = long_answer["answer"]
            job_id = json.loads(body)["job_id"]
            while not GenerationJob.objects.get(pk=job_id).is_finished:
                time.sleep(1)
            long_job = GenerationJob.objects.get(pk=job_id)
            results["long"] = (status, long_job.status, web_workers_before == worker_pids(server.pid))
    finally:
        server.terminate()
        for worker in workers:
            worker.terminate()
        server.wait(timeout=60)
        for worker in workers:
            worker.wait(timeout=120)
    del cache_keep
    return report(results)


def report(results: dict) -> int:
    from credits.models import CreditTransaction

    stories, bare = results["stories"], results["bare"]
    ok = sum(1 for status, body, _h in stories["answers"] if status == 200 and json.loads(body).get("success"))
    bare_ok = sum(1 for status, _b, _h in bare["answers"] if status == 200)
    partial = [value for value in results["partial"] if value == value]
    print(
        f"\nprovider {PROVIDER_SECONDS:.1f} s in {CHUNKS} pieces; web: gunicorn.conf.py, {WEB_WORKERS} uvicorn "
        f"workers (WEB_PIN_CPUS={WEB_PIN_CPUS}); I/O workers: {IO_WORKERS} x {IO_THREADS} threads; "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"{'':>22} | {'clients':>7} {'ok':>5} | {'wall s':>7} {'efficiency':>10} | {'probe p50 ms':>12} {'p95 ms':>8}"
    )
    rows = [("MODO stories", stories, ok, "/api/me"), ("bare async view", bare, bare_ok, "bare")]
    if "cold" in results:
        cold = results["cold"]
        cold_ok = sum(1 for status, body, _h in cold["answers"] if status == 200 and json.loads(body).get("success"))
        rows.insert(0, ("MODO, fresh I/O worker", cold, cold_ok, "/api/me"))
    for name, run, good, probe in rows:
        print(
            f"{name:>22} | {len(run['answers']):>7} {good:>5} | {run['wall']:>7.2f} "
            f"{PROVIDER_SECONDS / run['wall']:>10.2f} | {run['p50']:>12.1f} {run['p95']:>8.1f}  ({probe})"
        )
    statuses = sorted({status for status, _b, _h in stories["answers"]})
    counts = {status: sum(1 for answer in stories["answers"] if answer[0] == status) for status in statuses}
    print(f"MODO story answers by status: {counts}")
    others: dict = {}
    for status, body, _h in stories["answers"]:
        if status != 200:
            try:
                code = json.loads(body).get("code") or json.loads(body).get("status")
            except ValueError:
                code = body[:60]
            others[(status, code)] = others.get((status, code), 0) + 1
    if others:
        print(f"  not 200: {others}")
    print("load average before the storm: " + ", ".join(f"{value:.2f}" for value in results["load"]))
    if "cold_cpu" in results:
        web_cpu, io_cpu = results["cold_cpu"]
        print(f"CPU during the fresh worker's storm: web {web_cpu:.1f} s, I/O workers {io_cpu:.1f} s")
    web_cpu, io_cpu = results["storm_cpu"]
    cores = os.cpu_count() or 1
    print(
        f"CPU during the storm: web {web_cpu:.1f} s, I/O workers {io_cpu:.1f} s "
        f"(wall x {cores} cores = {cores * stories['wall']:.1f} s)"
    )
    if partial:
        median = statistics.median(partial)
        print(
            f"first partial at the client after the provider's first piece: median {median:.0f} ms, "
            f"max {max(partial):.0f} ms ({len(partial)} stories)"
        )
    images = f"{results['images_ok']} done in {results['images_wall']:.1f} s"
    if "images_cold" in results:
        images += f" (fresh worker threads: {results['images_cold'][1]} in {results['images_cold'][0]:.1f} s)"
    images += f"; load average before: {results['images_load'][0]:.2f}"
    print(f"{IMAGES} image jobs on a {IMAGE_SECONDS:.0f} s provider: {images}")
    if "long" in results:
        status, job_status, same_workers = results["long"]
        print(
            f"a {LONG_SECONDS:.0f} s provider: answered {status}, job {job_status}, "
            f"web workers never restarted: {same_workers}"
        )
    print(f"memory: web {results['web_mb']:.0f} MB (master + workers), I/O workers {results['worker_mb']:.0f} MB")
    clean, charges, succeeded = audit()
    refunds = CreditTransaction.objects.filter(type="refund").count()
    print(f"audit: {'clean' if clean else 'DRIFT'}; charges {charges}, refunds {refunds}, succeeded jobs {succeeded}")
    good = clean and ok == len(stories["answers"]) and charges == succeeded + refunds
    print("OK" if good else "FAILED")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
