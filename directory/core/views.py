"""Home, static information pages and a health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from ..extensions import db

blueprint = Blueprint("core", __name__)


@blueprint.get("/")
def home():
    return render_template("core/home.html")


@blueprint.get("/privacy")
def privacy():
    return render_template("core/privacy.html")


@blueprint.get("/about")
def about():
    return render_template("core/about.html")


@blueprint.get("/healthz")
def health():
    """For load balancers: 200 when the database answers (its errors become a 503 page)."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
