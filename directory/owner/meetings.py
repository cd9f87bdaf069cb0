"""One row of a group's "When": a meeting's day, time, length and recurrence, read from the form and back."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from babel.dates import get_day_names
from wtforms import BooleanField, Form, SelectField, StringField

from ..i18n import babel_locale, gettext, lazy_gettext
from ..listings.models import RECURRENCE_BIWEEKLY, RECURRENCE_MONTHLY, RECURRENCE_WEEKLY
from .choices import (
    RECURRENCE_CHOICES,
    WEEK_OF_MONTH_CHOICES,
    WEEK_OF_MONTH_VALUES,
    WEEKDAY_CHOICES,
    WEEKDAY_VALUES,
    options,
)
from .fields import ClockField, DayField, MaxLength, WholeNumberField, single_line

MIN_DURATION, MAX_DURATION = 15, 600


class MeetingForm(Form):
    """One row of 'When': blank rows and rows marked for removal are ignored."""

    weekday = SelectField(lazy_gettext("Day"), choices=options(WEEKDAY_CHOICES), validate_choice=False)
    start_time = ClockField(lazy_gettext("Starts at"))
    duration_minutes = WholeNumberField(lazy_gettext("Length in minutes"), default=90)
    recurrence = SelectField(lazy_gettext("How often"), choices=options(RECURRENCE_CHOICES),
                             default=RECURRENCE_WEEKLY, validate_choice=False)
    week_of_month = SelectField(lazy_gettext("Which week of the month"),
                                choices=options(WEEK_OF_MONTH_CHOICES), validate_choice=False)
    anchor_date = DayField(lazy_gettext("One date it meets (every other week)"))
    notes = StringField(lazy_gettext("Note (optional)"), validators=[MaxLength(200), single_line],
                        description=lazy_gettext("For example “first-timers arrive 15 minutes early”."))
    remove = BooleanField(lazy_gettext("Remove this meeting"))

    @property
    def is_blank(self) -> bool:
        typed_time = (self.start_time.raw_data or [""])[0].strip()
        return not (self.weekday.data or typed_time or self.start_time.data)

    @property
    def is_ignored(self) -> bool:
        return bool(self.remove.data) or self.is_blank

    def validate(self, extra_validators=None) -> bool:
        if self.is_ignored:
            return True
        valid = super().validate(extra_validators)
        if self.weekday.data not in {value for value, _ in WEEKDAY_CHOICES if value}:
            self.weekday.errors.append(gettext("Choose the day of the week."))
            valid = False
        if self.start_time.data is None and not self.start_time.errors:
            self.start_time.errors.append(gettext("Enter the time it starts, like 19:00."))
            valid = False
        duration = self.duration_minutes.data
        if not self.duration_minutes.errors:
            if duration is None:
                self.duration_minutes.errors.append(gettext("Enter how long it lasts, in minutes."))
                valid = False
            elif not MIN_DURATION <= duration <= MAX_DURATION:
                self.duration_minutes.errors.append(
                    gettext("Enter a length between %(low)s and %(high)s minutes.", low=MIN_DURATION,
                            high=MAX_DURATION)
                )
                valid = False
        recurrence = self.recurrence.data
        if recurrence not in {value for value, _ in RECURRENCE_CHOICES}:
            self.recurrence.errors.append(gettext("Choose how often it meets."))
            valid = False
        elif recurrence == RECURRENCE_MONTHLY and self.week_of_month.data not in {"1", "2", "3", "4", "-1"}:
            self.week_of_month.errors.append(
                gettext("Choose which week of the month (first, second... or last)."))
            valid = False
        elif recurrence == RECURRENCE_BIWEEKLY and not self.anchor_date.errors:
            if self.anchor_date.data is None:
                self.anchor_date.errors.append(gettext("Give one date it meets, so people know which weeks."))
                valid = False
            elif self.weekday.data and str(self.anchor_date.data.weekday()) != self.weekday.data:
                # The day as a sentence says it, in the page's language ('Tuesday', 'martes').
                day = get_day_names("wide", locale=babel_locale())[int(self.weekday.data)]
                self.anchor_date.errors.append(
                    gettext("That date is not a %(day)s. Choose a %(day)s it meets on.", day=day))
                valid = False
        return valid

    def to_data(self) -> dict[str, Any]:
        """Snapshot shape (see listings.snapshots.snapshot): times as 'HH:MM', dates as ISO strings.

        Values that did not validate come out as None; only a valid row is ever saved.
        """
        recurrence = self.recurrence.data
        weekday, week = self.weekday.data or "", self.week_of_month.data or ""
        start, anchor = self.start_time.data, self.anchor_date.data
        return {
            # Only values from the lists: "²".isdigit() is True, yet int("²") raises.
            "weekday": int(weekday) if weekday in WEEKDAY_VALUES else None,
            "start_time": start.strftime("%H:%M") if isinstance(start, time) else None,
            "duration_minutes": self.duration_minutes.data,
            "recurrence": recurrence,
            "week_of_month": (int(week) if recurrence == RECURRENCE_MONTHLY and week in WEEK_OF_MONTH_VALUES
                              else None),
            "anchor_date": anchor.isoformat() if recurrence == RECURRENCE_BIWEEKLY and anchor else None,
            "notes": (self.notes.data or "").strip(),
        }

def meeting_values(item: dict[str, Any]) -> dict[str, Any]:
    """A snapshot meeting as form data."""
    start = item.get("start_time")
    anchor = item.get("anchor_date")
    week = item.get("week_of_month")
    return {
        "weekday": "" if item.get("weekday") is None else str(item["weekday"]),
        "start_time": time.fromisoformat(start) if isinstance(start, str) else start,
        "duration_minutes": item.get("duration_minutes"),
        "recurrence": item.get("recurrence") or RECURRENCE_WEEKLY,
        "week_of_month": "" if week is None else str(week),
        "anchor_date": date.fromisoformat(anchor) if isinstance(anchor, str) else anchor,
        "notes": item.get("notes") or "",
    }
