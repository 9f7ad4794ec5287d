"""Micro-benchmark (not a test): what the circuit breaker costs a story on the hot path.

    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/breaker_hot_path.py

Builds the `text:fast` chain (three real providers, every breaker closed) and records one
successful call, BENCH_N times (3000), three rounds; prints the best round's time per request
and how many Redis commands one request sends (the server's counter: other clients of the same
Redis make it noisy, so it is read around a single request).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modo.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402

from aigen.registry import provider_chain  # noqa: E402
from aigen.services.usage import call_end, call_start  # noqa: E402


def request() -> None:
    for provider in provider_chain("text:fast"):
        call_end(call_start(provider))  # the first provider answers
        break


def main() -> None:
    settings.AI_PROVIDER_KEYS = {"gemini": "g", "openai": "o", "anthropic": "a", "stability": "s", "veo": "g"}
    cache.clear()
    count = int(os.environ.get("BENCH_N", "3000"))
    for _ in range(200):
        request()
    redis = get_redis_connection("default")
    before = redis.info("stats")["total_commands_processed"]
    request()
    commands = redis.info("stats")["total_commands_processed"] - before - 1  # the INFO itself
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(count):
            request()
        rounds.append((time.perf_counter() - started) / count * 1e6)
    print(f"chain + one successful call: {min(rounds):.0f} us (best of 3 x {count}); Redis commands: {commands}")


if __name__ == "__main__":
    main()
