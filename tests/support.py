"""What the tests need from the machine, and how a missing piece is reported.

Outside CI a missing browser, corpus or database skips with a reason; with CI=true it fails, so a
green CI run always means the whole suite ran.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from socketserver import BaseServer
from typing import Any

import pytest
from sqlalchemy import event

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # One renderer process for all of a browser's pages and the GPU's work in the browser's own process:
    # the suite is short of processor time on two cores, and fewer processes spend less of it.
    "--renderer-process-limit=1",
    "--in-process-gpu",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str):
    """Skip here, fail in CI."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def corpus_path(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        missing(f"bad-input corpus not found at ../shared/corpora/{'/'.join(parts)}")
    return path


def corpus_lines(*parts: str) -> list[str]:
    """A payload list: UTF-8, one entry a line, blank lines skipped."""
    text = corpus_path(*parts).read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def blns() -> list[str]:
    return json.loads(corpus_path("blns", "blns.json").read_text(encoding="utf-8"))


def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


# How often a served test server looks for its stop: serve_forever's default of half a second made every
# test that stops one wait for it.
STOP_POLL_SECONDS = 0.02


def serve_in_thread(server: BaseServer) -> threading.Thread:
    """Start serving `server` in a daemon thread; `stop_serving` ends it."""
    thread = threading.Thread(target=server.serve_forever, args=(STOP_POLL_SECONDS,), daemon=True)
    thread.start()
    return thread


def stop_serving(server: BaseServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@contextmanager
def serving(server: BaseServer) -> Iterator[BaseServer]:
    """The server served in a thread while the block runs."""
    thread = serve_in_thread(server)
    try:
        yield server
    finally:
        stop_serving(server, thread)


def calls_to(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[tuple[Any, ...]]:
    """The positional arguments of every call to `owner.name` from now on (the calls still run); the list
    fills as they come."""
    calls: list[tuple[Any, ...]] = []
    real = getattr(owner, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls


@contextmanager
def statements_run() -> Iterator[list[tuple[str, Any]]]:
    """Every statement the app's engine runs inside the block, with its parameters, in order (an app
    context is needed). The list fills as they run."""
    from directory.extensions import db

    engine, seen = db.engine, []

    def note(_connection, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
