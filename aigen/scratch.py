"""Scratch folders of jobs (the local animatic's frames and MP4), all under one root so that
what a killed worker leaves behind can be found and removed.

A job's folder is removed on its way out whatever happens in Python (success, error,
timeout, a soft time limit); ffmpeg dies with the worker process that started it. Only a
process killed outright (SIGKILL, the machine stopping) leaves its folder behind: beat
(`aigen.tasks.job_scratch_purge`) and every new scratch folder remove those older than
AI_JOB_SCRATCH_MAX_AGE_HOURS, on whichever machine they run.
"""

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def job_scratch_root() -> Path:
    return Path(settings.AI_JOB_SCRATCH_DIR or Path(tempfile.gettempdir()) / "modo-jobs")


def job_scratch_orphans_purge(*, max_age_seconds: float | None = None) -> int:
    """Remove scratch folders not touched for max_age_seconds (default: the setting); how many."""
    root = job_scratch_root()
    if max_age_seconds is None:
        max_age_seconds = settings.AI_JOB_SCRATCH_MAX_AGE_HOURS * 3600
    cutoff = time.time() - max_age_seconds
    removed = 0
    for folder in root.glob("*") if root.is_dir() else []:
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:  # another process removed it first
            continue
    if removed:
        logger.info("Removed %s orphaned job scratch folder(s) under %s", removed, root)
    return removed


@contextmanager
def job_scratch_dir(*, prefix: str) -> Iterator[Path]:
    """A fresh folder for one job, removed when the block ends, however it ends."""
    root = job_scratch_root()
    root.mkdir(parents=True, exist_ok=True)
    job_scratch_orphans_purge()
    with tempfile.TemporaryDirectory(prefix=prefix, dir=root) as folder:
        yield Path(folder)


def kill_with_parent() -> None:
    """preexec_fn of a child process (ffmpeg): Linux kills it when the worker process dies,
    so it never keeps writing into a folder nobody will remove."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the orphan purge still removes what it leaves
        pass
