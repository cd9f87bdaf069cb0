"""A search's parameters: query arguments read into a `SearchParams`, and back into arguments.

Reading the arguments checks their form only and never asks the database: whether a topic or
audience slug names a row is the next step's question (`vocabulary.resolve`).
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from werkzeug.datastructures import MultiDict

from ...config import DEFAULTS
from ...i18n import N_, gettext
from ...validators import CONTROL_CHARACTERS
from ..models import COSTS, FORMAT_IN_PERSON, FORMAT_ONLINE, FORMATS, KINDS, WEEKDAYS
from .fulltext import MAX_QUERY_CHARS

RADII = (1, 5, 10, 25, 50, 100)  # miles
DEFAULT_RADIUS = 10
UNITS = ("mi", "km")
MAX_PAGE = 500
MAX_PER_PAGE = 100  # when the caller lets the arguments choose (the API)
MAX_NEAR_CHARS = 100
MAX_REPEATED = 20  # values of one repeatable parameter
# Longest number read from a parameter: int() refuses more than 4,300 digits, and none is needed.
MAX_DIGITS = 6
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE = re.compile(r"^[a-z]{2}$")

LABELS = {
    "near": "Place",
    "radius": "Distance",
    "units": "Units",
    "kind": "Type",
    "topic": "Topic",
    "audience": "Who it's for",
    "format": "Format",
    "day": "Day",
    "cost": "Cost",
    "language": "Language",
    "q": "Keywords",
    "show": "Show",
    "page": "Page",
    "per_page": "Results per page",
}
# What the search box shows for the visitor's own position ("Use my location"); the position itself
# travels beside it in `at` ("40.748,-73.997"), so the box never shows raw coordinates.
MY_LOCATION = N_("My location")
# `show=online`: the page lists every online option. A way of looking at the results the page links
# to, not a filter the visitor chose (format=online is that).
SHOW = ("online",)
# Parameter → the SearchParams field holding its values, for the two read from the database.
VOCABULARIES = {"topic": "topics", "audience": "audiences"}


class InvalidSearch(ValueError):
    """One or more search parameters were not acceptable; `errors` maps parameter → message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass(frozen=True)
class Vocabulary:
    """The ids of the topics and audiences a search asks for (an empty tuple: no such filter; (-1,):
    a filter nothing matches), and whether every topic has a bit of its own (see topic_bits.unique)."""

    topics: tuple[int, ...] = ()
    audiences: tuple[int, ...] = ()
    topic_bits_unique: bool = True


@dataclass(frozen=True)
class SearchParams:
    """A search whose values have the right form. Build one with `from_args` (collects errors) or
    `parse` (raises); `vocabulary.resolve` then reads the slugs' ids."""

    near: str = ""
    radius: int = DEFAULT_RADIUS
    units: str = "mi"
    kind: str | None = None
    topics: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    format: str | None = None
    days: tuple[str, ...] = ()
    cost: str | None = None
    language: str | None = None
    q: str = ""
    show: str | None = None
    page: int = 1
    per_page: int = 20
    # Parameter → friendly message for every value that was refused (and left out of the search).
    errors: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The slugs' ids, once `vocabulary.resolve` has read them; None: not read yet.
    vocabulary: Vocabulary | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_args(cls, args: Mapping[str, Any] | MultiDict[str, Any], *, per_page: int | None = None,
                  allow_per_page: bool = False) -> SearchParams:
        """Read query arguments. A bad value is left out and explained in `errors`; nothing raises.

        `per_page` defaults to SEARCH_PER_PAGE; with `allow_per_page` the arguments may set it.
        """
        args = args if isinstance(args, MultiDict) else MultiDict(args)
        read = _Reader(args, {"per_page": per_page or _config_per_page()})
        read.text("near", MAX_NEAR_CHARS,
                  gettext("Please enter a shorter place name (at most %(num)s characters).",
                          num=MAX_NEAR_CHARS))
        mine = {MY_LOCATION.casefold(), gettext(MY_LOCATION).casefold()}
        if read.values.get("near", "").casefold() in mine:
            read.values["near"] = _one(args, "at")[:MAX_NEAR_CHARS]
        read.number("radius", RADII, gettext("Choose a distance of %(choices)s miles.",
                                             choices=_choices_text([str(r) for r in RADII])))
        read.choice("units", UNITS, gettext("Choose miles (mi) or kilometres (km)."))
        read.choice("kind", KINDS, gettext("Choose mentor or group."))
        read.choice("format", FORMATS, gettext("Choose in person, online or hybrid."))
        read.choice("cost", COSTS, gettext("Choose free, donation or paid."))
        read.slugs("topic")
        read.slugs("audience")
        read.days()
        read.choice("language", LANGUAGE,
                    gettext("Choose a language by its two-letter code, such as en or es."))
        read.text("q", MAX_QUERY_CHARS,
                  gettext("Please use fewer keywords (at most %(num)s characters).", num=MAX_QUERY_CHARS))
        read.choice("show", SHOW, gettext("Leave out “show”, or use show=online to see every online option."))
        read.number("page", range(1, MAX_PAGE + 1),
                    gettext("Pages are numbered from 1 to %(num)s.", num=MAX_PAGE))
        if allow_per_page:
            read.number("per_page", range(1, MAX_PER_PAGE + 1),
                        gettext("Ask for between 1 and %(num)s results per page.", num=MAX_PER_PAGE))
        return cls(**read.values, errors=read.errors)

    @classmethod
    def parse(cls, args: Mapping[str, Any] | MultiDict[str, Any], **options: Any) -> SearchParams:
        """Like `from_args`, but any badly formed value raises InvalidSearch."""
        return cls.from_args(args, **options).checked()

    def checked(self) -> SearchParams:
        """This search, or InvalidSearch if any value was refused (what an API wants)."""
        if self.errors:
            raise InvalidSearch(self.errors)
        return self

    def with_changes(self, **changes: Any) -> SearchParams:
        """A copy with some values changed (page back to 1 unless given), errors dropped."""
        changes.setdefault("page", 1)
        if "topics" in changes or "audiences" in changes:
            changes["vocabulary"] = None  # read again for the new slugs
        return replace(self, errors={}, **changes)

    def to_args(self, **overrides: Any) -> dict[str, str | list[str]]:
        """Query arguments that reproduce this search, defaults left out: for bookmarkable URLs.

        Pass them to url_for (lists become repeated parameters). `overrides` change values first,
        e.g. `params.to_args(page=3)` or `params.to_args(radius=25, page=1)`.
        """
        params = replace(self, **overrides) if overrides else self
        pairs: dict[str, str | list[str]] = {}
        if params.near:
            pairs["near"] = params.near
        if params.radius != DEFAULT_RADIUS:
            pairs["radius"] = str(params.radius)
        if params.units != "mi":
            pairs["units"] = params.units
        for name in ("kind", "format", "cost", "language"):
            value = getattr(params, name)
            if value:
                pairs[name] = value
        if params.topics:
            pairs["topic"] = list(params.topics)
        if params.audiences:
            pairs["audience"] = list(params.audiences)
        if params.days:
            pairs["day"] = list(params.days)
        if params.q:
            pairs["q"] = params.q
        if params.show:
            pairs["show"] = params.show
        if params.page != 1:
            pairs["page"] = str(params.page)
        return pairs

    @property
    def weekday_numbers(self) -> tuple[int, ...]:
        return tuple(WEEKDAYS.index(day) for day in self.days)

    @property
    def has_filters(self) -> bool:
        """Whether anything narrows the search besides the place and distance."""
        return bool(self.kind or self.topics or self.audiences or self.format or self.days or self.cost
                    or self.language or self.q)

    @property
    def shown(self) -> slice:
        """Which entries of the paginated list this page shows."""
        start = (self.page - 1) * self.per_page
        return slice(start, start + self.per_page)

    def wants_local(self) -> bool:
        return self.format != FORMAT_ONLINE and self.show != "online"

    def wants_online(self) -> bool:
        return self.format != FORMAT_IN_PERSON


class _Reader:
    """Reads query arguments one parameter at a time: a good value goes into `values` under its field's
    name, a bad one's message into `errors` under the parameter's."""

    def __init__(self, args: MultiDict[str, Any], values: dict[str, Any]) -> None:
        self.args, self.values = args, values
        self.errors: dict[str, str] = {}

    def text(self, name: str, longest: int, message: str) -> None:
        value = _one(self.args, name)
        if len(value) > longest:
            self.errors[name] = message
        else:
            self.values[name] = value

    def number(self, name: str, accepted: Container[int], message: str) -> None:
        value = _one(self.args, name)
        if value:
            if value.isdecimal() and len(value) <= MAX_DIGITS and int(value) in accepted:
                self.values[name] = int(value)
            else:
                self.errors[name] = message

    def choice(self, name: str, accepted: Container[str] | re.Pattern[str], message: str) -> None:
        """A value among `accepted`, or one that it matches; compared in lower case."""
        value = _one(self.args, name).lower()
        if value:
            if accepted.match(value) if isinstance(accepted, re.Pattern) else value in accepted:
                self.values[name] = value
            else:
                self.errors[name] = message

    def slugs(self, name: str) -> None:
        slugs = _many(self.args, name)
        if len(slugs) > MAX_REPEATED or any(not SLUG.match(slug) for slug in slugs):
            self.errors[name] = (gettext("That topic is not one we know.") if name == "topic"
                                 else gettext("That who it's for is not one we know."))
        else:
            self.values[VOCABULARIES[name]] = tuple(slugs)

    def days(self) -> None:
        days = [day.lower()[:3] for day in _many(self.args, "day")]
        if any(day not in WEEKDAYS for day in days):
            self.errors["day"] = gettext("Choose days as mon, tue, wed, thu, fri, sat or sun.")
        else:
            self.values["days"] = tuple(sorted(set(days), key=WEEKDAYS.index))


def _one(args: MultiDict[str, Any], name: str) -> str:
    """The first non-empty value of a parameter, trimmed, control characters made spaces; '' when absent."""
    for value in args.getlist(name):
        value = CONTROL_CHARACTERS.sub(" ", str(value)).strip()
        if value:
            return value
    return ""


def _many(args: MultiDict[str, Any], name: str) -> list[str]:
    """Every non-empty value of a repeatable parameter (comma-separated values are split too)."""
    found: list[str] = []
    for value in args.getlist(name):
        value = CONTROL_CHARACTERS.sub(" ", str(value))
        found.extend(part.strip().lower() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(found))


def _choices_text(choices: list[str]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def _config_per_page() -> int:
    """The app's page size; outside an app context, config.py's default."""
    try:
        return int(current_app.config["SEARCH_PER_PAGE"])
    except RuntimeError:
        return int(DEFAULTS["SEARCH_PER_PAGE"])
