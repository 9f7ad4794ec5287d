"""MODO's ASGI application: Django's ASGI handler, with synchronous views served in one hop.

Django's own ASGI handler runs a synchronous request as a relay between the event loop and a
thread created for that request: the request_started signal, the middleware chain, the view,
the response's close, each a hop of its own (six or so), under one interpreter lock per
process. On the studio's traffic that cost about 50 % more web CPU than a threaded WSGI server
and, at 250 users per core, waits of up to a second between hops on a half-idle core.

Here a request to a synchronous view is read by the event loop, then handled start to end in
one call on a fixed pool of WEB_THREADS threads (middleware, view, signals: Django's synchronous
handler, as under WSGI), then written by the event loop. A request to an async view would take
Django's own path; MODO has none. Its two views that wait (a story within
AI_STORY_WAIT_SECONDS, a job's event stream) are synchronous views whose waiting part runs on
the event loop after the chain: a stream as an async iterator (Django sends it), a story as the
response's `finish_on_event_loop` (respond_later below). A waiting request holds no thread.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, ASGIRequest, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.db import close_old_connections, connections
from django.http import FileResponse
from django.urls import Resolver404, URLResolver, get_resolver, set_script_prefix


def web_threads() -> int:
    """Threads per web process for synchronous views (WEB_THREADS, default 8): enough to keep a
    core busy while some of them wait on PostgreSQL or Redis, no more than the process's database
    pool (DATABASE_POOL_MAX_SIZE, gunicorn.conf.py) so that none waits for a connection."""
    return int(os.environ.get("WEB_THREADS", "8"))


class ModoASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()  # the async middleware chain, for the async views
        self._sync = BaseHandler()
        self._sync.load_middleware(is_async=False)
        self._threads = ThreadPoolExecutor(max_workers=web_threads(), thread_name_prefix="web")
        self._respond_in_thread = sync_to_async(self._respond, thread_sensitive=False, executor=self._threads)
        self._close_in_thread = sync_to_async(self._close, thread_sensitive=False, executor=self._threads)
        # Resolving a path costs as much as a small view (Django builds the list of patterns
        # tried); with no async view in the URLconf there is nothing to decide per request.
        self._any_async_view = any(iscoroutinefunction(callback) for callback in _views(get_resolver()))

    async def handle(self, scope, receive, send):
        if self._any_async_view and self._view_is_async(scope):
            return await super().handle(scope, receive, send)
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:  # the client left before its body arrived
            return
        response = await self._respond_in_thread(scope, body_file)
        finish = getattr(response, "finish_on_event_loop", None)
        try:
            if finish is None and not response.streaming:
                await self.send_response(response, send)
            else:  # it waits: a client that leaves meanwhile ends the wait (and nothing else)
                await self._until_disconnect(self._finish_and_send(finish, response, send), receive)
        finally:
            if response.streaming:
                await self._close_in_thread(response)
            body_file.close()

    async def _finish_and_send(self, finish, response, send):
        if finish is not None:
            await finish()
        await self.send_response(response, send)

    async def _until_disconnect(self, work, receive):
        answer, listener = asyncio.create_task(work), asyncio.create_task(self.listen_for_disconnect(receive))
        done, pending = await asyncio.wait((answer, listener), return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if listener in done:
            listener.exception()  # RequestAborted, the client left: taken, so asyncio logs nothing
        if answer in done:
            answer.result()  # an error while answering is raised, not swallowed

    def _respond(self, scope, body_file):
        """The whole synchronous request in one thread, as Django's WSGI handler does it."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            request.finishes_on_event_loop = True  # respond_later may defer the wait to the loop
            response = self._sync.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if response.streaming:
            # Streamed from the event loop after this returns (a file, for one): its database
            # connections go back to the pool now, the rest (request_finished) once it is sent.
            close_old_connections()
        else:
            self._close(response)  # the body is in memory: request_finished here, in this thread
        return response

    @staticmethod
    def _close(response):
        response.close()

    @staticmethod
    def _view_is_async(scope) -> bool:
        script_prefix = get_script_prefix(scope)
        path = scope["path"].removeprefix(script_prefix) if script_prefix else scope["path"]
        try:
            match = get_resolver().resolve(path)
        except Resolver404:
            return False
        return iscoroutinefunction(match.func)


def _views(resolver):
    """Every view of a URLconf, included ones too."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern)
        else:
            yield pattern.callback


def respond_later(request, response, finish):
    """Answer `response` once the coroutine function `finish` has completed it in place (its
    status, content and headers; the middleware already ran on it). Under ModoASGIHandler,
    `finish` runs on the event loop after the middleware chain, so the wait holds no thread;
    elsewhere (WSGI, the test client, Django's own ASGI handler) it runs here, in the request's
    thread, before the middleware's response phase."""
    if getattr(request, "finishes_on_event_loop", False):
        response.finish_on_event_loop = finish
        return response
    if isinstance(request, ASGIRequest):
        # Django's own ASGI handler: this thread is the request's alone, its connections could
        # never serve another request; they go back (to the pool) before the wait, not after.
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()
    async_to_sync(finish)()
    return response
