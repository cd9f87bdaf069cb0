"""Security headers on every response, no caching of signed-in pages, and which proxies to believe."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

# Map tiles are the one thing fetched from another host, and only after the visitor asks for the map.
TILE_HOSTS = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: {TILE_HOSTS}",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ]
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # A page that set its own frame-ancestors (only /embed) may be framed; X-Frame-Options has no
        # "allow" value, so it is left off there.
        if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
            headers.setdefault("X-Frame-Options", "DENY")
        # Following a link out must not tell the other site which listing (addiction, divorce...) was read.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("PRODUCTION"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Static files are the same for everyone: no user lookup, and the browser may cache them.
        is_static = request.endpoint == "static"
        if not is_static and (_is_signed_in() or request.path.startswith(("/account", "/admin", "/my"))):
            headers["Cache-Control"] = "no-store"
        return response


def _is_signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # noqa: BLE001 - no user context (e.g. a failed request) means not signed in
        return False


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, read the visitor's address, scheme and host from the
    X-Forwarded-* values those proxies add (the last ones: earlier values are whatever the client
    sent). Rate limits count per address, so without this every visitor would share the proxy's.
    Off by default: a site reached directly must not believe headers any client can send."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to add middleware
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
