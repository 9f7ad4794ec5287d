"""Benchmark (not a test): 1,000 simulated studio users against gunicorn + PostgreSQL + Redis +
a real Celery worker, with locust (bench/locustfile.py), on the `local` provider, cache off.

    .venv/bin/python bench/load.py
    BENCH_USERS=200 BENCH_SECONDS=60 .venv/bin/python bench/load.py

It drops, creates and migrates `modo_bench_load` (BENCH_DATABASE_URL), flushes Redis DB 3
(BENCH_REDIS_URL: cache, sessions, rate limits and the Celery broker), then makes BENCH_USERS
users, each buying the Pro plan through billing (dev gateway checkout, then the paid status
applied by `billing.services.order_status_apply`, which grants the plan's 1,000 credits) and
given BENCH_START_CREDITS more through `credits.services.grants.credits_grant`. The Pro plan's rate
limit (500 AI requests per user per day) is the one the server enforces: no setting is changed.

Then it starts gunicorn (`modo.wsgi`, gthread) and the Celery workers, one pool per queue group as
the README's "Scaling out" says (BENCH_CELERY_POOLS, default `default,images:2 video:1`: video
encodes never hold up image jobs), on that database and Redis, with TRUSTED_PROXY_COUNT=1: each simulated user
comes from an address of its own (X-Forwarded-For, as behind a load balancer), so allauth's
login rate limits stay on. In a timed sign-in phase BENCH_SIGNIN_USERS users (default 100;
0 = all) sign in through allauth headless (app client, real Argon2 password check); the other
users' app sessions are opened in-process (every sign-in is a full Argon2 check: 1,000 of them
take minutes). Then locust runs BENCH_USERS users (ramp BENCH_RAMP_SECONDS, run BENCH_SECONDS);
BENCH_SIGNIN_SHARE of them sign in again over HTTP as they start. Meanwhile the resident memory
(VmRSS) of every gunicorn and Celery process and their children (ffmpeg) is sampled every
0.5 s. After the run the worker gets BENCH_DRAIN_SECONDS to finish the queued jobs, both
servers stop, and `manage.py credits_audit` checks the ledger.

CPU placement (Linux affinity): gunicorn on BENCH_WEB_CORES (default the first CPU), locust on
BENCH_LOAD_CORES (default the last) at nice +BENCH_LOAD_NICE (5), Celery on BENCH_CELERY_CORES
(default every CPU but the web's): the load generator cannot starve the server it measures,
and the verdict is per web core: "users per web core" = BENCH_USERS / web cores, held when
p95 < 300 ms over the non-generation requests with zero errors.

Prints: requests/s, p50/p95/p99 and errors per endpoint, job turnaround, the peak RSS of each
process, CPU use and load average, the audit's verdict and each target's verdict. Exit 1 on any
error (a non-2xx answer, a wrong body, a failed job) or a dirty audit.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench_load")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
USERS = int(os.environ.get("BENCH_USERS", "1000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "90"))
RAMP_SECONDS = float(os.environ.get("BENCH_RAMP_SECONDS", "25"))
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS", "60"))
PORT = int(os.environ.get("BENCH_PORT", "8767"))
GUNICORN_WORKERS = os.environ.get("BENCH_GUNICORN_WORKERS", "4")
GUNICORN_THREADS = os.environ.get("BENCH_GUNICORN_THREADS", "4")
# Celery pools: "queues:processes" separated by spaces; one worker process tree each.
CELERY_POOLS = [
    tuple(pool.split(":")) for pool in os.environ.get("BENCH_CELERY_POOLS", "default,images:2 video:1").split()
]
SIGNIN_CONCURRENCY = int(os.environ.get("BENCH_SIGNIN_CONCURRENCY", "4"))


def _cores(value: str) -> set[int]:
    """ "0" or "0,1" or "2-3": CPU ids for os.sched_setaffinity."""
    cores: set[int] = set()
    for part in value.split(","):
        first, _, last = part.partition("-")
        cores.update(range(int(first), int(last or first) + 1))
    return cores


# CPU placement (Linux affinity), so that the figure is per web core and the load generator
# cannot starve the server it measures: gunicorn on BENCH_WEB_CORES; locust (niced by
# BENCH_LOAD_NICE) on BENCH_LOAD_CORES; Celery on BENCH_CELERY_CORES. Default on 2 cores: web on
# CPU 0, locust and Celery on CPU 1.
_ALL = sorted(os.sched_getaffinity(0))
WEB_CORES = _cores(os.environ.get("BENCH_WEB_CORES", str(_ALL[0])))
LOAD_CORES = _cores(os.environ.get("BENCH_LOAD_CORES", str(_ALL[-1])))
CELERY_CORES = _cores(os.environ.get("BENCH_CELERY_CORES", ",".join(str(c) for c in _ALL if c not in WEB_CORES) or "0"))
LOAD_NICE = int(os.environ.get("BENCH_LOAD_NICE", "5"))
USERS_PER_CORE_TARGET = 250


def _pinned(cores: set[int], nice: int = 0):
    """preexec_fn: run the child on `cores` (and lower its priority by `nice`)."""

    def pin():
        os.sched_setaffinity(0, cores)
        if nice:
            os.nice(nice)

    return pin


# Users who sign in over HTTP in the sign-in phase (0 = everyone): each sign-in is a full Argon2
# check, so everyone takes minutes on a 2-core machine. The others' sessions are opened
# in-process (open_sessions).
SIGNIN_USERS = int(os.environ.get("BENCH_SIGNIN_USERS", "100")) or USERS
SETUP_THREADS = int(os.environ.get("BENCH_SETUP_THREADS", "8"))
PLAN = os.environ.get("BENCH_PLAN", "pro")
START_CREDITS = int(os.environ.get("BENCH_START_CREDITS", "10000"))
PASSWORD = "bench-load-password-2026"
OUT = ROOT / "var" / "bench-load"
SAMPLE_SECONDS = 0.5

# Targets of the issue.
P95_TARGET_MS = 300
WEB_RSS_TARGET_MB = 250
CELERY_RSS_TARGET_MB = 600
GENERATION = ("POST /api/ai/generate-story", "POST /api/ai/generate-image", "POST /api/ai/generate-video")
SIGN_IN = "POST /api/auth/…/login"

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "modo.settings.local",
    "DEBUG": "false",
    "DATABASE_URL": BENCH_URL,
    "REDIS_URL": BENCH_REDIS,
    "CELERY_BROKER_URL": BENCH_REDIS,
    "CONN_MAX_AGE": "60",
    "TRUSTED_PROXY_COUNT": "1",
    "AI_CACHE_ENABLED": "false",
    "LOG_LEVEL": "WARNING",
    "MEDIA_ROOT": str(ROOT / "var" / "bench-load-media"),
    "GEMINI_API_KEY": "",
    "OPENAI_API_KEY": "",
    "STABILITY_API_KEY": "",
    "ANTHROPIC_API_KEY": "",
    "VEO_API_KEY": "",
    "MIDTRANS_SERVER_KEY": "",
    "XENDIT_SECRET_KEY": "",
    "RESEND_API_KEY": "",
    "SENTRY_DSN": "",
}


def address_of(index: int) -> str:
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


# --- Setup ----------------------------------------------------------------------------


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()


def setup_django():
    os.environ.update(SERVER_ENV)
    import django

    django.setup()


def make_users(count: int) -> list[str]:
    """Paying customers: each buys the plan through billing and gets more credits from credits."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User
    from accounts.selectors import membership_default
    from accounts.services import user_create
    from billing.models import Order
    from billing.services.checkout import order_checkout
    from billing.services.fulfilment import order_status_apply
    from credits.services.grants import credits_grant

    def make(index: int) -> str:
        try:
            user = user_create(email=f"load{index}@example.com", password=None, name=f"Load {index}")
            membership = membership_default(user=user)
            order = order_checkout(membership=membership, item=f"plan:{PLAN}", gateway="dev")
            applied = order_status_apply(
                order_id=order.order_id,
                status=Order.Status.PAID,
                raw_status="settlement",
                amount=order.amount,
                source="bench",
            )
            if not applied.fulfilled:
                raise RuntimeError(f"the {PLAN} plan of {user.email} was not fulfilled: {applied.reason}")
            credits_grant(organization=membership.organization, amount=START_CREDITS, description="Load benchmark")
            return user.email
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        emails = list(pool.map(make, range(count)))
    # One Argon2 hash (the production hasher) for every user: hashing 1,000 passwords would take
    # minutes of setup; every sign-in still verifies it in full.
    User.objects.filter(email__in=emails).update(password=make_password(PASSWORD))
    return emails


def open_sessions(emails: list[str]) -> list[str]:
    """App session tokens for users who do not sign in over HTTP (BENCH_SIGNIN_USERS): the session
    allauth headless opens after a good password, opened here without the password check."""
    from allauth.headless.internal.sessionkit import new_session
    from django.contrib.auth import login
    from django.test import RequestFactory

    from accounts.models import User

    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    tokens = []
    for email in emails:
        request = RequestFactory().post("/api/auth/app/v1/auth/login")
        request.session = new_session()
        login(request, users[email], backend="accounts.backends.AuthenticationBackend")
        request.session.save()
        tokens.append(request.session.session_key)
    return tokens


def start_servers(env: dict) -> tuple[subprocess.Popen, list[subprocess.Popen]]:
    OUT.mkdir(parents=True, exist_ok=True)
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            GUNICORN_WORKERS,
            "--worker-class",
            "gthread",
            "--threads",
            GUNICORN_THREADS,
            "--log-level",
            "warning",
            "modo.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
        stdout=open(OUT / "gunicorn.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        preexec_fn=_pinned(WEB_CORES),  # noqa: PLW1509 - affinity only
    )
    workers = [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "modo",
                "worker",
                "-Q",
                queues,
                "--concurrency",
                processes,
                "--hostname",
                f"bench-{queues.replace(',', '-')}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            env=env,
            cwd=ROOT,
            stdout=open(OUT / f"worker-{queues.replace(',', '-')}.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_pinned(CELERY_CORES),  # noqa: PLW1509 - affinity only
        )
        for queues, processes in CELERY_POOLS
    ]
    return gunicorn, workers


def wait_until_ready() -> None:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /readyz within a minute: see var/bench-load/gunicorn.log")


def stop(process: subprocess.Popen, *, group: bool = False) -> None:
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- Resident memory of every server process ---------------------------------------------


class MemorySampler(threading.Thread):
    """Every 0.5 s: VmRSS of each gunicorn worker and each Celery process, and the peak so far
    (VmHWM) of their children (ffmpeg under a Celery pool process), kept per process and phase."""

    def __init__(self, gunicorn_pid: int, worker_pids: list[int]):
        super().__init__(daemon=True)
        self.gunicorn_pid, self.worker_pids = gunicorn_pid, worker_pids
        self.phase = "setup"
        self.peaks: dict[tuple[str, int], dict[str, int]] = {}  # (role, pid) -> phase -> peak bytes
        self.tree_peaks: dict[int, dict[str, int]] = {}  # Celery process with its children
        self.encoding_peak: dict[int, int] = {}  # Celery process + ffmpeg while ffmpeg runs
        self.names: dict[int, str] = {}
        self.max_load = 0.0
        self.cpu: dict[str, float] = {}
        self.stopped = threading.Event()

    def processes(self) -> list[tuple[str, psutil.Process, list[psutil.Process]]]:
        found = []
        for root_pid, role, child_role in (
            (self.gunicorn_pid, "gunicorn master", "gunicorn worker"),
            *((pid, "celery main", "celery pool") for pid in self.worker_pids),
        ):
            try:
                root = psutil.Process(root_pid)
                found.append((role, root, []))
                for child in root.children():
                    found.append((child_role, child, child.children(recursive=True)))
            except psutil.NoSuchProcess:
                continue
        return found

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            self.max_load = max(self.max_load, os.getloadavg()[0])
            for role, process, children in self.processes():
                rss = _rss(process)
                if rss is None:
                    continue
                self._keep(self.peaks.setdefault((role, process.pid), {}), rss)
                if role.startswith("celery"):
                    # A child's own peak so far (VmHWM): ffmpeg lives a second or two, its peak
                    # would fall between two samples of VmRSS.
                    extra = [(child, _status_field(child.pid, "VmHWM") or 0) for child in children]
                    for child, child_rss in extra:
                        self.names[child.pid] = _name(child)
                        self._keep(
                            self.peaks.setdefault(("child of celery " + str(process.pid), child.pid), {}), child_rss
                        )
                    tree = rss + sum(child_rss for _child, child_rss in extra)
                    self._keep(self.tree_peaks.setdefault(process.pid, {}), tree)
                    if any("ffmpeg" in self.names[child.pid] for child, _rss_ in extra):
                        self.encoding_peak[process.pid] = max(self.encoding_peak.get(process.pid, 0), tree)

    def _keep(self, peaks: dict[str, int], rss: int) -> None:
        peaks[self.phase] = max(peaks.get(self.phase, 0), rss)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far per role (children reaped by a Celery process included: ffmpeg)."""
        totals: dict[str, float] = {}
        for role, process, _children in self.processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            seconds = times.user + times.system + times.children_user + times.children_system
            key = "celery" if role.startswith("celery") else role
            totals[key] = totals.get(key, 0.0) + seconds
        return totals

    def high_water_marks(self) -> dict[int, int]:
        """VmHWM (the kernel's own peak RSS) of every process still alive."""
        marks = {}
        for _role, process, children in self.processes():
            for each in [process, *children]:
                value = _status_field(each.pid, "VmHWM")
                if value is not None:
                    marks[each.pid] = value
        return marks


def _status_field(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _rss(process: psutil.Process) -> int | None:
    return _status_field(process.pid, "VmRSS")


def _name(process: psutil.Process) -> str:
    try:
        return os.path.basename(process.cmdline()[0]) if process.cmdline() else process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, IndexError):
        return "?"


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
            preexec_fn=_pinned(LOAD_CORES, LOAD_NICE),  # noqa: PLW1509 - affinity and nice only
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


# --- Figures --------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def mb(value: int | float) -> float:
    return value / 1024 / 1024


def ledger_checks() -> tuple[int, int, int, int]:
    from aigen.models import GenerationJob
    from credits.models import CreditTransaction

    jobs = GenerationJob.objects.count()
    usage = CreditTransaction.objects.filter(type="usage").count()
    refunded_jobs = GenerationJob.objects.filter(refunded=True).count()
    refunds = CreditTransaction.objects.filter(type="refund").count()
    return jobs, usage, refunded_jobs, refunds


def main() -> int:  # noqa: C901, PLR0912, PLR0915 - one script, top to bottom
    print(f"load benchmark: {USERS} users, ramp {RAMP_SECONDS:.0f} s, run {SECONDS} s; setting up ...", flush=True)
    recreate_database(BENCH_URL)
    flush_redis()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    setup_started = time.perf_counter()
    emails = make_users(USERS)
    connection.close()
    # Fulfilment queued one receipt email per order on the broker: the bench is not about email.
    flush_redis()
    print(f"{USERS} paying users ready in {time.perf_counter() - setup_started:.0f} s", flush=True)

    env = {**os.environ, **SERVER_ENV, "PYTHONPATH": str(ROOT)}
    gunicorn, workers = start_servers(env)
    sampler = None
    try:
        wait_until_ready()
        sampler = MemorySampler(gunicorn.pid, [worker.pid for worker in workers])
        sampler.start()
        time.sleep(2)  # the Celery pool forks its children

        sampler.phase = "sign-in"
        signing_in = emails[: min(SIGNIN_USERS, USERS)]
        print(f"sign-in phase: {len(signing_in)} sign-ins, {SIGNIN_CONCURRENCY} at a time ...", flush=True)
        accounts, signin_times, signin_errors, signin_seconds = sign_in_everyone(signing_in)
        rest = emails[len(signing_in) :]
        accounts += [
            [email, token, address_of(len(signing_in) + i)]
            for i, (email, token) in enumerate(zip(rest, open_sessions(rest), strict=True))
        ]
        accounts_file, records_file = OUT / "accounts.json", OUT / "records.jsonl"
        accounts_file.write_text(json.dumps(accounts))
        records_file.unlink(missing_ok=True)

        sampler.phase = "load"
        load_before = os.getloadavg()
        cpu_before, machine_before = sampler.cpu_seconds(), psutil.cpu_times()
        print(f"load phase: locust, load average {load_before[0]:.2f} ...", flush=True)
        locust_started = time.time()
        locust_code = run_locust(env, accounts_file, records_file)
        load_after = os.getloadavg()
        cpu_after, machine_after = sampler.cpu_seconds(), psutil.cpu_times()
        locust_cpu = _children_cpu_seconds()

        sampler.phase = "drain"
        high_water = sampler.high_water_marks()
        # Locust has stopped waiting, but requests still queued at gunicorn are answered (and
        # may queue jobs) before it exits: stop it first, then give the worker time to finish.
        stop(gunicorn)
        wait_for_jobs_to_finish()
        high_water.update(sampler.high_water_marks())
    finally:
        if sampler is not None:
            sampler.stopped.set()
        for worker in workers:
            stop(worker, group=True)
        stop(gunicorn)
    jobs = job_counts()

    audit = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "credits_audit"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    jobs_total, usage_rows, refunded_jobs, refund_rows = ledger_checks()

    # --- Print ---
    records = [json.loads(line) for line in open(records_file)] if records_file.exists() else []
    requests = [r for r in records if r[1] != "JOB"]
    job_times = [r for r in records if r[1] == "JOB"]
    by_name: dict[str, list] = {}
    for row in requests:
        by_name.setdefault(row[2], []).append(row)
    elapsed = (max(r[0] + r[3] / 1000 for r in requests) - locust_started) if requests else float("nan")
    errors = [r for r in requests if r[5]]

    print()
    print(f"machine: {os.cpu_count()} cores; gunicorn gthread {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads;")
    print(
        f"CPU placement: gunicorn on CPU {sorted(WEB_CORES)}, locust on CPU {sorted(LOAD_CORES)} (nice +{LOAD_NICE}), "
        f"celery on CPU {sorted(CELERY_CORES)}"
    )
    pools = ", ".join(f"{queues} x {processes}" for queues, processes in CELERY_POOLS)
    print(f"celery prefork pools (queues x processes): {pools}; locust exit code {locust_code}")
    print(f"load average at start {load_before[0]:.2f}, at end {load_after[0]:.2f}, peak 1-min {sampler.max_load:.2f}")
    ordered = sorted(signin_times)
    signed_in = len(signin_times) - len(signin_errors)
    print(
        f"\nsign-in phase: {signed_in}/{len(signin_times)} signed in over HTTP in {signin_seconds:.1f} s "
        f"({len(signin_times) / signin_seconds:.1f}/s, {SIGNIN_CONCURRENCY} at a time); "
        f"p50 {percentile(ordered, 0.5) * 1000:.0f} ms, p95 {percentile(ordered, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(ordered, 0.99) * 1000:.0f} ms; errors {len(signin_errors)}"
    )
    for line in signin_errors[:3]:
        print("    ", line)
    if len(signin_times) < USERS:
        print(f"    (the other {USERS - len(signin_times)} users' sessions opened in-process: BENCH_SIGNIN_USERS)")

    print(
        f"\nload phase: {USERS} users, {len(requests)} requests in {elapsed:.1f} s = "
        f"{len(requests) / elapsed:.1f} requests/s; errors {len(errors)} "
        f"({100 * len(errors) / max(1, len(requests)):.2f} %)"
    )
    print(f"{'endpoint':<32} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    p95_misses = []
    for name in sorted(by_name, key=lambda n: (n in GENERATION, n == SIGN_IN, n)):
        rows = by_name[name]
        times = sorted(r[3] for r in rows)
        p95 = percentile(times, 0.95)
        if name not in GENERATION and name != SIGN_IN and p95 >= P95_TARGET_MS:
            p95_misses.append(name)
        print(
            f"{name:<32} {len(rows):>8} {sum(1 for r in rows if r[5]):>6} {percentile(times, 0.5):>8.0f} "
            f"{p95:>8.0f} {percentile(times, 0.99):>8.0f} {times[-1]:>8.0f}"
        )
    for name in sorted({r[2] for r in job_times}):
        times = sorted(r[3] for r in job_times if r[2] == name)
        print(
            f"{name:<32} {len(times):>8} {'':>6} {percentile(times, 0.5):>8.0f} {percentile(times, 0.95):>8.0f} "
            f"{percentile(times, 0.99):>8.0f} {times[-1]:>8.0f}"
        )
    shown: dict[str, int] = {}
    for row in errors:
        key = f"{row[2]}: {row[5][:160]}"
        shown[key] = shown.get(key, 0) + 1
    for key, count in sorted(shown.items(), key=lambda item: -item[1])[:8]:
        print(f"    {count} x {key}")

    print(f"\njobs (after up to {DRAIN_SECONDS:.0f} s for the worker to finish): {json.dumps(jobs, sort_keys=True)}")
    busy = _busy_seconds(machine_before, machine_after)
    used = {key: cpu_after.get(key, 0.0) - cpu_before.get(key, 0.0) for key in cpu_after}
    print(
        f"CPU in the load phase ({elapsed:.0f} s x {os.cpu_count()} cores = {elapsed * os.cpu_count():.0f} core-s): "
        f"machine busy {busy:.0f} core-s; gunicorn workers {used.get('gunicorn worker', 0):.0f}, "
        f"celery + ffmpeg {used.get('celery', 0):.0f}, locust {locust_cpu:.0f}, "
        f"the rest (PostgreSQL, Redis, other engineers' work) {busy - sum(used.values()) - locust_cpu:.0f}"
    )

    print("\npeak resident memory (VmRSS sampled every 0.5 s; VmHWM = the kernel's peak, processes still alive)")
    print(f"{'process':<34} {'pid':>7} {'sign-in':>8} {'load':>8} {'drain':>8} {'VmHWM':>8}  MB")
    web_peak = celery_peak = 0
    for (role, pid), peaks in sorted(sampler.peaks.items(), key=lambda item: (item[0][0], item[0][1])):
        label = role if not role.startswith("child of") else f"{sampler.names.get(pid, '?')} ({role})"
        cells = " ".join(f"{mb(peaks[p]):>8.0f}" if p in peaks else f"{'-':>8}" for p in ("sign-in", "load", "drain"))
        hwm = f"{mb(high_water[pid]):>8.0f}" if pid in high_water else f"{'gone':>8}"
        if role.startswith("child of") and len(label) > 34:
            label = label[:34]
        print(f"{label:<34} {pid:>7} {cells} {hwm}")
        if role == "gunicorn worker":
            web_peak = max(web_peak, max(peaks.get(p, 0) for p in ("load", "drain")))
    for pid, peaks in sorted(sampler.tree_peaks.items()):
        tree = max(peaks.values())
        encoding = sampler.encoding_peak.get(pid)
        celery_peak = max(celery_peak, tree)
        print(
            f"celery process {pid} with its children: peak {mb(tree):.0f} MB"
            + (f"; while ffmpeg encoded: {mb(encoding):.0f} MB" if encoding else "; never encoded video")
        )
    web_signin_peak = max(
        (peaks.get("sign-in", 0) for (role, _pid), peaks in sampler.peaks.items() if role == "gunicorn worker"),
        default=0,
    )
    encoded = bool(sampler.encoding_peak)

    print("\ncredits_audit:", (audit.stdout + audit.stderr).strip(), f"(exit code {audit.returncode})")
    print(
        f"ledger: {jobs_total} jobs, {usage_rows} usage rows (one charge per job); "
        f"{refunded_jobs} refunded jobs, {refund_rows} refund rows"
    )

    non_generation_p95 = "met" if not p95_misses else "NOT MET (" + ", ".join(p95_misses) + ")"
    audit_clean = audit.returncode == 0 and jobs_total == usage_rows and refunded_jobs == refund_rows
    served = sorted(r[3] for r in requests if r[2] not in GENERATION and r[2] != SIGN_IN)
    overall_p95 = percentile(served, 0.95)
    per_core = USERS / len(WEB_CORES)
    held = not errors and not p95_misses and overall_p95 < P95_TARGET_MS
    print(
        f"\nusers per web core: {per_core:.0f} ({USERS} users on {len(WEB_CORES)} web core(s)), "
        f"p95 {overall_p95:.0f} ms over the non-generation requests, {len(errors)} errors: "
        + ("held" if held else "NOT held")
        + f" (target {USERS_PER_CORE_TARGET} per core at p95 < {P95_TARGET_MS} ms, zero errors)"
    )
    print("\ntargets:")
    error_count = len(errors) + len(signin_errors)
    print(f"  zero errors: {'met' if not error_count else 'NOT MET'} ({error_count})")
    print(f"  p95 < {P95_TARGET_MS} ms, non-generation endpoints (sign-in apart): {non_generation_p95}")
    if SIGN_IN in by_name:
        signin_p95 = percentile(sorted(r[3] for r in by_name[SIGN_IN]), 0.95)
        print(f"      sign-in p95 {signin_p95:.0f} ms (each is a full Argon2 password check)")
    print(f"  audit clean: {'met' if audit_clean else 'NOT MET'}")
    print(
        f"  web worker < {WEB_RSS_TARGET_MB} MB: {'met' if mb(web_peak) < WEB_RSS_TARGET_MB else 'NOT MET'} "
        f"(peak {mb(web_peak):.0f} MB in the load phase; {mb(web_signin_peak):.0f} MB in the sign-in phase)"
    )
    print(
        f"  celery worker < {CELERY_RSS_TARGET_MB} MB while encoding: "
        f"{'met' if mb(celery_peak) < CELERY_RSS_TARGET_MB and encoded else 'NOT MET'} "
        f"(peak {mb(celery_peak):.0f} MB with ffmpeg; video encoded during the run: {'yes' if encoded else 'NO'})"
    )
    ok = not errors and not signin_errors and audit_clean and locust_code in (0, 1)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def _children_cpu_seconds() -> float:
    """CPU of this script's finished children: the locust process (waited for by subprocess.call)."""
    times = os.times()
    return times.children_user + times.children_system


def _busy_seconds(before, after) -> float:
    idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
    total = sum(after) - sum(before)
    return total - idle


if __name__ == "__main__":
    sys.exit(main())
