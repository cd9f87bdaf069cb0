"""Home, static information pages and a health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory

from .. import database
from ..http_cache import public_page, text_page
from ..listings.models import Topic
from ..listings.search import RADII
from ..listings.vocabularies import vocabulary_pairs

blueprint = Blueprint("core", __name__)

# The home page offers the search page's radius choices (miles).
DEFAULT_RADIUS = 10


@blueprint.get("/")
@public_page
def home():
    return render_template("core/home.html", topics=vocabulary_pairs(Topic), radius_choices=RADII,
                           default_radius=DEFAULT_RADIUS)


@blueprint.get("/privacy")
@text_page
def privacy():
    return render_template("core/privacy.html")


@blueprint.get("/about")
@text_page
def about():
    return render_template("core/about.html")


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers ask for this on pages without a <link rel=icon> (JSON, calendar files): answer, don't 404."""
    static = current_app.static_folder
    return send_from_directory(static, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@blueprint.get("/healthz")
def health():
    """For load balancers: 200 when the database answers (its errors become a 503 page)."""
    database.ping()
    return jsonify(status="ok")
