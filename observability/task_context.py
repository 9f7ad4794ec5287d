"""Celery: the request id travels with every task queued during a request, and worker logs
carry it (JSON or plain, like the web's) with one line per finished task.

before_task_publish puts the current request id in the message headers; task_prerun makes it
the worker's current id (a task queued outside a request, by beat for instance, uses its own
task id); task_postrun logs the task's line and restores what was there before. Eager tasks
(tests) run inside the request and simply keep its id.
"""

import logging
import time

from celery import signals

from .context import request_id_accept, request_id_bind, request_id_get, request_id_reset
from .logs import PLAIN_FORMAT, RequestIdFilter, json_formatter, log_format_resolve

MESSAGE_HEADER = "modo_request_id"
task_logger = logging.getLogger("modo.task")

_running: dict[str, tuple] = {}  # task id -> (contextvar token, start time)


def task_request_id_publish(headers=None, **kwargs) -> None:
    request_id = request_id_get()
    if request_id and headers is not None:
        headers.setdefault(MESSAGE_HEADER, request_id)


def task_request_id_restore(task_id=None, task=None, **kwargs) -> None:
    carried = request_id_accept(task.request.get(MESSAGE_HEADER)) if task is not None else None
    request_id = carried or request_id_get() or task_id
    _running[task_id] = (request_id_bind(request_id), time.perf_counter())


def task_request_id_clear(task_id=None, task=None, state=None, **kwargs) -> None:
    token, started = _running.pop(task_id, (None, None))
    if started is not None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        name = getattr(task, "name", "?")
        task_logger.info(
            "task %s %s %s in %sms",
            name,
            task_id,
            state,
            duration_ms,
            extra={"task": name, "task_id": task_id, "state": state, "duration_ms": duration_ms},
        )
    if token is not None:
        request_id_reset(token)


def worker_log_handlers_prepare(logger=None, **kwargs) -> None:
    """Celery set up the worker's handlers (its --logfile / --loglevel): give them the request
    id and the same format as the web's."""
    from django.conf import settings

    log_format = log_format_resolve(getattr(settings, "LOG_FORMAT", ""), debug=settings.DEBUG)
    for handler in logger.handlers if logger is not None else []:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(json_formatter() if log_format == "json" else logging.Formatter(PLAIN_FORMAT))


def celery_signals_connect() -> None:
    """Called once from modo/celery.py, before the worker sets up its logging."""
    signals.before_task_publish.connect(task_request_id_publish, weak=False, dispatch_uid="modo-request-id-publish")
    signals.task_prerun.connect(task_request_id_restore, weak=False, dispatch_uid="modo-request-id-restore")
    signals.task_postrun.connect(task_request_id_clear, weak=False, dispatch_uid="modo-request-id-clear")
    signals.after_setup_logger.connect(worker_log_handlers_prepare, weak=False, dispatch_uid="modo-worker-log")
    signals.after_setup_task_logger.connect(worker_log_handlers_prepare, weak=False, dispatch_uid="modo-task-log")
