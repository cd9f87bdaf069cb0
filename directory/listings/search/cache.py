"""Search results kept for a short while: the same search asked again is answered without the database.

Real traffic is a few places asked again and again. An entry is keyed by the normalised search, the public
data's version (data_version: it moves in the transaction of every publish, edit, pause or unpublish, so a
change is never hidden behind an entry) and the language, and lives SEARCH_CACHE_SECONDS (60; 0 turns the
cache off): that also bounds how far behind the clock a kept "next meeting" or a listing's freshness can be.

A search is stored only once it has been asked SEARCH_CACHE_MIN_USES times (2) within that time in this
process, as a CDN's "cache on second hit": most searches are asked once, and storing each (pickling a page
of results, a quarter of a millisecond) would cost them all and push the popular ones out of the cache.

In Redis when REDIS_URL is set (shared by every worker, cachelib's RedisCache), in this process's memory
otherwise (`ProcessCache`). A cache that fails is skipped: the search runs as if nothing were kept.

Parts of a search that do not depend on the place (the online list's count for the same filters) are kept
in each process, per data version, for as long (`kept_briefly`): a search asked once still shares them.
"""

from __future__ import annotations

import hashlib
import logging
import pickle  # nosec B403 - only this process's own values, never bytes from outside
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

from cachelib import BaseCache, RedisCache
from cachetools import TTLCache
from flask import current_app

from ... import data_version
from ...i18n import current_locale
from .params import SearchParams

logger = logging.getLogger(__name__)

T = TypeVar("T")
_EXTENSION = "search_cache"
_USES = "search_cache_uses"
# How many searches' uses each process counts, per entry the cache holds: a search asked again after more
# than this many others have been is counted afresh.
USES_COUNTED_PER_ENTRY = 4
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
            store = ProcessCache(int(current_app.config["SEARCH_CACHE_ENTRIES"]), seconds)
        current_app.extensions[_EXTENSION] = store
    return store


class ProcessCache(BaseCache):
    """At most `entries` searches for `seconds` each in this process, the least recently used going first.

    cachelib's SimpleCache sorted every entry on each `set` once full (0.15 ms a search at 2,000 entries,
    and varied traffic keeps it full); cachetools' TTLCache drops one entry in constant time. Values are
    kept pickled, as SimpleCache kept them: a caller's change never reaches the next one, and one bytes
    object per entry is nothing to the garbage collector, where the results themselves (some thousands of
    objects each) made every collection of the whole process slower.
    """

    def __init__(self, entries: int, seconds: int, clock: Callable[[], float] = time.monotonic):
        super().__init__(default_timeout=seconds)
        self._entries: TTLCache[str, Any] = TTLCache(maxsize=max(entries, 1), ttl=seconds, timer=clock)
        self._lock = threading.Lock()  # TTLCache is not thread-safe; a worker may run threads

    def get(self, key: str) -> Any:
        with self._lock:
            kept = self._entries.get(key)
        return None if kept is None else pickle.loads(kept)  # noqa: S301  # nosec B301 - our own bytes

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> bool:
        kept = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._entries[key] = kept
        return True

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._entries.pop(key, None) is not None

    def clear(self) -> bool:
        with self._lock:
            self._entries.clear()
        return True


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
    wanted = int(current_app.config["SEARCH_CACHE_MIN_USES"])
    if wanted > 1 and _uses(entry) < wanted:
        return value
    try:
        store.set(entry, value)
    except Exception:  # noqa: BLE001 - as above
        logger.warning("search cache unavailable", exc_info=True)
    return value


# Parts of a search every place asks alike (see kept_briefly).
_PARTS = data_version.KeptPerVersion("search parts", entries=256)


def kept_briefly(key: tuple[Any, ...], read: Callable[[], T]) -> T:
    """`read()`'s value, kept in this process for at most SEARCH_CACHE_SECONDS while the data version holds
    (read every time when the cache is off): a part of a search that does not depend on the place, such
    as the online list's count for the same filters, which searches near every town ask again. Like a
    kept search, it may lag the clock by that long (a listing a minute past its confirmation's limit
    still counted), never a change to the data."""
    seconds = int(current_app.config["SEARCH_CACHE_SECONDS"])
    if seconds <= 0:
        return read()
    # Entries are found by the stretch of time they were made in, so none is used past its seconds.
    return _PARTS.get((int(time.time() // seconds), *key), read)


def _uses(entry: str) -> int:
    """How many times this process has been asked this search, this time included, each within
    SEARCH_CACHE_SECONDS of the last (counted for the latest searches only, see USES_COUNTED_PER_ENTRY)."""
    counts: _Counts | None = current_app.extensions.get(_USES)
    if counts is None:
        counts = _Counts(int(current_app.config["SEARCH_CACHE_ENTRIES"]) * USES_COUNTED_PER_ENTRY,
                         int(current_app.config["SEARCH_CACHE_SECONDS"]))
        current_app.extensions[_USES] = counts
    return counts.add(entry)


class _Counts:
    """A count per key, each forgotten `seconds` after it last moved, the least recently counted first."""

    def __init__(self, entries: int, seconds: int) -> None:
        self._counts: TTLCache[str, int] = TTLCache(maxsize=max(entries, 1), ttl=max(seconds, 1))
        self._lock = threading.Lock()

    def add(self, key: str) -> int:
        with self._lock:
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        return count
