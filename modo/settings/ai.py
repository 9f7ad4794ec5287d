"""AI generation: providers, the model registry, retries, deadlines and the local provider."""

import os

from .api import SPECTACULAR_SETTINGS
from .celery import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_BROKER_URL, CELERY_TASK_ROUTES
from .env import env

# The provider registry (aigen.registry). Each entry: provider, model id (with its
# retirement date where known: a system check warns past it), credits per request (video:
# per beat), timeout in seconds, and the entries to fall back to when the provider has no key
# or fails, tried depth-first in the order written. `local` text and images are placeholders:
# they serve only where AI_LOCAL_PROVIDER_ENABLED allows and no real provider of the chain
# has a key. AI_MODELS_OVERRIDE (JSON) merges into any entry without a code change.
GEMINI_API_KEY = env("GEMINI_API_KEY", default="")
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
STABILITY_API_KEY = env("STABILITY_API_KEY", default="")
ANTHROPIC_API_KEY = env("ANTHROPIC_API_KEY", default="")
# Veo runs through Vertex AI express mode (google-genai serves video only there): its key.
VEO_API_KEY = env("VEO_API_KEY", default="")
AI_PROVIDER_KEYS = {
    "gemini": GEMINI_API_KEY,
    "veo": VEO_API_KEY or GEMINI_API_KEY,
    "openai": OPENAI_API_KEY,
    "stability": STABILITY_API_KEY,
    "anthropic": ANTHROPIC_API_KEY,
}
# Empty: the SDK's own endpoint. Tests point these at stub servers on 127.0.0.1.
AI_PROVIDER_BASE_URLS = {
    "gemini": env("AI_GEMINI_BASE_URL", default=""),
    "veo": env("AI_VEO_BASE_URL", default=""),
    "openai": env("AI_OPENAI_BASE_URL", default=""),
    "stability": env("AI_STABILITY_BASE_URL", default="https://api.stability.ai"),
    "anthropic": env("AI_ANTHROPIC_BASE_URL", default=""),
}
AI_MODELS = {
    "text:fast": {
        "provider": "gemini",
        "model": env("AI_TEXT_FAST_MODEL", default="gemini-2.5-flash"),
        "retires": env("AI_TEXT_FAST_RETIRES", default=""),  # ISO date where known
        "credits": env.int("AI_CREDITS_STORY_FAST", default=3),
        # Streaming: the time the provider may stay silent (a thinking model before its first
        # token), not the whole answer, which may take longer.
        "timeout": 120,
        "fallback": ["text:premium", "text:local"],
    },
    "text:premium": {
        "provider": "openai",
        "model": env("AI_TEXT_PREMIUM_MODEL", default="gpt-4o"),
        "retires": env("AI_TEXT_PREMIUM_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_STORY_PREMIUM", default=8),
        "timeout": 180,
        "fallback": ["text:anthropic", "text:fast", "text:local"],
    },
    "text:anthropic": {
        "provider": "anthropic",
        "model": env("AI_TEXT_ANTHROPIC_MODEL", default="claude-sonnet-5"),
        "retires": env("AI_TEXT_ANTHROPIC_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_STORY_PREMIUM", default=8),
        "timeout": 180,
        "fallback": ["text:local"],
    },
    "text:local": {
        "provider": "local",
        "model": "local-story-1",
        "retires": "",
        "credits": env.int("AI_CREDITS_STORY_FAST", default=3),
        "timeout": 30,
        "fallback": [],
    },
    "image:fast": {
        "provider": "stability",
        "model": env("AI_IMAGE_FAST_MODEL", default="core"),
        "retires": env("AI_IMAGE_FAST_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_IMAGE_FAST", default=5),
        "timeout": 60,
        "fallback": ["image:premium", "image:local"],
    },
    "image:premium": {
        "provider": "openai",
        "model": env("AI_IMAGE_PREMIUM_MODEL", default="gpt-image-1"),
        "retires": env("AI_IMAGE_PREMIUM_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_IMAGE_PREMIUM", default=10),
        "timeout": 120,
        "fallback": ["image:fast", "image:local"],
    },
    "image:local": {
        "provider": "local",
        "model": "local-image-1",
        "retires": "",
        "credits": env.int("AI_CREDITS_IMAGE_FAST", default=5),
        "timeout": 60,
        "fallback": [],
    },
    "video:fast": {
        "provider": "local",
        "model": "local-animatic-1",
        "retires": "",
        "credits": env.int("AI_CREDITS_VIDEO_FAST", default=30),
        "timeout": 600,
        "fallback": [],
    },
    "video:premium": {
        "provider": "veo",
        "model": env("AI_VIDEO_PREMIUM_MODEL", default="veo-3.1-generate-preview"),
        "retires": env("AI_VIDEO_PREMIUM_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_VIDEO_PREMIUM", default=60),
        "timeout": 900,
        "fallback": ["video:fast"],
    },
}
for _entry, _override in env.json("AI_MODELS_OVERRIDE", default={}).items():
    AI_MODELS.setdefault(_entry, {}).update(_override)
# The offline placeholder story and images (never the animatic, a real product made of the
# user's own images): on in the embedded default and tests, off in production.
AI_LOCAL_PROVIDER_ENABLED = env.bool("AI_LOCAL_PROVIDER_ENABLED", default=True)
# What each model costs us (USD), read from the providers' price pages on `read_on`; the usage
# log's cost is the usage a provider reports times these. Keys are "provider/model"; a
# configured model without a price, or a negative price, refuses to start (aigen.config).
AI_PRICES = {
    "gemini/gemini-2.5-flash": {"input_per_million": 0.30, "output_per_million": 2.50, "read_on": "2026-11-02"},
    "gemini/gemini-2.5-pro": {"input_per_million": 1.25, "output_per_million": 10.00, "read_on": "2026-11-02"},
    "openai/gpt-4o": {"input_per_million": 2.50, "output_per_million": 10.00, "read_on": "2026-11-02"},
    "openai/gpt-4o-mini": {"input_per_million": 0.15, "output_per_million": 0.60, "read_on": "2026-11-02"},
    "anthropic/claude-sonnet-5": {"input_per_million": 3.00, "output_per_million": 15.00, "read_on": "2026-11-02"},
    "openai/gpt-image-1": {"per_image": 0.042, "read_on": "2026-11-02"},  # 1024x1024, medium
    "stability/core": {"per_image": 0.03, "read_on": "2026-11-02"},
    "stability/ultra": {"per_image": 0.08, "read_on": "2026-11-02"},
    "veo/veo-3.1-generate-preview": {"per_second": 0.40, "read_on": "2026-11-02"},
    "veo/veo-3.1-fast-generate-preview": {"per_second": 0.15, "read_on": "2026-11-02"},
}
for _model, _price in env.json("AI_PRICES_OVERRIDE", default={}).items():
    AI_PRICES[_model] = _price
# Circuit breaker per provider and model (aigen.breaker), shared by every process through the
# cache (Redis): `failures` retryable failures (429, 5xx, timeouts) within `window_seconds`
# open it for `cooldown_seconds`; then one probe request decides. AI_BREAKER_OVERRIDE (JSON)
# sets any provider's values, e.g. {"gemini": {"failures": 3}}.
AI_BREAKER_ENABLED = env.bool("AI_BREAKER_ENABLED", default=True)
AI_BREAKER = {
    "default": {"failures": 5, "window_seconds": 60, "cooldown_seconds": 30},
    "veo": {"failures": 3, "window_seconds": 300, "cooldown_seconds": 120},
}
for _provider, _values in env.json("AI_BREAKER_OVERRIDE", default={}).items():
    AI_BREAKER[_provider] = {**AI_BREAKER.get(_provider, AI_BREAKER["default"]), **_values}
AI_PROVIDER_MAX_RETRIES = env.int("AI_PROVIDER_MAX_RETRIES", default=2)  # per provider call, on 429/5xx/timeout
AI_PROVIDER_BACKOFF_SECONDS = env.float("AI_PROVIDER_BACKOFF_SECONDS", default=1.0)
# A 429/503 whose Retry-After is longer than this is not retried: the chain moves on.
AI_PROVIDER_RETRY_AFTER_MAX_SECONDS = env.float("AI_PROVIDER_RETRY_AFTER_MAX_SECONDS", default=10.0)
AI_FETCH_MAX_BYTES = env.int("AI_FETCH_MAX_BYTES", default=20 * 1024 * 1024)  # provider image/video URLs
AI_FETCH_TIMEOUT_SECONDS = env.float("AI_FETCH_TIMEOUT_SECONDS", default=30)
AI_CACHE_ENABLED = env.bool("AI_CACHE_ENABLED", default=True)
AI_CACHE_TTL_SECONDS = env.int("AI_CACHE_TTL_SECONDS", default=60 * 60)
AI_RATE_LIMIT_ENABLED = env.bool("AI_RATE_LIMIT_ENABLED", default=True)
# A job still queued or running this long after it was created is failed and refunded; at
# least as long as its provider chain may take (aigen.registry.job_deadline_seconds).
AI_JOB_DEADLINE_SECONDS = {
    "story": env.int("AI_DEADLINE_STORY_SECONDS", default=5 * 60),
    "image": env.int("AI_DEADLINE_IMAGE_SECONDS", default=15 * 60),
    "video": env.int("AI_DEADLINE_VIDEO_SECONDS", default=60 * 60),
}
# POST /api/ai/generate-story answers 200 with the story when its job ends within this many
# seconds (waiting on Redis, holding no thread), else 202 with the job (`Prefer: respond-async`: at once).
AI_STORY_WAIT_SECONDS = env.float("AI_STORY_WAIT_SECONDS", default=25)
# A story's worker writes the streamed text to the job's live log at most this often.
AI_STREAM_FLUSH_SECONDS = env.float("AI_STREAM_FLUSH_SECONDS", default=0.1)
# The live log of a job (aigen.events) is kept this long after its last event.
AI_JOB_EVENTS_TTL_SECONDS = env.int("AI_JOB_EVENTS_TTL_SECONDS", default=60 * 60)
# Without Redis (the embedded default) async readers poll the file cache this often.
AI_JOB_EVENTS_POLL_SECONDS = env.float("AI_JOB_EVENTS_POLL_SECONDS", default=0.25)
# Redis connections one web process uses to read jobs' live logs for all its waiting requests
# and SSE streams (plus one subscriber): aigen.events' hub.
AI_EVENTS_REDIS_CONNECTIONS = env.int("AI_EVENTS_REDIS_CONNECTIONS", default=10)
# An SSE stream ends after this long (the browser reconnects with Last-Event-ID), with a comment
# line every AI_SSE_KEEPALIVE_SECONDS so proxies keep an idle stream open.
AI_SSE_MAX_SECONDS = env.float("AI_SSE_MAX_SECONDS", default=300)
AI_SSE_KEEPALIVE_SECONDS = env.float("AI_SSE_KEEPALIVE_SECONDS", default=15)
# The `local` provider streams its story in pieces of this many characters, one every this
# many seconds (0: all at once, like an instant provider).
AI_LOCAL_STREAM_CHUNK_CHARS = env.int("AI_LOCAL_STREAM_CHUNK_CHARS", default=48)
AI_LOCAL_STREAM_DELAY_SECONDS = env.float("AI_LOCAL_STREAM_DELAY_SECONDS", default=0.05)
# ffmpeg encodes (the local animatic) at once per worker process, whatever its pool's size.
AI_ENCODE_CONCURRENCY = env.int("AI_ENCODE_CONCURRENCY", default=os.cpu_count() or 1)
AI_TASK_MAX_ATTEMPTS = env.int("AI_TASK_MAX_ATTEMPTS", default=3)
AI_TASK_BACKOFF_SECONDS = env.float("AI_TASK_BACKOFF_SECONDS", default=5.0)  # doubles per attempt
AI_VEO_POLL_SECONDS = env.float("AI_VEO_POLL_SECONDS", default=10.0)
AI_VEO_CLIP_SECONDS = env.int("AI_VEO_CLIP_SECONDS", default=8)  # per beat: 4, 6 or 8 (Veo 3.1); billed per second
# The local animatic: frame size, seconds per beat, frames per second.
AI_LOCAL_VIDEO_SIZE = env("AI_LOCAL_VIDEO_SIZE", default="640x360")
AI_LOCAL_VIDEO_SECONDS_PER_BEAT = env.float("AI_LOCAL_VIDEO_SECONDS_PER_BEAT", default=3.0)
AI_LOCAL_VIDEO_FPS = env.int("AI_LOCAL_VIDEO_FPS", default=24)
AI_LOCAL_IMAGE_SIZE = env("AI_LOCAL_IMAGE_SIZE", default="768x432")

CELERY_TASK_ROUTES["aigen.tasks.story_*"] = {"queue": "text"}
CELERY_TASK_ROUTES["aigen.tasks.image_*"] = {"queue": "images"}
CELERY_TASK_ROUTES["aigen.tasks.video_*"] = {"queue": "video"}
CELERY_BEAT_SCHEDULE["aigen-sweep-stuck-jobs"] = {"task": "aigen.tasks.jobs_sweep_stuck", "schedule": 60}
# Scratch folders of jobs (aigen.scratch): under this root (default: <system temp>/modo-jobs);
# what a killed worker left behind is removed once older than AI_JOB_SCRATCH_MAX_AGE_HOURS.
AI_JOB_SCRATCH_DIR = env("AI_JOB_SCRATCH_DIR", default="")
AI_JOB_SCRATCH_MAX_AGE_HOURS = env.float("AI_JOB_SCRATCH_MAX_AGE_HOURS", default=24.0)
CELERY_BEAT_SCHEDULE["aigen-purge-job-scratch"] = {"task": "aigen.tasks.job_scratch_purge", "schedule": 60 * 60}
if CELERY_BROKER_URL != "filesystem://":
    # Redelivery after a worker died waits for this; keep it above the longest job.
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "GenerationJobStatusEnum": "aigen.models.GenerationJob.Status",
        "GenerationQualityEnum": "aigen.models.GenerationJob.Quality",
    }
)
