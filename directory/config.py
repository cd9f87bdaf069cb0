"""Configuration: defaults, then the environment, then explicit overrides (tests)."""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULTS: dict[str, Any] = {
    "SITE_NAME": "Men's Support Directory",
    "CRISIS_LINE": "In crisis? In the US call or text 988.",
    "CRISIS_TEL": None,  # the number the crisis line's "Call" link dials; 988 when the line mentions it
    # The site's languages (each needs a catalogue in directory/translations/), the default first.
    "LANGUAGES": ("en", "es"),
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SQLITE_BUSY_TIMEOUT_MS": 15000,  # how long a SQLite writer waits for the lock before a 503
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_NAME": "remember_token",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    # Flask's default is 31 days.
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": False,
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_USE_TLS": False,
    "MAIL_TIMEOUT": 10,  # seconds a mail server may take to answer
    # The outbox (outbox.py): a message that keeps failing is given up this long after it was written,
    # and one whose send was interrupted (the worker died mid-send) is set aside after this many minutes.
    "MAIL_GIVE_UP_HOURS": 48,
    "OUTBOX_RETENTION_DAYS": 30,
    "MAIL_SENDING_LEASE_MINUTES": 10,
    "MAIL_SENDER": "Men's Support Directory <no-reply@localhost>",
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Accounts: rate limits (";" separates windows), sign-in pauses, link lifetimes in seconds.
    "RATELIMIT_SIGN_IN": "10 per minute;50 per hour",  # per IP address
    "RATELIMIT_SIGN_IN_ACCOUNT": "10 per minute;30 per hour",  # per e-mail address typed in
    "RATELIMIT_REGISTER": "5 per hour;20 per day",
    "RATELIMIT_FORGOT": "5 per 15 minutes;20 per day",  # reset-link requests, per IP address
    "RATELIMIT_FORGOT_ACCOUNT": "3 per hour",  # ...and per e-mail address typed in
    "RATELIMIT_CONFIRM_RESEND": "3 per hour",
    "RATELIMIT_ACCOUNT_CHANGES": "10 per hour",  # password, e-mail and delete forms, per account
    "RATELIMIT_KEY_PREFIX": "",  # Flask-Limiter's: tells apart the counters of sites sharing one Redis
    "SIGN_IN_FAILURES_BEFORE_DELAY": 5,
    "SIGN_IN_DELAY_SECONDS": 30,  # doubles with each further failure...
    "SIGN_IN_MAX_DELAY_SECONDS": 15 * 60,  # ...up to this
    "ACCOUNT_CONFIRM_MAX_AGE": 2 * 24 * 3600,
    "RESET_LINK_MAX_AGE": 3600,
    "EMAIL_CHANGE_MAX_AGE": 24 * 3600,
    "ADMIN_REQUIRE_2FA": False,
    "REMINDER_AFTER_DAYS": 60,
    "STALE_AFTER_DAYS": 90,
    "EXPIRE_AFTER_DAYS": 180,
    "RECONFIRM_LINK_DAYS": 30,  # how long a "still meeting?" link works
    "REPORT_RATE_LIMIT": "5 per hour",  # per IP, on the public "Report a problem" form
    "CONTACT_RETENTION_DAYS": 30,
    "CONTACT_MIN_SECONDS": 3,  # a "Get in touch" form sent sooner than this after it appeared is a script
    # Contact messages: per visitor (a random id in his signed session cookie; a client without one
    # counts per address) a handful of listings an hour; per address more, since mobile carriers put
    # many people behind one; per listing, from anyone, so many a day.
    "CONTACT_RATE_LIMIT_VISITOR": "6 per hour",
    "CONTACT_RATE_LIMIT_IP": "30 per hour",
    "CONTACT_RATE_LIMIT_LISTING": "20 per day",
    "SEARCH_PER_PAGE": 20,
    # Search results kept this many seconds (0: none), in Redis with REDIS_URL, else in each process
    # (at most SEARCH_CACHE_ENTRIES searches), and the parts every place asks alike (the online list's
    # count) in each process as long; see listings/search/cache.py.
    "SEARCH_CACHE_SECONDS": 60,
    "SEARCH_CACHE_ENTRIES": 2000,
    "SEARCH_CACHE_PREFIX": "search:",
    # A search is kept once this process has seen it asked this many times within SEARCH_CACHE_SECONDS
    # (1: from its first time): one-off searches, most of them, are then never stored.
    "SEARCH_CACHE_MIN_USES": 2,
    # Anonymous pages kept by each process while their ETag holds (directory/http_cache.py); 0: none.
    "KEPT_PAGES": 200,
    # The search form's topics, audiences and languages, and which listings "usually answer", read once
    # per data version in each process (directory/listings/vocabularies.py, followups/services.py);
    # off: read for every page.
    "KEEP_CHOICES": True,
    # What a search's place text finds, kept per data version in each process (directory/geo/services.py);
    # off: looked up in the gazetteer for every search.
    "KEEP_PLACES": True,
    # "Tell me when a group starts near me": sign-ups per client address, and how long the confirmation
    # link works (an alert nobody confirmed is deleted then).
    "ALERT_RATE_LIMIT": "5 per hour;20 per day",
    "ALERT_CONFIRM_MAX_AGE": 7 * 24 * 3600,
    "API_RATE_LIMIT": "120 per minute",  # per client address, shared by every API endpoint
    "PG_DUMP": "pg_dump",  # the program `flask backup` runs for PostgreSQL
    "PREFERRED_URL_SCHEME": "http",
    # The public address every absolute link is built on; a local run defaults it from PORT.
    "SITE_URL": None,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (see security.py).
    "TRUSTED_PROXIES": 0,
    "PRODUCTION": False,
    # Every HSDS id is a UUID 5 of this namespace and the row (interop/ids.py). Keep it for the life of
    # the site: changing it changes every id that consumers have stored.
    "HSDS_ID_NAMESPACE": "e5fbc3e7-4987-4d69-ad8d-59e5cb2ac3ba",
    "INTEROP_CACHE_SECONDS": 60,  # how long a built feed or data package is reused (interop/cache.py)
    # Who may frame /embed (CSP frame-ancestors); every other page may be framed by no one.
    "EMBED_FRAME_ANCESTORS": "*",
    # Importing from other directories (interop/sources/fetch.py): what a source may cost us.
    "SOURCES_FETCH_TIMEOUT": 20,  # seconds per request
    "SOURCES_MAX_BYTES": 20 * 1024 * 1024,  # a feed, an API page or an uploaded file
    "SOURCES_MAX_REDIRECTS": 3,
    "SOURCES_MAX_PAGES": 500,  # pages of an HSDS API read in one sync
    # Private, loopback and link-local addresses are refused unless this is on (tests serve feeds locally).
    "SOURCES_ALLOW_PRIVATE": False,
    "CLAIM_LINK_MAX_AGE": 2 * 24 * 3600,  # seconds a "this is my group" link sent to a listed address works
    # "Where groups are needed" (demand/): an area and topic is shown once this many searches in the last
    # DEMAND_WINDOW_DAYS days found nothing near; `flask purge` deletes counters older than the months.
    "DEMAND_THRESHOLD": 10,
    "DEMAND_WINDOW_DAYS": 90,
    "DEMAND_RETENTION_MONTHS": 13,
}

# Set apart from the dict: bandit reads any value under a "PASSWORD" key as a hard-coded password.
DEFAULTS["MAIL_PASSWORD"] = None  # nosec B105  # only from the environment (MAIL_PASSWORD)
# Password rules: lengths, and zxcvbn's guessability score (0 to 4) a new password must reach.
DEFAULTS["PASSWORD_MIN_LENGTH"] = 8  # nosec B105
DEFAULTS["PASSWORD_MAX_LENGTH"] = 1024  # nosec B105
DEFAULTS["PASSWORD_MIN_SCORE"] = 3  # nosec B105
# argon2's cheapest parameters: for tests only, never for real passwords.
DEFAULTS["PASSWORD_HASH_CHEAP"] = False  # nosec B105

INSTANCE_PATH_VARIABLE = "DIRECTORY_INSTANCE_PATH"


def _codes(value: str) -> tuple[str, ...]:
    """'en, es' -> ('en', 'es')."""
    return tuple(code.strip().lower() for code in value.split(",") if code.strip())

# Environment variable -> (config key, parser)
ENVIRONMENT: dict[str, tuple[str, Any]] = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "REDIS_URL": ("REDIS_URL", str),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_USERNAME": ("MAIL_USERNAME", str),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", lambda v: v.lower() in {"1", "true", "yes", "on"}),
    "MAIL_SENDER": ("MAIL_SENDER", str),
    "MAIL_TIMEOUT": ("MAIL_TIMEOUT", float),
    "MAIL_GIVE_UP_HOURS": ("MAIL_GIVE_UP_HOURS", float),
    "OUTBOX_RETENTION_DAYS": ("OUTBOX_RETENTION_DAYS", int),
    "MAIL_SENDING_LEASE_MINUTES": ("MAIL_SENDING_LEASE_MINUTES", float),
    "CRISIS_LINE": ("CRISIS_LINE", str),
    "SITE_NAME": ("SITE_NAME", str),
    "LANGUAGES": ("LANGUAGES", _codes),
    "SITE_URL": ("SITE_URL", str),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "ADMIN_REQUIRE_2FA": ("ADMIN_REQUIRE_2FA", lambda v: v.lower() in {"1", "true", "yes", "on"}),
    "CONTACT_RETENTION_DAYS": ("CONTACT_RETENTION_DAYS", int),
    "SQLITE_BUSY_TIMEOUT_MS": ("SQLITE_BUSY_TIMEOUT_MS", int),
    "CRISIS_TEL": ("CRISIS_TEL", str),
    "CONTACT_MIN_SECONDS": ("CONTACT_MIN_SECONDS", float),
    "CONTACT_RATE_LIMIT_VISITOR": ("CONTACT_RATE_LIMIT_VISITOR", str),
    "CONTACT_RATE_LIMIT_IP": ("CONTACT_RATE_LIMIT_IP", str),
    "CONTACT_RATE_LIMIT_LISTING": ("CONTACT_RATE_LIMIT_LISTING", str),
    "REPORT_RATE_LIMIT": ("REPORT_RATE_LIMIT", str),
    "API_RATE_LIMIT": ("API_RATE_LIMIT", str),
    "SEARCH_PER_PAGE": ("SEARCH_PER_PAGE", int),
    "SEARCH_CACHE_SECONDS": ("SEARCH_CACHE_SECONDS", int),
    "SEARCH_CACHE_MIN_USES": ("SEARCH_CACHE_MIN_USES", int),
    "KEPT_PAGES": ("KEPT_PAGES", int),
    "ALERT_RATE_LIMIT": ("ALERT_RATE_LIMIT", str),
    "ALERT_CONFIRM_MAX_AGE": ("ALERT_CONFIRM_MAX_AGE", int),
    "RECONFIRM_LINK_DAYS": ("RECONFIRM_LINK_DAYS", int),
    "PASSWORD_MIN_LENGTH": ("PASSWORD_MIN_LENGTH", int),
    "PASSWORD_MAX_LENGTH": ("PASSWORD_MAX_LENGTH", int),
    "PASSWORD_MIN_SCORE": ("PASSWORD_MIN_SCORE", int),
    "SIGN_IN_FAILURES_BEFORE_DELAY": ("SIGN_IN_FAILURES_BEFORE_DELAY", int),
    "SIGN_IN_DELAY_SECONDS": ("SIGN_IN_DELAY_SECONDS", int),
    "SIGN_IN_MAX_DELAY_SECONDS": ("SIGN_IN_MAX_DELAY_SECONDS", int),
    "PG_DUMP": ("PG_DUMP", str),
    INSTANCE_PATH_VARIABLE: ("INSTANCE_PATH", str),
    "PRODUCTION": ("PRODUCTION", lambda v: v.lower() in {"1", "true", "yes", "on"}),
    "HSDS_ID_NAMESPACE": ("HSDS_ID_NAMESPACE", str),
    "EMBED_FRAME_ANCESTORS": ("EMBED_FRAME_ANCESTORS", str),
    "SOURCES_ALLOW_PRIVATE": ("SOURCES_ALLOW_PRIVATE", lambda v: v.lower() in {"1", "true", "yes", "on"}),
    "DEMAND_THRESHOLD": ("DEMAND_THRESHOLD", int),
    "DEMAND_WINDOW_DAYS": ("DEMAND_WINDOW_DAYS", int),
    "DEMAND_RETENTION_MONTHS": ("DEMAND_RETENTION_MONTHS", int),
}


class ConfigurationError(RuntimeError):
    """Raised when the site would start in an unsafe configuration."""


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` spelling and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _deliverable(sender: str) -> bool:
    """Whether a From address names a real domain (not the default's localhost)."""
    domain = parseaddr(sender)[1].rpartition("@")[2].lower()
    return "." in domain and not domain.endswith((".localhost", ".local"))


def site_url(configured: str | None) -> str:
    """SITE_URL without a trailing slash, checked; http://127.0.0.1:$PORT for a local run."""
    url = (configured or f"http://127.0.0.1:{os.environ.get('PORT') or 5000}").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(f"SITE_URL must be an address like https://men.example.org, not {url!r}.")
    return url


def dev_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, so local sessions survive a restart."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def instance_path(overrides: dict[str, Any] | None = None) -> str | None:
    """The instance folder (SQLite file, mail, secret key), read before the app exists: Flask fixes it
    when it is built. INSTANCE_PATH among the overrides, else the environment, else Flask's own."""
    return (overrides or {}).get("INSTANCE_PATH") or os.environ.get(INSTANCE_PATH_VARIABLE) or None


def load(app, overrides: dict[str, Any] | None = None) -> None:
    """Fill app.config from defaults, the environment and overrides, then check it is safe."""
    app.config.update(DEFAULTS)
    for variable, (key, parse) in ENVIRONMENT.items():
        value = os.environ.get(variable)
        if value not in (None, ""):
            app.config[key] = parse(value)
    if os.environ.get("FLASK_ENV") == "production" or os.environ.get("FLASK_PRODUCTION"):
        app.config["PRODUCTION"] = True
    app.config.update(overrides or {})

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database = Path(app.instance_path) / "directory.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])

    try:
        uuid.UUID(str(app.config["HSDS_ID_NAMESPACE"]))
    except ValueError as error:
        raise ConfigurationError(
            "HSDS_ID_NAMESPACE must be a UUID, such as the output of uuidgen.") from error

    if app.config.get("PRODUCTION"):
        if not app.config.get("SECRET_KEY"):
            raise ConfigurationError("SECRET_KEY must be set in production.")
        if not app.config.get("SITE_URL"):
            raise ConfigurationError(
                "SITE_URL must be set in production (e.g. https://men.example.org): every link in e-mails, "
                "the API and calendars is built on it, never on the Host a request names.")
        if app.config.get("MAIL_SERVER") and not _deliverable(app.config.get("MAIL_SENDER") or ""):
            raise ConfigurationError(
                "MAIL_SENDER must be an address of your own domain in production: mail from localhost is "
                "refused by many servers, and replies to moderators' e-mails go to it.")
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = dev_secret_key(app.instance_path)
    app.config["SITE_URL"] = site_url(app.config.get("SITE_URL"))
    if app.config.get("PRODUCTION"):
        # Any other Host (or X-Forwarded-Host from a trusted proxy) is answered 400 by Flask.
        if not app.config.get("TRUSTED_HOSTS"):
            app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["SITE_URL"]).hostname]

    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    options = engine_options(app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)


def engine_options(url: str, sqlite_busy_timeout_ms: int = 15000) -> dict[str, Any]:
    """Pool settings per database: PostgreSQL survives restarts and never hangs on an empty pool."""
    if url.startswith("postgresql"):
        return {
            "pool_pre_ping": True,
            "pool_size": 5,
            "max_overflow": 5,
            "pool_timeout": 3,
            "pool_recycle": 1800,
            "connect_args": {"connect_timeout": 3},
        }
    # sqlite3's `timeout` is SQLite's busy timeout: a locked database is waited for, then a 503.
    return {"connect_args": {"timeout": sqlite_busy_timeout_ms / 1000, "check_same_thread": False}}
