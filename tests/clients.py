"""The test client and CLI runner every test app hands out: each request runs as a browser's would.

A request made from a test runs in a context of its own, never in the test's: it gets its own `g`, its own
Flask-Login user and its own database session, so one client's user cannot leak into the next request and
nothing a request caches survives it. What the test's own code changed is committed first, so the request
sees it and the test reads fresh rows afterwards.
"""

from __future__ import annotations

import contextvars

from flask import current_app, has_app_context
from flask.testing import FlaskCliRunner
from flask_login import FlaskLoginClient

from directory.accounts.devices import current_device, open_device
from directory.extensions import db


def commit_test_session() -> None:
    """Commit the test's open database session, if its code opened one, before a request or command runs."""
    if has_app_context() and db.session.registry.has():
        db.session.commit()


def device_identity(user, app=None) -> str:
    """Flask-Login's id for `user` as a sign-in leaves it: with a live device session (opened again once
    a sign-out ended it), without which the user loader refuses the cookie."""
    commit_test_session()
    if has_app_context():
        if current_device(user) is None:
            open_device(user, "test client", remember=False)
    else:
        with (app or current_app).app_context():
            if current_device(user) is None:
                open_device(user, "test client", remember=False)
    return user.get_id()


class Client(FlaskLoginClient):
    """`app.test_client(user=someone)` starts signed in (Flask-Login's client); `sign_in` switches user."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("user") is not None:
            device_identity(kwargs["user"], args[0] if args else None)
        super().__init__(*args, **kwargs)

    def sign_in(self, user, *, fresh: bool = True) -> None:
        """What Flask-Login's login_user leaves in the session (for tests that are not about the form)."""
        identity = device_identity(user, self.application)
        with self.session_transaction() as session:
            session["_user_id"] = identity
            session["_fresh"] = fresh

    def open(self, *args, **kwargs):
        if self.preserve_context:  # `with client:` keeps the request's context for the test to look into
            return super().open(*args, **kwargs)
        commit_test_session()
        return contextvars.Context().run(super().open, *args, **kwargs)


class CliRunner(FlaskCliRunner):
    """Commands run in an app context of their own, as `flask <command>` pushes one around each command."""

    def invoke(self, cli=None, args=None, **kwargs):
        commit_test_session()

        def run():
            with self.app.app_context():
                return FlaskCliRunner.invoke(self, cli, args, **kwargs)

        return contextvars.Context().run(run)
