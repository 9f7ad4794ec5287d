"""CPU per story, in one process (not a benchmark of the server: a profile of MODO's own work).

    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... .venv/bin/python bench/story_cpu.py [profile]

The web side: POST /api/ai/generate-story through Django's ASGI handler (httpx's
ASGITransport: the middleware, auth, DRF, the charge, the broker's publish, the wait on Redis,
the answer), the production settings of bench/slow_provider.py. The worker side: the
`story_generate` task run as the worker runs it on the message the request queued, against
the instant stub Gemini (12 SSE pieces). Prints CPU ms per story (time.process_time) for:
the request alone (`Prefer: respond-async`), the worker alone, and a request that waits while
a thread runs the worker (the two together). `profile`: cProfile of each part, every thread,
timed by each thread's own CPU clock (time.thread_time: a thread blocked in epoll or on a lock
counts nothing, so the figures are CPU, not wall time).
"""

import asyncio
import base64
import cProfile
import json
import os
import pstats
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("BENCH_PROVIDER_SECONDS", "0")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import recreate_database  # noqa: E402
from bench.stubs import stubs_start  # noqa: E402

N = int(os.environ.get("BENCH_STORY_CPU_N", "200"))
PROFILE = "profile" in sys.argv[1:]
_profiles: list[cProfile.Profile] = []


def _cpu_profile() -> cProfile.Profile:
    return cProfile.Profile(timer=time.thread_time)


def _profiled(part: str):
    """Profile every thread (the ASGI handler's sync_to_async threads too) until stopped."""
    lock = threading.Lock()

    def hook(*_args):
        profile = _cpu_profile()
        with lock:
            _profiles.append(profile)
        profile.enable()  # replaces this hook for the thread

    _profiles.clear()
    threading.setprofile(hook)
    main = _cpu_profile()
    _profiles.append(main)
    main.enable()

    def stop():
        threading.setprofile(None)
        main.disable()
        stats = pstats.Stats(main)
        for profile in _profiles[1:]:
            profile.disable()
            profile.create_stats()
            if profile.stats:
                stats.add(profile)
        if os.environ.get("BENCH_PROFILE_DIR"):
            stats.dump_stats(Path(os.environ["BENCH_PROFILE_DIR"]) / f"{part.split(',')[0].replace(' ', '')}.pstats")
        print(f"\n===== {part}: cumulative =====")
        stats.sort_stats("cumulative").print_stats(45)
        print(f"\n===== {part}: own time =====")
        stats.sort_stats("tottime").print_stats(35)

    return stop


def main() -> None:
    from bench import slow_provider

    recreate_database(slow_provider.BENCH_URL)
    slow_provider.setup_django(stubs_start(own_process=False))
    import httpx
    from django.core.management import call_command
    from kombu.utils import json as kombu_json

    from aigen.events.log import _redis
    from aigen.tasks import story_generate

    call_command("migrate", verbosity=0)
    emails = slow_provider.make_users_verified(2)
    from core.asgi import ModoASGIHandler

    app = ModoASGIHandler()  # production's handler (modo/asgi.py)
    redis = _redis()
    redis.flushdb()

    def run_queued(count: int) -> int:
        """The worker's side: each queued message's task, as the worker calls it."""
        ran = 0
        profile = _cpu_profile() if PROFILE else None
        if profile:  # (a pooled thread: the hook of _profiled() never saw it start)
            _profiles.append(profile)
            profile.enable()
        while ran < count:
            raw = redis.rpop("text")
            if raw is None:
                time.sleep(0.001)
                continue
            message = json.loads(raw)
            args, _kwargs, _embed = kombu_json.loads(base64.b64decode(message["body"]))
            story_generate(*args)
            ran += 1
        if profile:
            profile.disable()
        return ran

    async def session() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            answer = await client.post(
                "/api/auth/app/v1/auth/login", json={"email": emails[0], "password": slow_provider_password()}
            )
            token = answer.json()["meta"]["session_token"]
            headers = {"X-Session-Token": token}

            async def ask(index: int, prefer: str | None) -> int:
                sent = {**headers, **({"Prefer": prefer} if prefer else {})}
                body = {"premise": f"bench-tag:c{index}"}
                answer = await client.post("/api/ai/generate-story", json=body, headers=sent)
                return answer.status_code

            # Warm up: imports, connections, the SDK client, the hub.
            for index in range(5):
                assert await ask(index, "respond-async") == 202
            await asyncio.to_thread(run_queued, 5)
            worker = threading.Thread(target=run_queued, args=(5,))
            worker.start()
            for index in range(5):
                assert await ask(100 + index, None) == 200
            worker.join()

            # 1. The request alone (202 at once).
            stop = _profiled("web, respond-async") if PROFILE else None
            started = time.process_time()
            statuses = [await ask(1000 + index, "respond-async") for index in range(N)]
            web = (time.process_time() - started) / N
            if stop:
                stop()
            assert set(statuses) == {202}, statuses
            # 2. The worker alone, on those messages.
            stop = _profiled("worker") if PROFILE else None
            started = time.process_time()
            await asyncio.to_thread(run_queued, N)  # (a thread: the worker's code is sync)
            worker_cpu = (time.process_time() - started) / N
            if stop:
                stop()
            # 3. A request that waits for its story while a thread runs the worker.
            stop = _profiled("web + worker, waiting") if PROFILE else None
            started = time.process_time()
            thread = threading.Thread(target=run_queued, args=(N,))
            thread.start()
            statuses = [await ask(5000 + index, None) for index in range(N)]
            thread.join()
            both = (time.process_time() - started) / N
            if stop:
                stop()
            assert set(statuses) == {200}, statuses
            print(f"\nCPU per story ({N} stories, one at a time, in one process):")
            print(f"  web, the request alone (respond-async): {web * 1000:.2f} ms")
            print(f"  worker, the task alone:                  {worker_cpu * 1000:.2f} ms")
            print(f"  web waiting + worker together:           {both * 1000:.2f} ms")
            print(f"  -> the wait and its answer:              {(both - web - worker_cpu) * 1000:.2f} ms")

    asyncio.run(session())


def slow_provider_password() -> str:
    from bench.benchusers import PASSWORD

    return PASSWORD


if __name__ == "__main__":
    main()
