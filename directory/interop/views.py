"""The Meeting Guide feed and the HSDS API: read-only JSON under /api/, CORS open, cached a minute.

The /api/ response hook in api/views.py adds CORS and Cache-Control to these answers as to every
/api/ answer, and they share the API's rate-limit allowance.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from werkzeug.wrappers import Response as BaseResponse

from ..api.serializers import error_body
from ..api.views import rate_limit
from ..errors import MESSAGES
from ..extensions import limiter
from ..urls import external_url
from . import datapackage, documents, hsds, hsds_queries, meeting_guide
from .cache import cached

blueprint = Blueprint("interop", __name__, url_prefix="/api")
limiter.shared_limit(rate_limit, scope="api")(blueprint)

NOT_FOUND = "There is no published listing with that id."


def tagged(body: bytes) -> tuple[bytes, str]:
    """A built export and its ETag, computed once with it."""
    return body, hashlib.sha256(body).hexdigest()[:32]


def _conditional(built: tuple[bytes, str], mimetype: str, **headers: str) -> BaseResponse:
    """A response with an ETag, so a reader that has this version gets a 304 and no body."""
    body, etag = built
    response = Response(body, mimetype=mimetype, headers=headers)
    response.set_etag(etag)
    return response.make_conditional(request)


@blueprint.get("/meeting-guide.json")
def meeting_guide_feed():
    built = cached("meeting-guide", lambda: tagged(json.dumps(
        meeting_guide.feed(), ensure_ascii=False, separators=(",", ":")).encode()))
    return _conditional(built, "application/json")


@blueprint.get("/hsds/")
def hsds_index():
    return jsonify({"version": hsds.HSDS_VERSION, "profile": external_url("interop.hsds_profile"),
                    "openapi_url": external_url("interop.hsds_openapi")})


def _page(build, *args: Any):
    try:
        return jsonify(build(*args))
    except hsds_queries.InvalidQuery as error:
        message = f"These parameters were not acceptable: {', '.join(error.errors)}."
        response = jsonify(error_body(400, MESSAGES[400][0], message, error.errors))
        response.status_code = 400
        return response


def _found(item: Any):
    if item is None:
        abort(404, description=NOT_FOUND)
    return jsonify(item)


@blueprint.get("/hsds/services")
def hsds_services():
    return _page(hsds_queries.services_page, request.args)


@blueprint.get("/hsds/services/<service_id>")
def hsds_service(service_id: str):
    listing = hsds_queries.find_listing("service", service_id)
    return _found(hsds.Builder().service(listing) if listing else None)


@blueprint.get("/hsds/organizations")
def hsds_organizations():
    return _page(hsds_queries.organizations_page, request.args)


@blueprint.get("/hsds/organizations/<organization_id>")
def hsds_organization(organization_id: str):
    listing = hsds_queries.find_listing("organization", organization_id)
    return _found(hsds.Builder().organization(listing) if listing else None)


@blueprint.get("/hsds/taxonomies")
def hsds_taxonomies():
    return _page(hsds_queries.taxonomies_page, request.args)


@blueprint.get("/hsds/taxonomies/<taxonomy_id>")
def hsds_taxonomy(taxonomy_id: str):
    return _found(hsds_queries.find_taxonomy(taxonomy_id))


@blueprint.get("/hsds/taxonomy_terms")
def hsds_taxonomy_terms():
    return _page(hsds_queries.taxonomy_terms_page, request.args)


@blueprint.get("/hsds/taxonomy_terms/<term_id>")
def hsds_taxonomy_term(term_id: str):
    return _found(hsds_queries.find_term(term_id))


@blueprint.get("/hsds/openapi.json")
def hsds_openapi():
    return jsonify(documents.openapi())


@blueprint.get("/hsds/profile")
def hsds_profile():
    return jsonify(documents.profile())


@blueprint.get("/hsds/datapackage.zip")
def hsds_datapackage():
    return _conditional(cached("hsds-datapackage", lambda: tagged(datapackage.build())), "application/zip",
                        **{"Content-Disposition": 'attachment; filename="hsds-datapackage.zip"'})
