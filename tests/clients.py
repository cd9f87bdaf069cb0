"""The test client and CLI runner every test app hands out: each request runs as a browser's would.

A request made from a test runs in a context of its own, never in the test's: it gets its own `g`, its own
Flask-Login user and its own database session, so one client's user cannot leak into the next request and
nothing a request caches survives it. What the test's own code changed is committed first, so the request
sees it and the test reads fresh rows afterwards.
"""

from __future__ import annotations

import contextvars

from flask import has_app_context
from flask.testing import FlaskCliRunner
from flask_login import FlaskLoginClient

from directory.extensions import db


def commit_test_session() -> None:
    """Commit the test's open database session, if its code opened one, before a request or command runs."""
    if has_app_context() and db.session.registry.has():
        db.session.commit()


class Client(FlaskLoginClient):
    """`app.test_client(user=someone)` starts signed in (Flask-Login's client); `sign_in` switches user."""

    def sign_in(self, user, *, fresh: bool = True) -> None:
        """What Flask-Login's login_user leaves in the session (for tests that are not about the form)."""
        with self.session_transaction() as session:
            session["_user_id"] = user.get_id()
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
