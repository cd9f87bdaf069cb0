"""Search results kept for a short while: the same search asked again is answered without the database.

Real traffic is a few places asked again and again. An entry is keyed by the normalised search, the public
data's version (data_version: it moves in the transaction of every publish, edit, pause or unpublish, so a
change is never hidden behind an entry) and the language, and lives SEARCH_CACHE_SECONDS (60; 0 turns the
cache off): that also bounds how far behind the clock a kept "next meeting" or a listing's freshness can be.

In Redis when REDIS_URL is set (shared by every worker), in this process's memory otherwise (cachelib's
RedisCache and SimpleCache). A cache that fails is skipped: the search runs as if nothing were kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from cachelib import BaseCache, RedisCache, SimpleCache
from flask import current_app

from ... import data_version
from ...i18n import current_locale
from .params import SearchParams

logger = logging.getLogger(__name__)

T = TypeVar("T")
_EXTENSION = "search_cache"
_SPACES = re.compile(r"\s+")


def _store() -> BaseCache | None:
    """This app's cache, made on first use; None when SEARCH_CACHE_SECONDS is 0."""
    seconds = int(current_app.config["SEARCH_CACHE_SECONDS"])
    if seconds <= 0:
        return None
    store: BaseCache | None = current_app.extensions.get(_EXTENSION)
    if store is None:
        url = current_app.config.get("REDIS_URL")
        prefix = current_app.config["SEARCH_CACHE_PREFIX"]
        if url:
            import redis

            store = RedisCache(host=redis.Redis.from_url(url), key_prefix=prefix, default_timeout=seconds)
        else:
            store = SimpleCache(threshold=int(current_app.config["SEARCH_CACHE_ENTRIES"]),
                                default_timeout=seconds)
        current_app.extensions[_EXTENSION] = store
    return store


def key(params: SearchParams, *options: Any) -> str:
    """The same search however it was typed (spaces, capitals in the keywords), in this language and this
    version of the data."""
    normal = replace(params, near=_SPACES.sub(" ", params.near.strip()),
                     q=_SPACES.sub(" ", params.q.strip().casefold()))
    parts = (data_version.current(), current_locale(), repr(normal), repr(params.vocabulary), options)
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def remembered(params: SearchParams, options: tuple[Any, ...], run: Callable[[], T]) -> T:
    """`run()`'s value for this search, from the cache when it is there (then kept for the next one)."""
    store = _store()
    if store is None:
        return run()
    entry = key(params, *options)
    try:
        kept: T | None = store.get(entry)
    except Exception:  # noqa: BLE001 - the cache is down: search as if nothing were kept
        logger.warning("search cache unavailable", exc_info=True)
        return run()
    if kept is not None:
        return kept
    value = run()
    try:
        store.set(entry, value)
    except Exception:  # noqa: BLE001 - as above
        logger.warning("search cache unavailable", exc_info=True)
    return value
