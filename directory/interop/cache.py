"""Built exports kept per process: answered from memory while nothing they show has changed.

An entry is reused while the database's fingerprint (records.fingerprint: counts and latest change
times, read from indexes) is the same and it is younger than INTEROP_CACHE_SECONDS, the same minute
a shared cache may keep an /api/ answer anyway. The age limit covers what the fingerprint cannot
see (a listing passing its expiry date, a meeting edited in place).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from . import records

T = TypeVar("T")


def cached(name: str, build: Callable[[], T]) -> T:
    """`build()`'s value, or the one kept under `name` while it is still current."""
    store: dict[str, tuple[Any, float, Any]] = current_app.extensions.setdefault("interop_cache", {})
    seconds = float(current_app.config["INTEROP_CACHE_SECONDS"])
    key = records.fingerprint()
    kept = store.get(name)
    now = time.monotonic()
    if kept is not None and kept[0] == key and now - kept[1] < seconds:
        value: T = kept[2]
        return value
    value = build()
    store[name] = (key, now, value)
    return value
