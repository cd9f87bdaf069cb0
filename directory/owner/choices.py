"""What the listing form offers to choose from: languages, time zones, days, how often, format, cost."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from wtforms import SelectChoice

from ..listings.models import (
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
    RECURRENCE_WEEKLY,
)

# ISO 639-1 codes with their names in English, the most common in the areas served first.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("pt", "Portuguese"),
    ("de", "German"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("ro", "Romanian"),
    ("el", "Greek"),
    ("tr", "Turkish"),
    ("ar", "Arabic"),
    ("fa", "Persian (Farsi)"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("ur", "Urdu"),
    ("pa", "Punjabi"),
    ("bn", "Bengali"),
    ("ta", "Tamil"),
    ("gu", "Gujarati"),
    ("zh", "Chinese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog (Filipino)"),
    ("th", "Thai"),
    ("so", "Somali"),
    ("am", "Amharic"),
    ("sw", "Swahili"),
    ("ht", "Haitian Creole"),
    ("ga", "Irish"),
    ("cy", "Welsh"),
    ("gd", "Scottish Gaelic"),
    ("mi", "Māori"),
)
LANGUAGE_NAMES = dict(LANGUAGES)

# Zones most owners need, by the areas the gazetteer covers; every other IANA zone follows.
COMMON_TIME_ZONES: tuple[tuple[str, str], ...] = (
    ("America/New_York", "US Eastern (New York)"),
    ("America/Chicago", "US Central (Chicago)"),
    ("America/Denver", "US Mountain (Denver)"),
    ("America/Phoenix", "US Arizona (Phoenix)"),
    ("America/Los_Angeles", "US Pacific (Los Angeles)"),
    ("America/Anchorage", "US Alaska (Anchorage)"),
    ("Pacific/Honolulu", "US Hawaii (Honolulu)"),
    ("America/Halifax", "Canada Atlantic (Halifax)"),
    ("America/St_Johns", "Canada Newfoundland (St. John's)"),
    ("America/Toronto", "Canada Eastern (Toronto)"),
    ("America/Winnipeg", "Canada Central (Winnipeg)"),
    ("America/Edmonton", "Canada Mountain (Edmonton)"),
    ("America/Vancouver", "Canada Pacific (Vancouver)"),
    ("Europe/London", "United Kingdom (London)"),
    ("Europe/Dublin", "Ireland (Dublin)"),
    ("Australia/Sydney", "Australia Eastern (Sydney, Melbourne)"),
    ("Australia/Brisbane", "Australia Queensland (Brisbane)"),
    ("Australia/Adelaide", "Australia Central (Adelaide)"),
    ("Australia/Perth", "Australia Western (Perth)"),
    ("Pacific/Auckland", "New Zealand (Auckland)"),
)
ZONE_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian",
              "Pacific")

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_CHOICES = [("", "Choose a day")] + [(str(number), name) for number, name in enumerate(DAY_NAMES)]
RECURRENCE_CHOICES = [
    (RECURRENCE_WEEKLY, "Every week"),
    (RECURRENCE_BIWEEKLY, "Every other week"),
    (RECURRENCE_MONTHLY, "Once a month"),
]
WEEK_OF_MONTH_CHOICES = [("", "Choose (monthly only)"), ("1", "First"), ("2", "Second"), ("3", "Third"),
                         ("4", "Fourth"), ("-1", "Last")]
WEEKDAY_VALUES = frozenset(value for value, _ in WEEKDAY_CHOICES if value)
WEEK_OF_MONTH_VALUES = frozenset(value for value, _ in WEEK_OF_MONTH_CHOICES if value)
FORMAT_CHOICES = [
    (FORMAT_IN_PERSON, "In person"),
    (FORMAT_ONLINE, "Online"),
    (FORMAT_HYBRID, "Both: in person and online"),
]
COST_CHOICES = [("free", "Free"), ("donation", "Donation, pay what you can"), ("paid", "Paid")]

def options(pairs: Iterable[tuple[str, str]], group: str | None = None) -> list[SelectChoice]:
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
    "EST": "Eastern time", "CST": "Central time", "MST": "Mountain time", "PST": "Pacific time",
    "AKST": "Alaska time", "HST": "Hawaii time", "AST": "Atlantic time", "NST": "Newfoundland time",
    "GMT": "UK time", "AEST": "Australian Eastern time", "ACST": "Australian Central time",
    "AWST": "Australian Western time", "NZST": "New Zealand time",
}


def zone_name(zone: str) -> str:
    """'America/Denver' -> 'Mountain time', as an owner says it; 'Europe/Paris' -> 'Paris time'."""
    if not is_time_zone(zone):
        return ""
    # January and July: the standard name is whichever is not daylight time (south and north alike).
    names = [datetime(2025, month, 15, tzinfo=ZoneInfo(zone)) for month in (1, 7)]
    standard = next((moment.tzname() for moment in names if not moment.dst()), names[0].tzname()) or ""
    if zone == "Europe/Dublin":
        return "Irish time"
    return ZONE_NAMES.get(standard, zone.rsplit("/", 1)[-1].replace("_", " ") + " time")
