"""Where groups are needed: the public page organisers open from "List your group", and the admins' chart of
the same figures by month. Both read only areas above the threshold (demand.services)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, make_response, render_template, request
from flask_login import current_user

from ..demand import services as demand
from ..i18n import current_locale, gettext
from ..listings import services as listing_services
from ..listings.search import NEAR_MILES
from ..moderation.access import admin_required

blueprint = Blueprint("needed", __name__)

# The page may be kept this long by a browser or a shared cache; its ETag changes with its figures.
CACHE_CONTROL = "public, max-age=300"


def topic_names() -> dict[str, str]:
    return {topic.slug: topic.name for topic in listing_services.topics()}


def describe(topics: tuple[str, ...], names: dict[str, str]) -> str:
    """'Any topic', 'Grief and loss', 'Fatherhood, Grief and loss'."""
    if not topics:
        return gettext("Any topic")
    return ", ".join(names.get(slug, slug) for slug in topics)


def today() -> Any:
    return datetime.now(UTC).date()


@blueprint.get("/where-groups-are-needed")
def page():
    areas = demand.needed_areas(today())
    response = make_response(render_template(
        "owner/needed.html", areas=areas, names=topic_names(), describe=describe,
        threshold=demand.threshold(), window=demand.window_days(), near_miles=NEAR_MILES,
        retention=current_app.config["DEMAND_RETENTION_MONTHS"],
    ))
    if current_user.is_authenticated:
        return response  # its header names the account: never kept for anyone else (security.py)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Cookie")
    # The same address is served in each language: the version names the language too.
    response.set_etag(f"{current_locale()}-{demand.version_tag(areas)}")
    return response.make_conditional(request)


@blueprint.get("/admin/demand")
@admin_required
def admin_chart():
    day = today()
    areas = demand.needed_areas(day)
    by_area = demand.monthly(areas, day)
    months = demand.months_back(day)
    totals = [sum(by_area[(area.cell, area.topics)][index].searches for area in areas)
              for index in range(len(months))]
    return render_template(
        "owner/needed_admin.html", areas=areas, by_area=by_area, months=months, totals=totals,
        highest=max([1, *totals]), names=topic_names(), describe=describe, threshold=demand.threshold(),
        window=demand.window_days(), retention=current_app.config["DEMAND_RETENTION_MONTHS"],
    )
