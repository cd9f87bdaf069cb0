"""The mentor and men's support-group directory: a Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as site_config
from .extensions import csrf, db, limiter, login_manager, migrate
from .i18n.compiling import TranslatedEnvironment
from .json_output import OrjsonProvider

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The name of the log handler the app adds to the root logger, so a second app built in-process adds none.
LOG_HANDLER = "directory"


class Site(Flask):
    """Flask, asking once per handler whether it is a coroutine.

    Flask asks it of every before- and after-request function, context processor and view on every
    request (`inspect.iscoroutinefunction`, several calls each, twenty-odd handlers a page); a function's
    answer never changes. Flask documents `ensure_sync` as the method to override. JSON is written by
    orjson (see json_output)."""

    json_provider_class = OrjsonProvider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._synchronous[func]
        except KeyError:
            synchronous = self._synchronous[func] = super().ensure_sync(func)
            if len(self._synchronous) > _HANDLERS_HELD:  # not a registered handler: don't hold them all
                self._synchronous.clear()
            return synchronous
        except TypeError:  # unhashable
            return super().ensure_sync(func)


_HANDLERS_HELD = 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the site. Reads configuration; never touches the schema (that is `flask db upgrade`)."""
    app = Site(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=site_config.instance_path(config),
        instance_relative_config=True,
    )
    app.jinja_environment = TranslatedEnvironment  # before anything builds app.jinja_env
    site_config.load(app, config)
    register_logging(app)
    register_extensions(app)
    register_i18n(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_kept_encodings(app)  # before assets: its hook keeps the body the compression made
    register_assets(app)  # before security: its hook must see the headers security's hook sets
    register_http_cache(app)
    register_security(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Configure logging once per process, whoever builds the app first."""
    root = logging.getLogger()
    if not any(handler.get_name() == LOG_HANDLER for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.set_name(LOG_HANDLER)
        root.addHandler(handler)
    logging.getLogger("directory").setLevel(logging.DEBUG if app.debug else logging.INFO)
    from .logging_privacy import register_log_privacy

    register_log_privacy(app)


def register_extensions(app: Flask) -> None:
    from . import (
        database,  # noqa: F401 - installs the SQLite connection hooks
        models,  # noqa: F401 - every model known before anything touches the metadata
    )
    from .accounts.devices import load_user, register_device_sessions

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"
    register_device_sessions(app)


def register_i18n(app: Flask) -> None:
    from .i18n import register_i18n as register

    register(app)


def register_blueprints(app: Flask) -> None:
    from .accounts.views import blueprint as accounts
    from .alerts.views import blueprint as alerts
    from .api.views import blueprint as api
    from .contact.views import blueprint as contact
    from .core.views import blueprint as core
    from .datarights.views import blueprint as datarights
    from .followups.views import blueprint as followups
    from .interop.embed_views import blueprint as embed
    from .interop.sources.views import blueprint as sources
    from .interop.views import blueprint as interop
    from .listings.views import blueprint as listings
    from .moderation.views import blueprint as moderation
    from .owner.needed import blueprint as needed
    from .owner.views import blueprint as owner
    from .urls import RowIdConverter, refuse_nul_in_path

    app.url_map.converters["int"] = RowIdConverter  # before any route is added: ids beyond a row's are 404
    app.url_value_preprocessor(refuse_nul_in_path)
    app.register_blueprint(core)
    app.register_blueprint(accounts)
    app.register_blueprint(datarights)
    app.register_blueprint(contact)
    app.register_blueprint(listings)
    app.register_blueprint(alerts)
    app.register_blueprint(followups)
    app.register_blueprint(owner)
    app.register_blueprint(needed)
    app.register_blueprint(moderation)
    app.register_blueprint(api)
    app.register_blueprint(interop)
    app.register_blueprint(embed)
    app.register_blueprint(sources)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_errorhandlers as register

    register(app)


def register_assets(app: Flask) -> None:
    from .assets import register_assets as register

    register(app)


def register_kept_encodings(app: Flask) -> None:
    from .http_cache import register_kept_encodings as register

    register(app)


def register_http_cache(app: Flask) -> None:
    from .http_cache import register_http_cache as register

    register(app)


def register_security(app: Flask) -> None:
    from .security import register_security_headers, trust_proxies

    register_security_headers(app)
    trust_proxies(app)


def register_template_helpers(app: Flask) -> None:
    from .core.templating import register_template_helpers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .core.cli import register_core_commands
    from .interop.sources.cli import register_source_commands

    register_core_commands(app)
    register_source_commands(app)
