"""Resident memory (VmRSS) of every server process and its children, sampled during the run."""

import os
import threading

import psutil

from .config import SAMPLE_SECONDS

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
