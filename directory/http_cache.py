"""Public pages a browser, a proxy or a CDN may keep: ETags from the data version, 304s, Cache-Control.

A view marked `@public_page` answers an anonymous GET or HEAD with a weak ETag, a digest of what the page is
made of: the public data's version (data_version), the language, the path and query, the site's own files
(templates, catalogues, code) and a five-minute clock (pages say when a group next meets, and which
listings are fresh). A request whose If-None-Match names it is answered 304 without running the view; a
publish, edit or unpublish moves the version, so the next request gets the new page.

The page may be kept for a minute, and served a little longer while it is asked for again, only when it is
the same for everyone: a 200 that sets no cookie, shows no flashed message and changes no session. Anything
else it answers is `private, no-store`. Signed-in visitors are never given an ETag or public caching
(security.py sends them no-store, as for every signed-in page); forms with a CSRF token live on pages
that are not marked.

Each process also keeps the last KEPT_PAGES public answers by their ETag and gives them again without running
the view: what a shared cache in front would do, but never stale, since the ETag names the data's version.
A kept answer also keeps its compressed bodies, one per Accept-Encoding a browser sent (a few browsers
send a few strings), so a page is compressed once, not on every request. A request without a cookie is
answered earlier still, before Flask, by `http_front`, from the answers this module offers it.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, request, session
from flask.wrappers import Request, Response
from flask_login import current_user

from . import data_version, http_front
from .extensions import db, limiter
from .i18n import LANG_COOKIE, current_locale, url_language

PUBLIC = "public, max-age=60, stale-while-revalidate=300"
UNCACHED = "private, no-store"
# How long a page's ETag holds at most while the data stays the same.
CLOCK_SECONDS = 300
_TAG = "_public_page_etag"
_KEEP = "_public_page_keep"
_NOTE = "_public_page_note"
_ENCODE = "_public_page_encode"  # the kept answer this request's compressed body goes with
_FRONT = "_public_page_front"  # a view that does nothing per request: its answer may be kept before Flask
# Compressed bodies kept per answer: one per Accept-Encoding string seen, at most this many.
ENCODINGS_KEPT = 4
# A kept answer larger than this is made again each time.
KEPT_PAGE_BYTES = 256 * 1024
_FLASHES = "_flashes"
_BUILD = "build_tag"  # the app's: its files' digest
_KEEPING = threading.Lock()  # gunicorn's threaded workers share a process's kept answers

View = TypeVar("View", bound=Callable[..., Any])


Replay = Callable[[Any, Response], Any]


def public_page(view: View) -> View:
    """Mark a view whose anonymous answers are the same for everyone with the same URL and language, and
    that does nothing else: an answer is kept and given again while its ETag holds."""
    return _marked(view, reads_data=True)


def public_page_replaying(replay: Replay) -> Callable[[View], View]:
    """`public_page` for a view that also does something for each request (the search counts searches):
    what it noted (`note_for_replay`) is kept with the answer, and `replay(note, response)` runs when the
    kept answer is given again."""
    def mark(view: View) -> View:
        return _marked(view, reads_data=True, replay=replay)
    return mark


def note_for_replay(note: Any) -> None:
    setattr(g, _NOTE, note)


def text_page(view: View) -> View:
    """`public_page` for a page that shows no data (about, privacy): its version is the site's files."""
    return _marked(view, reads_data=False)


def _marked(view: View, *, reads_data: bool, replay: Replay | None = None) -> View:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # Every public page passes here: the request, g and the app are looked up once, not per use.
        asked: Request = request._get_current_object()  # type: ignore[attr-defined]
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        held = g._get_current_object()
        if asked.method not in ("GET", "HEAD") or _signed_in():
            return view(*args, **kwargs)
        if _FLASHES in session:  # a message shown once: this answer is this browser's alone
            setattr(held, _TAG, "")
            return view(*args, **kwargs)
        tag = page_tag(reads_data)
        setattr(held, _TAG, tag)
        if replay is None:
            setattr(held, _FRONT, "data" if reads_data else "text")
        if "HTTP_IF_NONE_MATCH" in asked.environ and asked.if_none_match.contains_weak(tag):
            return app.response_class(status=304)
        kept = _kept(app).get(tag)
        if kept is not None:
            response = kept.response(app, asked.headers.get("Accept-Encoding", ""))
            if "Content-Encoding" not in response.headers:  # compressed after: the body is kept with it
                setattr(held, _ENCODE, kept)
            if replay is not None:
                replay(kept.note, response)
            return response
        setattr(held, _KEEP, True)
        return view(*args, **kwargs)

    return cast(View, wrapper)


class Kept:
    """A public answer as the view made it, and its compressed bodies by the Accept-Encoding asked with."""

    __slots__ = ("body", "headers", "note", "encoded")

    def __init__(self, body: bytes, headers: list[tuple[str, str]], note: Any) -> None:
        self.body, self.headers, self.note = body, headers, note
        self.encoded: dict[str, tuple[str, bytes]] = {}  # Accept-Encoding -> (Content-Encoding, body)

    def response(self, app: Flask, accepted: str) -> Response:
        encoded = self.encoded.get(accepted)
        if encoded is None:
            return app.response_class(self.body, 200, self.headers)
        # Already compressed: the compression hook leaves an answer with a Content-Encoding alone.
        response = app.response_class(encoded[1], 200, self.headers)
        response.headers["Content-Encoding"] = encoded[0]
        return response

    def note_encoded(self, accepted: str, response: Response) -> None:
        encoding = response.headers.get("Content-Encoding")
        if not encoding or response.is_streamed or response.status_code != 200:
            return
        with _KEEPING:
            if len(self.encoded) < ENCODINGS_KEPT:
                self.encoded[accepted] = (encoding, response.get_data())


def _kept(app: Flask) -> OrderedDict[str, Kept]:
    """This process's answers, by ETag: the latest KEPT_PAGES."""
    store: OrderedDict[str, Kept] = app.extensions.setdefault("kept_pages", OrderedDict())
    return store


def _keep(tag: str, response: Response) -> Kept | None:
    if response.direct_passthrough or response.is_streamed:
        return None
    body = response.get_data()
    if len(body) > KEPT_PAGE_BYTES:
        return None
    entry = Kept(body, [(name, value) for name, value in response.headers.items()
                        if name not in ("Set-Cookie", "Content-Length")], g.pop(_NOTE, None))
    store = _kept(current_app._get_current_object())  # type: ignore[attr-defined]
    with _KEEPING:
        store[tag] = entry
        store.move_to_end(tag)
        while len(store) > int(current_app.config["KEPT_PAGES"]):
            store.popitem(last=False)
    return entry


def page_tag(reads_data: bool = True) -> str:
    """This request's page version. The data version is read first, before the view reads the data."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    asked: Request = request._get_current_object()  # type: ignore[attr-defined]
    parts = (
        _build_tag_of(app),
        str(data_version.current()) if reads_data else "-",
        current_locale(),
        asked.path,
        asked.query_string.decode("latin-1"),
        str(int(time.time() // CLOCK_SECONDS)),
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def _build_tag_of(app: Flask) -> str:
    """`build_tag` of this app's folders, kept by the app: every public page asks."""
    tag: str | None = app.extensions.get(_BUILD)
    if tag is None:
        tag = build_tag(app.root_path, str(app.template_folder), str(app.static_folder))
        app.extensions[_BUILD] = tag
    return tag


@lru_cache(maxsize=4)
def build_tag(package: str, templates: str, static: str) -> str:
    """A digest of the files a page is made from, read once per process: a new release is a new page
    (static files count too: pages link them by a fingerprint of their content)."""
    digest = hashlib.blake2b(digest_size=12)
    for folder, suffixes in ((templates, (".html", ".txt")), (package, (".py", ".mo")),
                             (static, (".css", ".js", ".svg"))):
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(suffixes):
                    path = Path(root, name)
                    digest.update(str(path.relative_to(folder)).encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def register_kept_encodings(app: Flask) -> None:
    """Before assets: after-request hooks run last-registered first, and this one must see the body the
    compression made."""

    @app.after_request
    def keep_compressed(response: Response) -> Response:
        kept: Kept | None = g.pop(_ENCODE, None)
        if kept is not None and response.headers.get("Cache-Control") == PUBLIC:
            kept.note_encoded(request.headers.get("Accept-Encoding", ""), response)
        return response


def register_http_cache(app: Flask) -> None:
    """After assets (compression must see what this decides) and before nothing that sets Cache-Control;
    before security too, whose proxy fix must wrap the front so that the front keys on the real host."""
    http_front.install(app, CLOCK_SECONDS, KEPT_PAGE_BYTES)

    @app.after_request
    def public_or_private(response: Response) -> Response:
        held = g._get_current_object()
        tag = held.pop(_TAG, None)
        if tag is None:
            return response
        chosen = url_language()
        if tag and (response.status_code == 304 or _same_for_everyone(response, chosen)):
            if held.pop(_KEEP, False) and app.config["KEPT_PAGES"]:
                # Before the headers every answer gets (they are added again).
                kept = _keep(tag, response)
                if kept is not None:
                    setattr(held, _ENCODE, kept)
            front = held.pop(_FRONT, None)
            if front and response.status_code == 200:
                _offer_to_front(app, reads_data=front == "data")
            response.set_etag(tag, weak=True)
            response.headers["Cache-Control"] = PUBLIC
            # A signed-in visitor's cookie gets another page at the same address, and without a language
            # in the URL another browser's language may too.
            response.vary.update(("Cookie",) if chosen else ("Cookie", "Accept-Language"))
        else:
            response.headers["Cache-Control"] = UNCACHED
        return response


def _offer_to_front(app: Flask, *, reads_data: bool) -> None:
    """Let http_front keep this answer for cookie-less requests, unless a rate limit counted the request
    (the front would answer without counting). A page that shows no data holds without a version."""
    if app.config["KEPT_PAGES"] and not limiter.current_limits:
        version = data_version.current() if reads_data else None
        request.environ[http_front.OFFERED] = (version, db.engine)


def _same_for_everyone(response: Response, chosen: str | None) -> bool:
    """`chosen`: the language the URL names, if any."""
    # The visitor was not signed in when the view began (the wrapper checked); signing in or out in the
    # view changes the session, checked below.
    if response.status_code != 200 or "Set-Cookie" in response.headers:
        return False
    if "no-store" in response.headers.get("Cache-Control", ""):
        return False
    if session.modified or _FLASHES in session:
        return False
    # A language chosen in the URL is remembered in a cookie (i18n.remember_choice) when it is new.
    return not (chosen and request.cookies.get(LANG_COOKIE) != chosen)


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # noqa: BLE001 - no user can be loaded (the database is down): not signed in
        return False
