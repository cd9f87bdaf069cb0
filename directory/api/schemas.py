"""The API's JSON Schemas (OpenAPI components): every response object, closed to properties not listed,
and the small builders they are written with."""

from __future__ import annotations

from typing import Any

from ..listings.models import COSTS, FORMATS, KINDS, PRECISIONS, RECURRENCES, WEEKDAYS
from ..listings.search import ONLINE_PREVIEW, RADII, UNITS

REF = "#/components/schemas/"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema, also allowing null (JSON Schema 2020-12 style)."""
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    result = dict(schema)
    kind = result.get("type")
    result["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    if "enum" in result:
        result["enum"] = [*result["enum"], None]
    return result


def obj(properties: dict[str, Any], *, required: list[str] | None = None, description: str | None = None,
        ) -> dict[str, Any]:
    """A closed object: every property listed, all of them required unless said otherwise."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
DATETIME = {"type": "string", "format": "date-time"}

def schemas() -> dict[str, Any]:
    term = obj({"slug": STRING, "name": STRING})
    summary = {
        "slug": STRING,
        "name": STRING,
        "kind": {"type": "string", "enum": list(KINDS)},
        "format": {"type": "string", "enum": list(FORMATS)},
        "summary": STRING,
        "topics": array(ref("Term")),
        "audiences": array(ref("Term")),
        "languages": array(ref("Language")),
        "cost": {"type": "string", "enum": list(COSTS)},
        "cost_details": STRING,
        "city": nullable(STRING),
        "region": nullable(STRING),
        "country": nullable(STRING),
        "latitude": nullable({"type": "number", "minimum": -90, "maximum": 90,
                              "description": "Rounded to 2 decimals when location_precision is approximate; "
                                             "null for online-only listings."}),
        "longitude": nullable({"type": "number", "minimum": -180, "maximum": 180}),
        "location_precision": nullable({"type": "string", "enum": list(PRECISIONS)}),
        "time_zone": {"type": "string", "description": "IANA time zone the meetings are in."},
        "next_meeting": nullable({**DATETIME, "description": "Start of the next meeting, in the group's zone "
                                                             "with its UTC offset."}),
        "meetings": array(ref("Meeting")),
        "accepting_mentees": nullable({"type": "boolean", "description": "Mentors only."}),
        "availability": nullable({"type": "string", "description": "Mentors only."}),
        "last_confirmed_at": nullable(DATETIME),
        "stale": {"type": "boolean", "description": "Not confirmed by its organiser for a long while."},
        "is_demo": {"type": "boolean", "description": "Fictional demo data."},
        "url": URL,
        "ics_url": nullable({**URL, "description": "iCalendar feed of the meetings."}),
    }
    result = {
        **summary,
        "section": {"type": "string", "enum": ["local", "online"]},
        "distance_miles": nullable({"type": "number", "minimum": 0,
                                    "description": "Null without an origin or for online-only listings."}),
        "distance_km": nullable({"type": "number", "minimum": 0}),
    }
    detail = {
        **summary,
        "description": STRING,
        "experience": nullable(STRING),
        "meets": nullable(array({"type": "string", "enum": ["in_person", "phone", "video"]})),
        "address_line": nullable({"type": "string", "description": "Only when the exact place is public."}),
        "postal_code": nullable({"type": "string", "description": "Only when the exact place is public."}),
        "website": nullable(URL),
        "phone": nullable(STRING),
        "online_url": nullable(URL),
        "online_url_on_request": {"type": "boolean",
                                  "description": "The join link is sent after one gets in touch."},
        "upcoming": array(ref("Occurrence"), maxItems=3),
        "published_at": nullable(DATETIME),
        "contact_url": nullable({**URL, "description": "The page where a visitor writes to the organiser."}),
        "report_url": nullable(URL),
    }
    return {
        "Term": term,
        "VocabularyEntry": obj({"slug": {"type": "string", "pattern": SLUG_PATTERN}, "name": STRING,
                                "description": STRING}),
        "Language": obj({"code": {"type": "string", "pattern": "^[a-z]{2}$"}, "name": STRING}),
        "Place": obj({
            "name": STRING,
            "label": STRING,
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "time_zone": STRING,
            "country": STRING,
            "region": nullable(STRING),
            "postal_code": nullable(STRING),
            "kind": {"type": "string", "enum": ["city", "postal", "point"]},
            "query": {"type": "string", "description": "Pass as `near` to search around this place."},
        }),
        "Meeting": obj({
            "weekday": nullable({"type": "string", "enum": list(WEEKDAYS)}),
            "start_time": nullable({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$",
                                    "description": "Local wall-clock time (HH:MM) in time_zone."}),
            "duration_minutes": nullable({"type": "integer", "minimum": 0}),
            "recurrence": {"type": "string", "enum": list(RECURRENCES)},
            "week_of_month": nullable({
                "type": "integer", "enum": [1, 2, 3, 4, 5, -1],
                "description": "Monthly meetings: which weekday of the month (-1: the last).",
            }),
            "anchor_date": nullable({"type": "string", "format": "date",
                                     "description": "Every-other-week meetings: one date they fall on."}),
            "time_zone": STRING,
            "notes": STRING,
            "description": {"type": "string", "description": "The rule in words, e.g. 'Every Tuesday, "
                                                             "7:00 PM – 8:30 PM EST'."}
        }),
        "Occurrence": obj({"start": DATETIME, "end": DATETIME}),
        "SearchResult": obj(result),
        "Listing": obj(detail),
        "OnlinePreview": obj({"total": {"type": "integer", "minimum": 0},
                              "total_exact": {"type": "boolean",
                                              "description": "False when there are more than total."},
                              "results": array(ref("SearchResult"), maxItems=ONLINE_PREVIEW)}),
        "WiderRadius": obj({"radius": {"type": "integer", "enum": list(RADII)},
                            "count": {"type": "integer", "minimum": 1}},
                           description="The next distance that finds more, when few listings are near."),
        "Query": obj({
            "near": nullable(STRING),
            "radius": {"type": "integer", "enum": list(RADII)},
            "units": {"type": "string", "enum": list(UNITS)},
            "kind": nullable({"type": "string", "enum": list(KINDS)}),
            "topic": array(STRING),
            "audience": array(STRING),
            "format": nullable({"type": "string", "enum": list(FORMATS)}),
            "day": array({"type": "string", "enum": list(WEEKDAYS)}),
            "cost": nullable({"type": "string", "enum": list(COSTS)}),
            "language": nullable(STRING),
            "q": nullable(STRING),
        }, description="The search as understood, defaults filled in."),
        "Links": obj({"self": URL, "next": nullable(URL), "prev": nullable(URL), "html": URL}),
        "SearchResponse": obj({
            "query": ref("Query"),
            "origin": nullable(ref("Place")),
            "place_not_found": {"type": "boolean"},
            "alternatives": array(ref("Place")),
            "suggestions": array(ref("Place")),
            "section": {"type": "string", "enum": ["local", "online"],
                        "description": "Which list results, total, page and pages refer to."},
            "results": array(ref("SearchResult")),
            "total": {"type": "integer", "minimum": 0},
            "total_exact": {"type": "boolean", "description": "False when there are more than total."},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "online": nullable(ref("OnlinePreview")),
            "wider_radius": nullable(ref("WiderRadius")),
            "keywords_ignored": {
                "type": "boolean",
                "description": "q held nothing searchable (only common words or punctuation).",
            },
            "links": ref("Links"),
        }),
        "DemandArea": obj({
            "area": obj({
                "label": {"type": "string", "description": "The largest town in the area."},
                "place": {"type": "string", "description": "What to search for to find that town again."},
                "latitude": {"type": "number", "description": "The middle of the area (about 25 km a side)."},
                "longitude": {"type": "number"},
            }, required=["label", "place", "latitude", "longitude"]),
            "topics": array(STRING, description="Topic slugs of the searches; empty: any topic."),
            "searches": {"type": "integer", "minimum": 1,
                         "description": "Searches that found nothing near in the window (never under "
                                        "the threshold)."},
            "start_group": URL,
        }, required=["area", "topics", "searches", "start_group"]),
        "DemandList": obj({
            "threshold": {"type": "integer", "minimum": 1},
            "window_days": {"type": "integer", "minimum": 1},
            "near_miles": {"type": "integer", "minimum": 1},
            "areas": array(ref("DemandArea")),
            "html": URL,
        }, required=["threshold", "window_days", "near_miles", "areas", "html"],
            description="Where men searched and found no group or mentor near, at least threshold times."),
        "TopicList": obj({"topics": array(ref("VocabularyEntry"))}),
        "AudienceList": obj({"audiences": array(ref("VocabularyEntry"))}),
        "Error": obj({
            "error": obj({
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "title": STRING,
                "message": STRING,
                "fields": {"type": "object", "additionalProperties": STRING,
                           "description": "Parameter name → why its value was refused."},
            }, required=["status", "title", "message"]),
        }),
    }
