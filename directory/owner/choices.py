"""What the listing form offers to choose from: languages, time zones, days, how often, format, cost."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from wtforms import SelectChoice

from ..i18n import gettext, lazy_gettext
from ..listings.models import (
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
    RECURRENCE_WEEKLY,
)

# ISO 639-1 codes with their names in English, the most common in the areas served first.
LANGUAGES: tuple[tuple[str, Any], ...] = (
    ("en", lazy_gettext("English")),
    ("es", lazy_gettext("Spanish")),
    ("fr", lazy_gettext("French")),
    ("pt", lazy_gettext("Portuguese")),
    ("de", lazy_gettext("German")),
    ("it", lazy_gettext("Italian")),
    ("nl", lazy_gettext("Dutch")),
    ("pl", lazy_gettext("Polish")),
    ("ru", lazy_gettext("Russian")),
    ("uk", lazy_gettext("Ukrainian")),
    ("ro", lazy_gettext("Romanian")),
    ("el", lazy_gettext("Greek")),
    ("tr", lazy_gettext("Turkish")),
    ("ar", lazy_gettext("Arabic")),
    ("fa", lazy_gettext("Persian (Farsi)")),
    ("he", lazy_gettext("Hebrew")),
    ("hi", lazy_gettext("Hindi")),
    ("ur", lazy_gettext("Urdu")),
    ("pa", lazy_gettext("Punjabi")),
    ("bn", lazy_gettext("Bengali")),
    ("ta", lazy_gettext("Tamil")),
    ("gu", lazy_gettext("Gujarati")),
    ("zh", lazy_gettext("Chinese")),
    ("ja", lazy_gettext("Japanese")),
    ("ko", lazy_gettext("Korean")),
    ("vi", lazy_gettext("Vietnamese")),
    ("tl", lazy_gettext("Tagalog (Filipino)")),
    ("th", lazy_gettext("Thai")),
    ("so", lazy_gettext("Somali")),
    ("am", lazy_gettext("Amharic")),
    ("sw", lazy_gettext("Swahili")),
    ("ht", lazy_gettext("Haitian Creole")),
    ("ga", lazy_gettext("Irish")),
    ("cy", lazy_gettext("Welsh")),
    ("gd", lazy_gettext("Scottish Gaelic")),
    ("mi", lazy_gettext("Māori")),
)
LANGUAGE_NAMES = dict(LANGUAGES)

# Zones most owners need, by the areas the gazetteer covers; every other IANA zone follows.
COMMON_TIME_ZONES: tuple[tuple[str, Any], ...] = (
    ("America/New_York", lazy_gettext("US Eastern (New York)")),
    ("America/Chicago", lazy_gettext("US Central (Chicago)")),
    ("America/Denver", lazy_gettext("US Mountain (Denver)")),
    ("America/Phoenix", lazy_gettext("US Arizona (Phoenix)")),
    ("America/Los_Angeles", lazy_gettext("US Pacific (Los Angeles)")),
    ("America/Anchorage", lazy_gettext("US Alaska (Anchorage)")),
    ("Pacific/Honolulu", lazy_gettext("US Hawaii (Honolulu)")),
    ("America/Halifax", lazy_gettext("Canada Atlantic (Halifax)")),
    ("America/St_Johns", lazy_gettext("Canada Newfoundland (St. John's)")),
    ("America/Toronto", lazy_gettext("Canada Eastern (Toronto)")),
    ("America/Winnipeg", lazy_gettext("Canada Central (Winnipeg)")),
    ("America/Edmonton", lazy_gettext("Canada Mountain (Edmonton)")),
    ("America/Vancouver", lazy_gettext("Canada Pacific (Vancouver)")),
    ("Europe/London", lazy_gettext("United Kingdom (London)")),
    ("Europe/Dublin", lazy_gettext("Ireland (Dublin)")),
    ("Australia/Sydney", lazy_gettext("Australia Eastern (Sydney, Melbourne)")),
    ("Australia/Brisbane", lazy_gettext("Australia Queensland (Brisbane)")),
    ("Australia/Adelaide", lazy_gettext("Australia Central (Adelaide)")),
    ("Australia/Perth", lazy_gettext("Australia Western (Perth)")),
    ("Pacific/Auckland", lazy_gettext("New Zealand (Auckland)")),
)
ZONE_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian",
              "Pacific")

DAY_NAMES = (lazy_gettext("Monday"), lazy_gettext("Tuesday"), lazy_gettext("Wednesday"),
             lazy_gettext("Thursday"), lazy_gettext("Friday"), lazy_gettext("Saturday"),
             lazy_gettext("Sunday"))
WEEKDAY_CHOICES = [("", lazy_gettext("Choose a day"))] + [
    (str(number), name) for number, name in enumerate(DAY_NAMES)]
RECURRENCE_CHOICES = [
    (RECURRENCE_WEEKLY, lazy_gettext("Every week")),
    (RECURRENCE_BIWEEKLY, lazy_gettext("Every other week")),
    (RECURRENCE_MONTHLY, lazy_gettext("Once a month")),
]
WEEK_OF_MONTH_CHOICES = [("", lazy_gettext("Choose (monthly only)")), ("1", lazy_gettext("First")),
                         ("2", lazy_gettext("Second")), ("3", lazy_gettext("Third")),
                         ("4", lazy_gettext("Fourth")), ("-1", lazy_gettext("Last"))]
WEEKDAY_VALUES = frozenset(value for value, _ in WEEKDAY_CHOICES if value)
WEEK_OF_MONTH_VALUES = frozenset(value for value, _ in WEEK_OF_MONTH_CHOICES if value)
FORMAT_CHOICES = [
    (FORMAT_IN_PERSON, lazy_gettext("In person")),
    (FORMAT_ONLINE, lazy_gettext("Online")),
    (FORMAT_HYBRID, lazy_gettext("Both: in person and online")),
]
COST_CHOICES = [("free", lazy_gettext("Free")), ("donation", lazy_gettext("Donation, pay what you can")),
                ("paid", lazy_gettext("Paid"))]

def options(pairs: Iterable[tuple[str, Any]], group: Any = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, optionally inside one <optgroup>."""
    return [SelectChoice(value, label, optgroup=group) for value, label in pairs]


@cache
def time_zone_pairs() -> tuple[tuple[str, str], ...]:
    """Every IANA zone a person might live in (no 'Etc/GMT+5' or 'US/Eastern' aliases), by name."""
    common = {zone for zone, _ in COMMON_TIME_ZONES}
    return tuple(
        (zone, zone.replace("_", " "))
        for zone in sorted(available_timezones())
        if "/" in zone and zone.split("/", 1)[0] in ZONE_AREAS and zone not in common
    )


@cache
def _zone_names() -> frozenset[str]:
    """Every IANA zone name, read once: available_timezones() walks the tz database on each call."""
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    if not name or len(name) > 64 or name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError):
        return False
    return True


# What people call the zones by their usual abbreviation; other zones are named after their city.
ZONE_NAMES = {
    "EST": lazy_gettext("Eastern time"), "CST": lazy_gettext("Central time"),
    "MST": lazy_gettext("Mountain time"), "PST": lazy_gettext("Pacific time"),
    "AKST": lazy_gettext("Alaska time"), "HST": lazy_gettext("Hawaii time"),
    "AST": lazy_gettext("Atlantic time"), "NST": lazy_gettext("Newfoundland time"),
    "GMT": lazy_gettext("UK time"), "AEST": lazy_gettext("Australian Eastern time"),
    "ACST": lazy_gettext("Australian Central time"), "AWST": lazy_gettext("Australian Western time"),
    "NZST": lazy_gettext("New Zealand time"),
}


def zone_name(zone: str) -> str:
    """'America/Denver' -> 'Mountain time', as an owner says it; 'Europe/Paris' -> 'Paris time'."""
    if not is_time_zone(zone):
        return ""
    # January and July: the standard name is whichever is not daylight time (south and north alike).
    names = [datetime(2025, month, 15, tzinfo=ZoneInfo(zone)) for month in (1, 7)]
    standard = next((moment.tzname() for moment in names if not moment.dst()), names[0].tzname()) or ""
    if zone == "Europe/Dublin":
        return gettext("Irish time")
    if standard in ZONE_NAMES:
        return str(ZONE_NAMES[standard])
    return gettext("%(city)s time", city=zone.rsplit("/", 1)[-1].replace("_", " "))
