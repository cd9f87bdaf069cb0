"""Values and filters every template can use."""

from __future__ import annotations

from flask import Flask


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def site_values():
        return {
            "site_name": app.config["SITE_NAME"],
            "crisis_line": app.config["CRISIS_LINE"],
        }
