"""Multi-process metrics: figures written by separate processes are summed; a new process
clears the files of dead ones."""

import subprocess
import sys

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from ..aigen.workers import ROOT

# A process that records webhook verdicts as a gunicorn or Celery worker would, says "ready",
# and stays alive until told to stop (a newline on stdin).
RECORD = """
import sys
from django.conf import settings
settings.configure(PROMETHEUS_MULTIPROC_DIR=sys.argv[1])
from observability import metrics
for _ in range(int(sys.argv[2])):
    metrics.webhook_verdict(gateway="midtrans", verdict="processed")
print("ready", flush=True)
sys.stdin.readline()
"""


def process_start(directory, times: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", RECORD, str(directory), str(times)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def process_stop(process: subprocess.Popen) -> None:
    process.communicate("\n", timeout=60)


def processed(directory) -> float:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            if sample.name == "modo_webhook_deliveries_total" and sample.labels["verdict"] == "processed":
                return sample.value
    return 0.0


def test_counters_of_several_live_processes_are_summed(tmp_path):
    first, second = process_start(tmp_path, 2), process_start(tmp_path, 3)

    total = processed(tmp_path)

    process_stop(first)
    process_stop(second)
    assert total == 5
    assert len(list(tmp_path.glob("counter_*-*.db"))) == 2  # one file per host and process


def test_a_starting_process_removes_the_files_of_dead_ones(tmp_path):
    process_stop(process_start(tmp_path, 2))
    assert processed(tmp_path) == 2  # a dead process's figures stay until a process starts

    process_stop(process_start(tmp_path, 0))  # starts, removes the dead one's files, records nothing

    assert processed(tmp_path) == 0
    assert list(tmp_path.glob("counter_*.db")) == []
