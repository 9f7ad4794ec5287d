"""What a Celery worker that calls providers does as it starts (connected in AigenConfig.ready)."""

import logging

from .registry import providers_preload

logger = logging.getLogger(__name__)

# The queues whose jobs call providers, and the kinds of entries they serve.
PROVIDER_QUEUES = {"text": "text", "images": "image", "video": "video", "encode": "video"}


def worker_providers_preload(sender, **kwargs) -> None:
    """celery's worker_ready: import the SDKs this worker's queues will call, before its first
    job rather than during it (registry.providers_preload)."""
    consumed = set(sender.app.amqp.queues.consume_from or sender.app.amqp.queues)
    kinds = {kind for queue, kind in PROVIDER_QUEUES.items() if queue in consumed}
    if kinds:
        logger.info("providers loaded for %s: %s", ", ".join(sorted(kinds)), ", ".join(providers_preload(kinds)))
