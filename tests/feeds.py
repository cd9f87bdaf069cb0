"""A real HTTP server on 127.0.0.1 that serves feeds from a dict, for the importer's tests.

`server.routes[path] = (status, content_type, body)`; a body may be a callable (run per request: to
sleep, or to count). `server.url(path)` is the address to give the importer.
"""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .support import serve_in_thread, stop_serving

Route = tuple[int, str, Any]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                hits.append(self.path)
                path = self.path.split("?", 1)[0]
                status, content_type, body = routes.get(self.path) or routes.get(
                    path, (404, "text/html", b"<html><body>Not found</body></html>"))
                if isinstance(body, Callable):
                    body = body()
                if isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                if status in (301, 302, 303, 307, 308):
                    self.send_header("Location", content_type)
                    body = b""
                else:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> FeedServer:
        self.thread = serve_in_thread(self.server)
        return self

    def __exit__(self, *exc: object) -> None:
        stop_serving(self.server, self.thread)
