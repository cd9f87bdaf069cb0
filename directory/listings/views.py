"""Public pages for listings: search, a listing, its calendar feed, and browsing by area."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ..demand import counting
from ..geo.names import place_label, place_query
from ..geo.regions import COUNTRY_NAMES
from ..geo.services import places_in_region
from ..http_cache import note_for_replay, public_page, public_page_replaying
from ..i18n import gettext
from ..urls import external_url, safe_url, slug_url
from . import services
from .areas import area_countries, area_listings, city_names, region_cities
from .forms import SearchForm
from .freshness import freshness
from .models import STATUS_PUBLISHED, WEEKDAYS, Listing
from .nearby import nearest_current, similar_mentors
from .presentation import (
    calendar_location,
    cost_names,
    format_names,
    meta_description,
    nearby_query,
    page_title,
    region_name,
    structured_data,
    where_text,
)
from .rendered_fields import field_once
from .schedule import (
    describe_meeting,
    for_display,
    format_occurrence,
    listing_zone,
    next_meetings,
    to_ical,
    zone_or_none,
)
from .search import (
    DEFAULT_RADIUS,
    MY_LOCATION,
    RADII,
    SearchParams,
    SearchResults,
    format_distance,
    public_point,
    radius_label,
    radius_short,
    resolve_vocabulary,
)
from .search import search as run_search
from .terms import language_label, meets_in, term_name
from .visibility import is_public

logger = logging.getLogger(__name__)

blueprint = Blueprint("listings", __name__)

AREA_PAGE_SIZE = 50
REGION_ALERT_RADIUS = 25  # miles: an alert offered on a region page watches around its largest town


@blueprint.context_processor
def listing_helpers():
    return {"public_point": public_point, "format_occurrence": format_occurrence,
            "field_once": field_once, "meets_in": meets_in}


# `{{ topic|term_name }}`: a topic's or audience's name in the page's language.
blueprint.add_app_template_filter(term_name, "term_name")
# `{{ slug_url("listings.detail", listing.slug) }}`: a listing's link where a page has many (see urls).
blueprint.add_app_template_global(slug_url, "slug_url")


@blueprint.get("/search")
@public_page_replaying(lambda search, response: counting.count_search(request, response, search))
def search():
    params = resolve_vocabulary(SearchParams.from_args(request.args))
    if not params.errors and ("at" in request.args
                              or any(not value.strip() for _, value in request.args.items(multi=True))):
        # A submitted form sends every field, empty ones too (and "My location" beside its position):
        # show the short URL people can share.
        canonical = params.to_args()
        if request.args.get("tz"):
            canonical["tz"] = request.args["tz"]
        return redirect(url_for("listings.search", **canonical))
    results = run_search(params)
    viewer_zone = zone_or_none(request.args.get("tz"))
    form = SearchForm(request.args, errors=params.errors, units=params.units)
    if results.origin is not None and results.origin.kind == "point":
        form.near.data = gettext(MY_LOCATION)  # the position goes back in a hidden field beside it (`at`)
    page = render_template(
        "listings/search.html",
        form=form,
        params=params,
        results=results,
        viewer_zone=viewer_zone,
        radii=RADII,
        radius_label=radius_label,
        radius_short=radius_short,
        default_radius=DEFAULT_RADIUS,
        quick_days=quick_days(results.origin.time_zone if results.origin else None),
        format_names=format_names(),
        cost_names=cost_names(),
        alert_place=alert_place(results.origin),
    )
    # Bad values were left out of the search and explained on the page; the status says so too.
    response = make_response(page, 400 if params.errors else 200)
    _count_for_demand(params, results, response)
    return response


def _count_for_demand(params: SearchParams, results: SearchResults, response) -> None:
    """Add the search to its area's daily counter ("Where groups are needed"), here in the request and
    never in the search itself, which may be answered from a cache. Only a plain first page counts: a
    search narrowed by day, cost, language, audience, format or words found nothing for other reasons."""
    origin = results.origin
    if (params.errors or origin is None or results.near_total is None or params.page != 1 or params.show
            or params.kind not in (None, "group") or params.audiences or params.format or params.days
            or params.cost or params.language or params.q):
        return
    search = counting.search_in_cell(origin.latitude, origin.longitude, params.topics, results.near_total)
    note_for_replay(search)  # the same page given again from memory is counted the same way
    counting.count_search(request, response, search)


def alert_place(origin) -> tuple[str, str] | None:
    """(search text, label) of the town an alert offered on this search would watch: for the visitor's own
    position its nearest town, so the alert form never carries where he stands."""
    if origin is None:
        return None
    if origin.kind != "point":
        return origin.query, origin.label
    if not origin.country:
        return None
    return (place_query(origin.name, origin.country, origin.region),
            place_label(origin.name, origin.country, origin.region))


def quick_days(zone_name: str | None) -> dict[str, list[str]]:
    """The day filters behind "Meets today" and "This week": today to Sunday, in the searched place's own
    time zone (or the site's, without a place)."""
    today = datetime.now(zone_or_none(zone_name) or UTC).weekday()
    return {"today": [WEEKDAYS[today]], "week": list(WEEKDAYS[today:])}


def load_visible(slug: str) -> tuple[Listing, bool]:
    """The listing and whether this is a preview; 404 unless public, or the owner's or an admin's."""
    listing = services.listing_by_slug(slug)
    if listing is None:
        abort(404)
    if is_public(listing):
        return listing, False
    if current_user.is_authenticated and (current_user.is_admin or current_user.id == listing.owner_id):
        return listing, True
    if listing.published_at is not None and listing.status != STATUS_PUBLISHED:
        # It was public once and has left: a bookmark or a calendar may still point here. Say so, and
        # offer what is near where it was. One that never was public stays unknown (404), and so does
        # one hidden while its owner is suspended (which may be lifted).
        abort(make_response(render_template(
            "listings/gone.html", listing=listing, alternatives=nearest_current(listing),
            nearby=nearby_query(listing),
            format_names=format_names(), cost_names=cost_names()), 410))
    abort(404)


@blueprint.get("/listings/<slug>")
@public_page
def detail(slug: str):
    listing, preview = load_visible(slug)
    viewer_zone = zone_or_none(request.args.get("tz"))
    zone = listing_zone(listing)
    upcoming = for_display(next_meetings(listing, count=3), viewer_zone)
    rules = [describe_meeting(meeting, zone) for meeting in listing.meetings]
    where = where_text(listing)
    latitude, longitude = public_point(listing.latitude, listing.longitude, listing.location_precision)
    fresh = freshness(listing)  # the same judgement as the API's and the admin pages'
    # The distance of the search that led here, kept in "Find more support near ...".
    radius = request.args.get("radius", type=int)
    response = make_response(render_template(
        "listings/detail.html",
        listing=listing,
        preview=preview,
        upcoming=upcoming,
        rules=list(zip(listing.meetings, rules, strict=True)),
        zone_name=str(zone),
        viewer_zone=viewer_zone,
        where=where,
        nearby_query=nearby_query(listing),
        nearby_radius=radius if radius in RADII and radius != DEFAULT_RADIUS else None,
        instead=similar_mentors(listing) if not listing.open_to_new_people else [],
        map_point=(latitude, longitude) if latitude is not None and listing.format != "online" else None,
        website=safe_url(listing.website),
        online_url=None if listing.online_url_private else safe_url(listing.online_url),
        stale=fresh["stale"],
        confirmed_at=fresh["confirmed_at"],
        title=page_title(listing, where),
        description=meta_description(listing, where),
        structured_data=structured_data(listing, where, upcoming),
        languages=[language_label(code) for code in listing.languages],
        format_names=format_names(),
        cost_names=cost_names(),
    ))
    if preview:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@blueprint.get("/listings/<slug>.ics")
def ics(slug: str):
    listing, preview = load_visible(slug)
    if not listing.meetings:
        abort(404)
    url = external_url("listings.detail", slug=listing.slug)
    body = to_ical(
        listing,
        url=url,
        host=urlsplit(url).hostname or "localhost",
        location=calendar_location(listing),
        site_name=current_app.config["SITE_NAME"],
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{listing.slug}.ics"'
    if preview:
        response.headers["Cache-Control"] = "no-store"
    return response


# Browse by area ------------------------------------------------------------------------------------


@blueprint.get("/areas/")
@public_page
def areas():
    return render_template("listings/areas.html", countries=area_countries())


@blueprint.get("/areas/<country>/<region>/")
@public_page
def area_region(country: str, region: str):
    if country != country.lower() or region != region.lower():
        return _redirect_lower("listings.area_region", country=country.lower(), region=region.lower())
    country_code, region_code = country.upper(), region.upper()
    cities, total = region_cities(country_code, region_code)
    if not cities:
        abort(404)
    largest = places_in_region(country_code, region_code, 1)
    town = (place_query(largest[0].name, country_code, region_code), region_name(country_code, region_code)) \
        if largest else None
    return _render_area(country_code, region_code, cities=cities, alert_place=town,
                        alert_radius=REGION_ALERT_RADIUS,
                        pagination=area_listings(country_code, region_code, per_page=AREA_PAGE_SIZE,
                                                 total=total))


@blueprint.get("/areas/<country>/<region>/<city>/")
@public_page
def area_city(country: str, region: str, city: str):
    if country != country.lower() or region != region.lower() or city != city.lower():
        return _redirect_lower("listings.area_city", country=country.lower(), region=region.lower(),
                               city=city.lower())
    country_code, region_code = country.upper(), region.upper()
    names = city_names(country_code, region_code, city)
    if not names:
        abort(404)
    pagination = area_listings(country_code, region_code, names, per_page=AREA_PAGE_SIZE)
    label = place_label(names[0], country_code, region_code)
    return _render_area(country_code, region_code, city=names[0], cities=[], pagination=pagination,
                        city_label=label, alert_radius=DEFAULT_RADIUS,
                        alert_place=(place_query(names[0], country_code, region_code), label))


def _render_area(country: str, region: str, *, city: str | None = None, **context: Any) -> str:
    return render_template(
        "listings/area.html",
        country=country,
        region=region,
        region_name=region_name(country, region),
        country_name=COUNTRY_NAMES.get(country, country),
        city=city,
        format_names=format_names(),
        **context,
    )


def _redirect_lower(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=301)


@blueprint.app_template_filter("distance")
def distance_filter(miles: float | None, units: str = "mi") -> str:
    return format_distance(miles, units)
