"""Reading a source over the network without letting it reach what it should not.

Only http and https; every address a name resolves to must be public (no private, loopback,
link-local, reserved or multicast address) unless SOURCES_ALLOW_PRIVATE is set, and each redirect
is checked the same way before it is followed, at most SOURCES_MAX_REDIRECTS of them. A slow server
meets SOURCES_FETCH_TIMEOUT; a body larger than SOURCES_MAX_BYTES is refused while it is read.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from flask import current_app

from ...i18n import gettext

CHUNK = 64 * 1024


class FetchError(Exception):
    """The source could not be read; the message says why, in words its owner can act on."""


@dataclass(frozen=True)
class Fetched:
    body: bytes
    content_type: str
    url: str


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def check_url(url: str) -> str:
    """The URL, if it is one the site may fetch; FetchError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise FetchError(gettext("Only http:// and https:// addresses can be read."))
    if not parts.hostname:
        raise FetchError(gettext("That address has no host name."))
    if parts.username or parts.password:
        raise FetchError(gettext("Addresses with a user name or password in them are not accepted."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise FetchError(gettext("That address has an invalid port.")) from error
    if not current_app.config["SOURCES_ALLOW_PRIVATE"]:
        try:
            answers = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as error:
            raise FetchError(gettext("The host %(host)s could not be found.", host=parts.hostname)) from error
        for answer in answers:
            address = ipaddress.ip_address(str(answer[4][0]).split("%")[0])
            if not address.is_global or address.is_multicast:
                raise FetchError(gettext("%(host)s is a private or local address; only public servers can "
                                         "be read.", host=parts.hostname))
    return url.strip()


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an address check_url accepts, and only so many times."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.followed = 0

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        self.followed += 1
        if self.followed > self.limit:
            raise FetchError(gettext("The address redirected more than %(num)s times.", num=self.limit))
        check_url(urljoin(req.full_url, newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, accept: str = "application/json") -> Fetched:
    """GET the URL under the rules above; FetchError (never another exception) when it fails."""
    config = current_app.config
    limit = int(config["SOURCES_MAX_BYTES"])
    opener = urllib.request.build_opener(_CheckedRedirects(int(config["SOURCES_MAX_REDIRECTS"])))
    request = urllib.request.Request(  # noqa: S310 - check_url allows http and https only
        check_url(url), headers={"Accept": accept, "User-Agent": f"{config['SITE_NAME']} importer"})
    try:
        with opener.open(request, timeout=float(config["SOURCES_FETCH_TIMEOUT"])) as response:  # nosec B310
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError(gettext("The file is larger than %(size)s.", size=_megabytes(limit)))
            body = _read_limited(response, limit)
            return Fetched(body, response.headers.get("Content-Type", ""), response.geturl())
    except FetchError:
        raise
    except urllib.error.HTTPError as error:
        raise FetchError(gettext("The server answered %(code)s %(reason)s.", code=error.code,
                                   reason=error.reason)) from error
    except urllib.error.URLError as error:
        reason: Any = error.reason
        if isinstance(reason, FetchError):
            raise reason from error
        if isinstance(reason, TimeoutError | socket.timeout):
            raise FetchError(gettext("The server took too long to answer.")) from error
        raise FetchError(gettext("The server could not be reached (%(reason)s).", reason=reason)) from error
    except TimeoutError as error:
        raise FetchError(gettext("The server took too long to answer.")) from error
    except (OSError, ValueError) as error:
        raise FetchError(gettext("The address could not be read (%(error)s).",
                                 error=error.__class__.__name__)) from error


def _read_limited(response: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise FetchError(gettext("The file is larger than %(size)s.", size=_megabytes(limit)))
        chunks.append(chunk)
