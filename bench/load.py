"""Benchmark (not a test): 1,000 simulated studio users against gunicorn + PostgreSQL + Redis +
a real Celery worker, with locust (bench/locustfile.py), cache off, on stub providers at real
speed (bench/stubs.py: a story streamed over 3 s, an image after 5 s; BENCH_PROVIDERS=local: the
offline provider instead).

    .venv/bin/python bench/load.py
    BENCH_USERS=200 BENCH_SECONDS=60 .venv/bin/python bench/load.py

It drops, creates and migrates `modo_bench_load` (BENCH_DATABASE_URL), flushes Redis DB 3
(BENCH_REDIS_URL: cache, sessions, rate limits and the Celery broker), then makes BENCH_USERS
users, each buying the Pro plan through billing (dev gateway checkout, then the paid status
applied by `billing.services.order_status_apply`, which grants the plan's 1,000 credits) and
given BENCH_START_CREDITS more through `credits.services.grants.credits_grant`. The Pro plan's rate
limit (500 AI requests per user per day) is the one the server enforces: no setting is changed.

Then it starts the production web server as the Dockerfile does (gunicorn.conf.py: uvicorn
workers serving the ASGI application, BENCH_WEB_WORKERS, default one per web core) and the Celery
workers as docker-compose.yml runs them (BENCH_CELERY_POOLS, default `worker worker-io
worker-io worker-video`, each `service[:concurrency]`: provider waits on threads, ffmpeg encodes apart), on
that database and Redis, with TRUSTED_PROXY_COUNT=1: each simulated user
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
BENCH_LOAD_CORES (default the last) at nice +BENCH_LOAD_NICE (0), Celery on BENCH_CELERY_CORES
(default every CPU but the web's): the load generator cannot starve the server it measures,
and the verdict is per web core: "users per web core" = BENCH_USERS / web cores, held when
p95 < 300 ms over the non-generation requests with zero errors. BENCH_LOG_LEVEL=INFO keeps the
server's access log (each request's time inside Django) in var/bench-load/gunicorn.log.

Prints: requests/s, p50/p95/p99 and errors per endpoint, job turnaround, the peak RSS of each
process, CPU use and load average, the audit's verdict and each target's verdict. Exit 1 on any
error (a non-2xx answer, a wrong body, a failed job) or a dirty audit.

The parts are in bench/loadkit/ (config, servers, memory, phases, figures); main() below runs
them top to bottom.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402
from bench.loadkit.config import (  # noqa: E402
    BENCH_URL,
    CELERY_CORES,
    CELERY_POOLS,
    CELERY_RSS_TARGET_MB,
    DRAIN_SECONDS,
    GENERATION,
    LOAD_CORES,
    LOAD_NICE,
    OUT,
    P95_TARGET_MS,
    PROVIDERS,
    RAMP_SECONDS,
    SECONDS,
    SERVER_ENV,
    SIGN_IN,
    SIGNIN_CONCURRENCY,
    SIGNIN_USERS,
    USERS,
    USERS_PER_CORE_TARGET,
    WEB_CORES,
    WEB_RSS_TARGET_MB,
    WEB_WORKERS,
    address_of,
)
from bench.loadkit.figures import busy_seconds, children_cpu_seconds, ledger_checks, mb, percentile  # noqa: E402
from bench.loadkit.memory import MemorySampler  # noqa: E402
from bench.loadkit.phases import job_counts, run_locust, sign_in_everyone, wait_for_jobs_to_finish  # noqa: E402
from bench.loadkit.servers import (  # noqa: E402
    flush_redis,
    make_users,
    open_sessions,
    setup_django,
    start_servers,
    stop,
    wait_until_ready,
)


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
    if PROVIDERS == "stubs":
        from bench.stubs import IMAGE_SECONDS, PROVIDER_SECONDS, stubs_start

        stub_url = stubs_start(cores=LOAD_CORES)
        env.update(
            GEMINI_API_KEY="bench",
            STABILITY_API_KEY="bench",
            AI_GEMINI_BASE_URL=stub_url,
            AI_STABILITY_BASE_URL=stub_url,
        )
        print(f"providers: stub Gemini (a story over {PROVIDER_SECONDS:g} s), stub Stability ({IMAGE_SECONDS:g} s)")
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
        locust_cpu = children_cpu_seconds()

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
    print(f"machine: {os.cpu_count()} cores; gunicorn.conf.py (ASGI): {WEB_WORKERS} uvicorn workers;")
    print(
        f"CPU placement: gunicorn on CPU {sorted(WEB_CORES)}, locust on CPU {sorted(LOAD_CORES)} (nice +{LOAD_NICE}), "
        f"celery on CPU {sorted(CELERY_CORES)}"
    )
    pools = ", ".join(
        f"{service}" + (f" (concurrency {concurrency})" if concurrency else "") for service, concurrency in CELERY_POOLS
    )
    print(f"celery workers of docker-compose.yml: {pools}; locust exit code {locust_code}")
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
    busy = busy_seconds(machine_before, machine_after)
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


if __name__ == "__main__":
    sys.exit(main())
