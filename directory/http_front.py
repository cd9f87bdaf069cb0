"""Public pages answered before Flask: for a request that carries no cookie, the whole answer as it left.

A cookie-less GET (a first visit, a crawler, a shared cache in front) cannot be signed in, carries no
flashed message and no chosen language: the answer to it depends only on the address, the language the
browser asks for, the compression it accepts, and the data's version and five-minute clock that the page's
ETag names (`http_cache.page_tag`). Flask marks such an answer when it is public, was answered by a view
that does nothing per request (`public_page`, `text_page`; not the search, which counts searches) and was
counted against no rate limit (the API's shared limit must see every request); this front keeps it, every
header and the compressed body included, and gives it again without a request context, a user lookup or a
template: one read of the data version and a dictionary lookup.

A request with a cookie, a conditional request (If-None-Match, If-Modified-Since, Range) or any other method
goes to Flask, where the kept pages of `http_cache` still spare it the view.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from . import data_version

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Set by http_cache on a request whose answer Flask found the same for everyone: (data version, engine);
# the version is None for a page that shows no data.
OFFERED = "directory.front_offered"
# Request headers that make another answer at the same address; a request with any of them is not answered.
_PASSED_ON = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
              "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE")
# What a kept answer may vary on: the key below holds each of them (a cookie-less request has no Cookie).
_VARIES_ON = frozenset(("cookie", "accept-language", "accept-encoding"))
STORE = "kept_front"


class Answer:
    __slots__ = ("status", "headers", "body", "version", "clock", "engine")

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, version: int | None,
                 clock: int, engine: Engine) -> None:
        self.status, self.headers, self.body = status, headers, body
        self.version, self.clock, self.engine = version, clock, engine


class KeptFront:
    """WSGI middleware in front of Flask's own `wsgi_app`, holding the latest KEPT_PAGES answers."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp, clock_seconds: int, largest: int) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.clock_seconds = clock_seconds
        self.largest = largest  # bytes: a larger answer is made again each time
        self.lock = threading.Lock()

    @property
    def answers(self) -> OrderedDict[tuple[str, ...], Answer]:
        """Kept with the app's other answers (`http_cache`'s), so whoever drops those drops these."""
        store: OrderedDict[tuple[str, ...], Answer] | None = self.app.extensions.get(STORE)
        if store is None:  # not setdefault: every request asks, and would build an empty one to throw away
            store = self.app.extensions.setdefault(STORE, OrderedDict())
        return store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        key = request_key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        answer = self.answers.get(key)
        if answer is not None:
            if self._still_holds(answer):
                start_response(answer.status, list(answer.headers))
                return [answer.body]
            with self.lock:
                self.answers.pop(key, None)
        return self._through_flask(key, environ, start_response)

    def _still_holds(self, answer: Answer) -> bool:
        if int(time.time() // self.clock_seconds) != answer.clock:
            return False
        if answer.version is None:
            return True
        version = data_version.read_from(answer.engine)
        return version is not None and version == answer.version

    def _through_flask(self, key: tuple[str, ...], environ: dict[str, Any],
                       start_response: Callable[..., Any]) -> Iterable[bytes]:
        started: list[Any] = []

        def noting_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return start_response(status, headers, exc_info)

        served = self.wsgi_app(environ, noting_start_response)
        offered = environ.pop(OFFERED, None)
        if offered is None or not started or not _keepable(*started):
            return served
        try:
            body = b"".join(served)
        finally:
            close = getattr(served, "close", None)
            if close is not None:
                close()
        if len(body) <= self.largest:
            version, engine = offered
            answer = Answer(started[0], list(started[1]), body, version,
                            int(time.time() // self.clock_seconds), engine)
            answers = self.answers
            with self.lock:
                answers[key] = answer
                answers.move_to_end(key)
                while len(answers) > int(self.app.config["KEPT_PAGES"]):
                    answers.popitem(last=False)
        return [body]


def request_key(environ: dict[str, Any]) -> tuple[str, ...] | None:
    """What the answer to a cookie-less GET is made from, or None for a request this front passes on."""
    if environ.get("REQUEST_METHOD") != "GET" or any(name in environ for name in _PASSED_ON):
        return None
    return (
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}",
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        environ.get("HTTP_ACCEPT_ENCODING", ""),
    )


def _keepable(status: str, headers: list[tuple[str, str]]) -> bool:
    """Flask offered it; check the answer as it left too (a later hook may have set a cookie)."""
    if not status.startswith("200"):
        return False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie":
            return False
        if lowered == "vary" and not {part.strip().lower() for part in value.split(",")} <= _VARIES_ON:
            return False
    return True


def install(app: Flask, clock_seconds: int, largest: int) -> None:
    """Flask's documented way to add middleware: wrap `app.wsgi_app`. The clock and the largest answer are
    http_cache's, so that both keep the same answers for the same time."""
    app.wsgi_app = KeptFront(app, app.wsgi_app, clock_seconds, largest)  # type: ignore[method-assign]
