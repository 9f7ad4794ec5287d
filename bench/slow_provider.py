"""Benchmark (not a test): MODO against providers at real speed.

    .venv/bin/python bench/slow_provider.py
    BENCH_STORIES=200 BENCH_PROVIDER_SECONDS=3 BENCH_IMAGES=50 BENCH_LONG_SECONDS=120 \
        .venv/bin/python bench/slow_provider.py

Stub providers on loopback: Gemini's streamGenerateContent (SSE, the story in BENCH_CHUNKS
pieces spread over BENCH_PROVIDER_SECONDS) and Stability (a PNG after BENCH_IMAGE_SECONDS).
The production web server as the Dockerfile starts it (gunicorn -c gunicorn.conf.py, uvicorn
workers, production settings; this module's ASGI app adds two bare views to MODO's URLs), the
production I/O worker (Celery, `text,images,video`, threads pool of BENCH_IO_THREADS),
PostgreSQL (database `modo_bench_slow`, dropped and made again) and Redis (BENCH_REDIS_URL).

Prints: BENCH_STORIES stories at once vs wall time and efficiency (provider time / wall), with
`GET /api/me` p50/p95 from another user meanwhile; the same for a bare async view that only
awaits the provider's time, with a bare sync view as the side probe; the time from the
provider's first chunk to the client's first partial (SSE `delta`); BENCH_IMAGES image jobs
vs wall; a story on a BENCH_LONG_SECONDS provider (202, then delivered, charged once, no web
worker restarted); web and worker memory; the credits audit.
"""

import asyncio
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench_slow")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
STORIES = int(os.environ.get("BENCH_STORIES", "200"))
PROVIDER_SECONDS = float(os.environ.get("BENCH_PROVIDER_SECONDS", "3"))
CHUNKS = int(os.environ.get("BENCH_CHUNKS", "12"))
IMAGES = int(os.environ.get("BENCH_IMAGES", "50"))
IMAGE_SECONDS = float(os.environ.get("BENCH_IMAGE_SECONDS", "5"))
LONG_SECONDS = float(os.environ.get("BENCH_LONG_SECONDS", "120"))
PARTIAL_SAMPLES = int(os.environ.get("BENCH_PARTIAL_SAMPLES", "10"))
WEB_WORKERS = os.environ.get("BENCH_WEB_WORKERS", "2")
IO_THREADS = os.environ.get("BENCH_IO_THREADS", "100")
PORT = int(os.environ.get("BENCH_PORT", "8766"))
USERS = int(os.environ.get("BENCH_USERS", "8"))
LONG_TAG = "[long]"

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
    "LOG_LEVEL": "ERROR",
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
    from django.core.asgi import get_asgi_application
    from django.urls import include, path

    application = get_asgi_application()
    urlpatterns = [path("bench/wait", _bare_wait), path("bench/bare", _bare), path("", include("modo.urls"))]


# --- Stub providers ---------------------------------------------------------------------

FIRST_CHUNK_AT: dict[str, float] = {}  # premise tag -> when the stub sent its first piece


def _story_text(tag: str) -> str:
    beats = [
        {"index": i, "title": f"Beat {i} of {tag}", "description": f"Something happens ({i})."} for i in range(1, 7)
    ]
    story = {"title": f"Story {tag}", "logline": "A bench story.", "genre": "fable", "characters": [], "beats": beats}
    return json.dumps(story)


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 36), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


class _Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if ":streamGenerateContent" in self.path:
            self._stream_story(body)
        else:  # Stability's stable-image/generate/core
            time.sleep(IMAGE_SECONDS)
            data = _png()
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("finish-reason", "SUCCESS")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _stream_story(self, body: bytes):
        text = body.decode(errors="replace")
        tag = text.split("bench-tag:", 1)[-1].split("\\", 1)[0].split('"', 1)[0][:40] if "bench-tag:" in text else "?"
        seconds = LONG_SECONDS if LONG_TAG in text else PROVIDER_SECONDS
        story = _story_text(tag)
        size = -(-len(story) // CHUNKS)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for number, start in enumerate(range(0, len(story), size), start=1):
            time.sleep(seconds / CHUNKS)
            candidate = {"content": {"role": "model", "parts": [{"text": story[start : start + size]}]}, "index": 0}
            chunk = {"candidates": [candidate]}
            if start + size >= len(story):
                candidate["finishReason"] = "STOP"
                chunk["usageMetadata"] = {"promptTokenCount": 100, "candidatesTokenCount": 300, "totalTokenCount": 400}
            if number == 1:
                FIRST_CHUNK_AT.setdefault(tag, time.time())
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()


def stubs_start() -> str:
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


# --- The client side --------------------------------------------------------------------


def setup_django(stub_url: str) -> None:
    os.environ.update(SERVER_ENV, AI_GEMINI_BASE_URL=stub_url, AI_STABILITY_BASE_URL=stub_url)
    import django

    django.setup()


def make_users_verified(count: int) -> list[str]:
    """Users on a paid plan with credits, their addresses verified (production requires it)."""
    from allauth.account.models import EmailAddress

    from accounts.models import User
    from bench.generate import make_users

    emails = make_users(count)
    for user in User.objects.filter(email__in=emails):
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return emails


def login(email: str) -> str:
    from bench.generate import PASSWORD

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
    return (arrived - FIRST_CHUNK_AT[tag]) * 1000 if arrived and tag in FIRST_CHUNK_AT else float("nan")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MB."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
    return sum(int(value) for value in out.stdout.split()) / 1024


def worker_pids(pid: int) -> set[str]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
    return set(out.stdout.split())


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
        env={**env, "WEB_BIND": f"127.0.0.1:{PORT}", "WEB_WORKERS": WEB_WORKERS, "WEB_LOG_LEVEL": "warning"},
        cwd=ROOT,
    )
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "modo", "worker", "-Q", "text,images,video", "--pool", "threads",
         "--concurrency", IO_THREADS, "--without-gossip", "--without-mingle", "--loglevel", "ERROR"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    results: dict = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
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

        def story(index: int):
            premise = {"premise": f"bench-tag:storm-{index}"}
            return request("POST", "/api/ai/generate-story", tokens[1 + index % (USERS - 1)], premise)

        results["stories"] = storm(STORIES, story, lambda: request("GET", "/api/me", probe_token))
        results["bare"] = storm(
            STORIES, lambda _i: request("GET", "/bench/wait"), lambda: request("GET", "/bench/bare")
        )
        results["partial"] = [first_partial_ms(partial_token, index) for index in range(PARTIAL_SAMPLES)]

        from aigen.models import GenerationJob

        started = time.perf_counter()
        image_ids = []
        for index in range(IMAGES):
            status, body, _headers = request(
                "POST", "/api/ai/generate-image", tokens[1 + index % (USERS - 1)], {"prompt": f"Image {index}"}
            )
            image_ids.append(json.loads(body).get("job_id"))
        while GenerationJob.objects.filter(pk__in=image_ids, finished_at__isnull=True).exists():
            time.sleep(0.2)
            if time.perf_counter() - started > 600:
                break
        results["images_wall"] = time.perf_counter() - started
        results["images_ok"] = GenerationJob.objects.filter(pk__in=image_ids, status="succeeded").count()
        results["web_mb"], results["worker_mb"] = rss_mb(server.pid), rss_mb(worker.pid)
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
        worker.terminate()
        server.wait(timeout=60)
        worker.wait(timeout=120)
    del cache_keep
    return report(results)


def report(results: dict) -> int:
    from django.core.management import call_command

    from aigen.models import GenerationJob
    from credits.models import CreditTransaction

    stories, bare = results["stories"], results["bare"]
    ok = sum(1 for status, body, _h in stories["answers"] if status == 200 and json.loads(body).get("success"))
    bare_ok = sum(1 for status, _b, _h in bare["answers"] if status == 200)
    partial = [value for value in results["partial"] if value == value]
    print(
        f"\nprovider {PROVIDER_SECONDS:.1f} s in {CHUNKS} pieces; web: gunicorn.conf.py, {WEB_WORKERS} uvicorn "
        f"workers; I/O worker: {IO_THREADS} threads; Python {sys.version.split()[0]}"
    )
    print(
        f"{'':>22} | {'clients':>7} {'ok':>5} | {'wall s':>7} {'efficiency':>10} | {'probe p50 ms':>12} {'p95 ms':>8}"
    )
    for name, run, good, probe in (
        ("MODO stories", stories, ok, "/api/me"),
        ("bare async view", bare, bare_ok, "bare"),
    ):
        print(
            f"{name:>22} | {len(run['answers']):>7} {good:>5} | {run['wall']:>7.2f} "
            f"{PROVIDER_SECONDS / run['wall']:>10.2f} | {run['p50']:>12.1f} {run['p95']:>8.1f}  ({probe})"
        )
    statuses = sorted({status for status, _b, _h in stories["answers"]})
    counts = {status: sum(1 for answer in stories["answers"] if answer[0] == status) for status in statuses}
    print(f"MODO story answers by status: {counts}")
    if partial:
        median = statistics.median(partial)
        print(
            f"first partial at the client after the provider's first piece: median {median:.0f} ms, "
            f"max {max(partial):.0f} ms ({len(partial)} stories)"
        )
    images = f"{results['images_ok']} done in {results['images_wall']:.1f} s"
    print(f"{IMAGES} image jobs on a {IMAGE_SECONDS:.0f} s provider: {images}")
    if "long" in results:
        status, job_status, same_workers = results["long"]
        print(
            f"a {LONG_SECONDS:.0f} s provider: answered {status}, job {job_status}, "
            f"web workers never restarted: {same_workers}"
        )
    print(f"memory: web {results['web_mb']:.0f} MB (master + workers), I/O worker {results['worker_mb']:.0f} MB")
    try:
        call_command("credits_audit", stdout=open(os.devnull, "w"))  # noqa: SIM115
        clean = True
    except SystemExit as exit_:
        clean = exit_.code in (0, None)
    charges = CreditTransaction.objects.filter(type="usage").count()
    refunds = CreditTransaction.objects.filter(type="refund").count()
    succeeded = GenerationJob.objects.filter(status="succeeded").count()
    print(f"audit: {'clean' if clean else 'DRIFT'}; charges {charges}, refunds {refunds}, succeeded jobs {succeeded}")
    good = clean and ok == len(stories["answers"]) and charges == succeeded + refunds
    print("OK" if good else "FAILED")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
