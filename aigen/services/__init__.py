"""Generation, one module per business process: jobs (charge, succeed, fail, cancel, sweep),
story (queued, streamed by a `text` worker), media (image and video jobs), usage (the log).

The names below are re-exported for callers that predate the package; new code imports from
the submodule."""

from .jobs import (
    generation_job_cancel,
    generation_job_create,
    generation_job_fail,
    generation_job_refund,
    generation_job_start,
    generation_job_succeed,
    generation_jobs_sweep_stuck,
    output_save,
)
from .media import generation_job_execute, image_job_queue, video_job_queue
from .story import StoryOutcome, story_job_queue, story_job_run, story_result_store

__all__ = [
    "StoryOutcome",
    "generation_job_cancel",
    "generation_job_create",
    "generation_job_execute",
    "generation_job_fail",
    "generation_job_refund",
    "generation_job_start",
    "generation_job_succeed",
    "generation_jobs_sweep_stuck",
    "image_job_queue",
    "output_save",
    "story_job_queue",
    "story_job_run",
    "story_result_store",
    "video_job_queue",
]
