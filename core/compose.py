"""The production processes as docker-compose.yml declares them: the one place the benches and
the real-worker tests take their Celery worker command lines from, so that what they measure
and test is what production runs (its pools, queues and concurrency), changed only where they
say so (a test's database, a smaller concurrency, quieter logs)."""

import sys
from functools import cache
from pathlib import Path

COMPOSE_FILE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


@cache
def _services() -> dict:
    import yaml  # (PyYAML: a dependency of drf-spectacular)

    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def service_command(service: str, *extra: str, **options: str) -> list[str]:
    """The service's command as this interpreter runs it (`python -m celery ...`), each
    `--name value` option in `options` (name_with_underscores) replacing the file's or added,
    then `extra` flags. `-Q` is `queues`."""
    command = list(_services()[service]["command"])
    if command[0] != "celery":
        raise ValueError(f"{service} is not a Celery process: {command[0]}")
    flags = {("--" + name.replace("_", "-")) if name != "queues" else "-Q": value for name, value in options.items()}
    out: list[str] = [sys.executable, "-m", "celery"]
    words = iter(command[1:])
    for word in words:
        if word in flags:
            next(words)  # the file's value, replaced
            out += [word, str(flags.pop(word))]
        else:
            out.append(word)
    for flag, value in flags.items():
        out += [flag, str(value)]
    return out + list(extra)


# What a bench or test worker adds: no chatter between workers it does not need.
QUIET = ("--without-gossip", "--without-mingle")
