"""Scratch folders of jobs: removed on every way out of the animatic, and what a killed
worker leaves behind is removed by beat once older than a day."""

import os
import time

import pytest

from aigen.providers.local import draw_image, encode_animatic
from aigen.tasks import job_scratch_purge


@pytest.fixture
def scratch(settings, tmp_path):
    settings.AI_JOB_SCRATCH_DIR = str(tmp_path / "scratch")
    return tmp_path / "scratch"


def _encode(progress) -> bytes:
    images = [draw_image("a mouse-deer", (64, 36)), draw_image("a crocodile", (64, 36))]
    return encode_animatic(images, size=(64, 36), seconds_per_beat=1.0, fps=8, progress=progress, timeout=60)


def test_an_animatic_leaves_no_scratch_folder(scratch):
    video = _encode(lambda percent: None)

    assert video[4:8] == b"ftyp"
    assert list(scratch.iterdir()) == []


def test_an_animatic_stopped_by_an_error_leaves_no_scratch_folder(scratch):
    def fail(percent):
        raise RuntimeError("the job was cancelled")

    with pytest.raises(RuntimeError):
        _encode(fail)

    assert list(scratch.iterdir()) == []


def test_beat_removes_orphaned_scratch_folders_older_than_a_day_and_keeps_newer_ones(scratch, settings):
    scratch.mkdir()
    orphan, working = scratch / "animatic-orphan", scratch / "animatic-working"
    for folder in (orphan, working):
        folder.mkdir()
        (folder / "beat0.png").write_bytes(b"png")
    day_and_a_bit = time.time() - 25 * 3600
    os.utime(orphan, (day_and_a_bit, day_and_a_bit))

    removed = job_scratch_purge()

    assert removed == 1
    assert [folder.name for folder in scratch.iterdir()] == ["animatic-working"]
    assert "aigen.tasks.job_scratch_purge" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
