"""What a visitor's browser downloads: compressed where that is safe, and static files cached for good.

People search from weak phone signals. The search page, its stylesheets and its scripts come to about
150 KB as written and 30 KB compressed, and on a later visit none of the static files needs asking for
again: every link to one carries a fingerprint of its content (`?v=`), and a request that names the
current fingerprint may be kept for a year, since a changed file gets a new address.

Pages marked `no-store` (anything signed in, see security.py) are never compressed: they carry a CSRF
token beside text the visitor controls (a search's words), which is what BREACH needs to read the
token from the compressed length.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, Response, request
from flask_compress import Compress

compress = Compress()

# Text worth compressing; images and fonts are compressed already.
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                    "image/svg+xml", "text/calendar", "text/plain"]
FOREVER = "public, max-age=31536000, immutable"


def register_assets(app: Flask) -> None:
    """Call before security's headers are registered: after-request hooks run last-registered first,
    and the compression must see the `no-store` those headers set."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config["COMPRESS_REGISTER"] = False  # cache_or_compress decides instead
    # Compressing a stream replaces it, and the file behind it is then closed only when collected;
    # static files are read whole instead (the largest is under 150 KB).
    app.config["COMPRESS_STREAMS"] = False
    compress.init_app(app)

    @app.url_defaults
    def fingerprint_static_links(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_or_compress(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code == 200:
            wanted = request.args.get("v")
            filename = (request.view_args or {}).get("filename", "")
            if wanted and wanted == fingerprint(app.static_folder, filename):
                response.headers["Cache-Control"] = FOREVER
            if response.mimetype in COMPRESSED_TYPES:
                response.direct_passthrough = False
                response.make_sequence()  # the file is read, and closed with the response
        if "no-store" in response.headers.get("Cache-Control", ""):
            return response
        return compress.after_request(response)


def fingerprint(folder: str | None, filename: str) -> str | None:
    """The first 12 hex digits of a static file's SHA-256 (None when there is no such file)."""
    if not folder or not filename:
        return None
    path = _inside(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1024)
def _inside(folder: str, filename: str) -> str | None:
    """The file's real path when it lies inside the folder, else None. Resolving links asks the disk at
    every step, and a page names its static files a dozen times: each name is resolved once."""
    path = os.path.realpath(os.path.join(folder, filename))
    return path if path.startswith(os.path.realpath(folder) + os.sep) else None


@lru_cache(maxsize=256)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    """Read once per version of a file: its time and size are part of the cache key."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]
