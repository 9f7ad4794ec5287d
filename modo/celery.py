"""The Celery app: queues `default`, `text`, `images`, `video` (I/O: provider waits) and `encode`
(CPU: ffmpeg), late acks, beat schedule from settings."""

import os

from celery import Celery
from kombu import Exchange, Queue

from observability.task_context import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modo.settings.local")

app = Celery("modo")
app.config_from_object("django.conf:settings", namespace="CELERY")
# One direct exchange per queue, routing key = queue name: workers scale per queue.
app.conf.task_queues = [
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in ("default", "text", "images", "video", "encode")
]
app.conf.task_default_exchange = "default"
app.conf.task_default_routing_key = "default"
app.autodiscover_tasks()
celery_signals_connect()  # request ids travel with tasks; worker logs carry them


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs) -> None:
    # The filesystem transport (embedded default) expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
