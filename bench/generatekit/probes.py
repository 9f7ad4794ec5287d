"""What bench/generate.py measures besides the cells: the local provider's own time, the round
trips of one generation, and the ledger audit."""

import os
import statistics
import subprocess
import time

from bench.clients import cpu_seconds, pids_cpu_seconds


def provider_time_ms() -> float:
    """The local provider's own time for one story (what the pipeline time excludes)."""
    from aigen import prompts
    from aigen.registry import provider_chain
    from aigen.story import STORY_SCHEMA

    provider = provider_chain("text:fast")[0]
    timings = []
    for index in range(300):
        prompt = prompts.story_prompt(premise=f"Provider timing {index}: a kite", variation=0)
        started = time.perf_counter()
        provider.story(system=prompts.STORY_SYSTEM, prompt=prompt, schema=STORY_SCHEMA)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def round_trips_of_one_generation(token: str) -> tuple[int, int, list[str]]:
    """Database queries and Redis commands of one generate-story as the bench sends it (app
    session token), in this process, after one generation has warmed the caches (the
    membership and the subscription state are cached per user and organization)."""
    import redis
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_SESSION_TOKEN=token)
    warm = client.post("/api/ai/generate-story", {"premise": "Warming up", "quality": "fast"}, "application/json")
    assert warm.status_code == 200, warm.content
    commands: list[str] = []
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        commands.append(str(args[0]))
        return original(self, *args, **options)

    redis.Redis.execute_command = counting
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/ai/generate-story", {"premise": "Counting round trips", "quality": "fast"}, "application/json"
            )
    finally:
        redis.Redis.execute_command = original
    assert response.status_code == 200, response.content
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    return len(statements), len(commands), statements + ["redis: " + " ".join(commands)]


def audit() -> tuple[bool, int, int]:
    from django.core.management import call_command

    from aigen.models import GenerationJob
    from credits.models import CreditTransaction

    try:
        call_command("credits_audit", stdout=open(os.devnull, "w"))  # noqa: SIM115
        clean = True
    except SystemExit as exit_:
        clean = exit_.code in (0, None)
    usage = CreditTransaction.objects.filter(type="usage").count()
    succeeded = GenerationJob.objects.filter(status="succeeded").count()
    return clean, usage, succeeded


def _named_cpu_seconds(name: str) -> float:
    """CPU time (user + system) of every process called `name` (PostgreSQL's backends), s."""
    found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()  # noqa: S603, S607
    return pids_cpu_seconds(found)


def cpu_by_process(server_pid: int, worker_pid: int) -> dict[str, float]:
    """CPU seconds so far of the web server, the text worker, PostgreSQL and Redis (a story
    cell's share is the difference across it: which side a story's time goes to)."""
    return {
        "web": cpu_seconds(server_pid),
        "worker": cpu_seconds(worker_pid),
        "PostgreSQL": _named_cpu_seconds("postgres"),
        "Redis": _named_cpu_seconds("redis-server"),
    }
