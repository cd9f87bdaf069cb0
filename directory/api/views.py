"""The public JSON API: read-only, the same search and visibility rules as the pages, open to any origin.

Nothing here reads or sets a cookie and nothing changes state, so there is no CSRF token to send;
every response may be cached for a minute and read by a script on any site.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request

from ..demand import services as demand_services
from ..errors import MESSAGES
from ..extensions import limiter
from ..http_cache import PUBLIC, public_page
from ..i18n import gettext
from ..listings import services as listing_services
from ..listings.search import NEAR_MILES, InvalidSearch, SearchParams, SearchResults, resolve_vocabulary
from ..listings.search import search as run_search
from ..timeutil import utcnow
from ..urls import external_url
from . import serializers
from .openapi import build_document

logger = logging.getLogger(__name__)

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

CACHE_CONTROL = PUBLIC
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    # Let scripts on other sites read how much of their allowance is left, and when to come back.
    "Access-Control-Expose-Headers": (
        "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
    ),
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Language",
    "Access-Control-Max-Age": "86400",
}


def rate_limit() -> str:
    """Generous, per client address: the API serves apps and widgets, not scrapers."""
    return current_app.config["API_RATE_LIMIT"]


# One allowance per address for the whole API, whichever endpoints it calls.
limiter.shared_limit(rate_limit, scope="api")(blueprint)


@blueprint.after_app_request
def add_api_headers(response: Response) -> Response:
    """CORS on every /api/ response (errors too, or a browser hides them from the calling script)."""
    if not request.path.startswith("/api/"):
        return response
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    if response.status_code in (200, 304) and request.method in ("GET", "HEAD"):
        # Unless security.py already said no-store: it went to a signed-in browser (whose remember cookie may
        # just have become a new session cookie), and a shared cache must never keep that.
        response.headers.setdefault("Cache-Control", CACHE_CONTROL)
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@blueprint.get("/listings")
@public_page
def listings():
    try:
        params = resolve_vocabulary(SearchParams.from_args(request.args, allow_per_page=True)).checked()
    except InvalidSearch as error:
        return invalid_parameters(error.errors)
    results = run_search(params)
    return jsonify(serializers.search_page(results, page_links(results)))


@blueprint.get("/listings/<slug>")
@public_page
def listing(slug: str):
    # The same rule as the listing page, without its owner/admin preview: the API has no signed-in users.
    found = listing_services.public_listing(slug)
    if found is None:
        abort(404, description=gettext("There is no published listing with that slug."))
    return jsonify(serializers.listing_detail(found))


@blueprint.get("/topics")
@public_page
def topics():
    return jsonify({"topics": [serializers.vocabulary_entry(row) for row in listing_services.topics()]})


@blueprint.get("/audiences")
@public_page
def audiences():
    rows = listing_services.audiences()
    return jsonify({"audiences": [serializers.vocabulary_entry(row) for row in rows]})


@blueprint.get("/demand")
def demand():
    """The rows of "Where groups are needed" (the same threshold): nothing under it is ever answered."""
    areas = demand_services.needed_areas(utcnow().date())
    response = jsonify(serializers.demand_list(
        areas, threshold=demand_services.threshold(), window_days=demand_services.window_days(),
        near_miles=NEAR_MILES))
    response.set_etag(demand_services.version_tag(areas))
    return response.make_conditional(request)


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(build_document())


def invalid_parameters(errors: dict[str, str]):
    """400 naming every refused parameter: the API searches only with what was asked for.

    The title and messages are in the request's language (`?lang=`, else Accept-Language); the status and
    the parameters' names, which programs read, are the same in every language.
    """
    message = gettext("These parameters were not acceptable: %(names)s.", names=", ".join(errors))
    body = serializers.error_body(400, gettext(MESSAGES[400][0]), message, errors)
    response = jsonify(body)
    response.status_code = 400
    return response


def page_links(results: SearchResults) -> dict[str, str | None]:
    """Absolute URLs of this page, its neighbours, and the same search as a web page."""
    params = results.params
    extra = {"per_page": str(params.per_page)} if params.per_page != _default_per_page() else {}

    search_values: dict[str, Any] = params.to_args()

    def link(page: int) -> str:
        values: dict[str, Any] = {**params.to_args(page=page), **extra}
        return external_url("api.listings", **values)

    return {
        "self": link(results.page),
        "next": link(results.next_num) if results.next_num else None,
        "prev": link(results.prev_num) if results.prev_num else None,
        "html": external_url("listings.search", **search_values),
    }


def _default_per_page() -> int:
    return int(current_app.config["SEARCH_PER_PAGE"])
