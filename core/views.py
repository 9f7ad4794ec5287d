"""Probes for load balancers, and the JSON 404/500 pages of the API."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views.defaults import page_not_found, server_error
from django.views.i18n import set_language
from kombu import Connection

from .api import json_error_response

logger = logging.getLogger(__name__)


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the footer's switcher), except that an unknown language code is a
    clear 400 instead of a silent redirect in the old language."""
    code = request.POST.get("language", "") if request.method == "POST" else ""
    if request.method == "POST" and code not in dict(settings.LANGUAGES):
        choices = ", ".join(dict(settings.LANGUAGES))
        message = gettext("Unknown language. Choose one of: %(choices)s.") % {"choices": choices}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    if request.method == "POST" and request.user.is_authenticated:
        # Saved on the person too: emails sent later by background jobs are written in it.
        request.user._meta.model._default_manager.filter(pk=request.user.pk).update(language=code)
    return set_language(request)


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


def _database_ready() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_ready() -> None:
    cache.set("readyz", "1", timeout=5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not return what was written")


def _broker_ready() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=2,
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


_CHECKS = {"database": _database_ready, "cache": _cache_ready, "broker": _broker_ready}


def readyz(request: HttpRequest) -> JsonResponse:
    """Database, cache and broker answer; 503 naming the ones that did not."""
    failed = {}
    for name, check in _CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means not ready; say which and why
            logger.warning("readyz: %s not reachable: %s", name, exc)
            failed[name] = exc.__class__.__name__
    if failed:
        return JsonResponse({"status": "unavailable", "failed": sorted(failed), "errors": failed}, status=503)
    return JsonResponse({"status": "ok", "checks": {name: "ok" for name in _CHECKS}})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return json_error_response(gettext("Not found."), "NOT_FOUND", 404)
    return page_not_found(request, exception, template_name="errors/404.html")


def server_failure(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_error_response(gettext("Something went wrong on our side."), "SERVER_ERROR", 500)
    return server_error(request, template_name="errors/500.html")
