"""Settings of the smoke run (from the environment), its failure, waiting."""

import os
import socket
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMOKE_DIR = ROOT / "var" / "smoke"
VENV = SMOKE_DIR / "venv"
DATABASE = os.environ.get("SMOKE_DATABASE", "modo_smoke")
POSTGRES = os.environ.get("SMOKE_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/11")
BUCKET = "modo-smoke"
PASSWORD = "smoke-test-password-2026"  # noqa: S105 - a throwaway account
TIMEOUT = float(os.environ.get("SMOKE_TIMEOUT", "180"))


class SmokeFailed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what: str, predicate, timeout: float = TIMEOUT, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except SmokeFailed:
            raise
        except Exception:  # not up yet: ask again
            value = None
        if value:
            return value
        time.sleep(every)
    raise SmokeFailed(f"{what}: not within {timeout:.0f} s")
