"""Values, helpers and filters every template can use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import NullTranslations
from flask import Flask, current_app, request, url_for
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from ..i18n import N_, babel_locale, current_locale, gettext, ngettext, per_catalogue
from ..timeutil import utcnow
from ..urls import external_url

# The US crisis line's number: dialled when the configured line mentions it and CRISIS_TEL is unset.
US_CRISIS_TEL = "988"
# The default crisis line, marked so each catalogue says it in its language (a line an operator configured
# is shown as written). 988 answers in Spanish too: how to reach that service, on pages in Spanish.
DEFAULT_CRISIS_LINE = N_("In crisis? In the US call or text 988.")
US_CRISIS_SPANISH = N_("For Spanish, press 2 when you call 988, or text AYUDA to 988.")
CSRF_MESSAGE = N_("This form had expired or was sent from somewhere else. Please check it and send it again.")


def url_with_args(endpoint: str | None = None, **overrides: Any) -> str:
    """The current URL (or `endpoint`'s) keeping every query parameter, repeated ones too.

    An override of None removes that parameter; a list value repeats it.
    """
    args = MultiDict(request.args)
    for key, value in overrides.items():
        args.poplist(key)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            for item in value:
                args.add(key, item)
        else:
            args.add(key, value)
    target = endpoint or request.endpoint
    if target is None:  # a request that matched no route has no page of its own to link to
        raise LookupError("url_with_args needs an endpoint when no route matched")
    view_args = dict(request.view_args or {}) if endpoint is None or endpoint == request.endpoint else {}
    # url_for takes repeated values as lists; keys that are URL rule arguments fill the rule instead.
    values: dict[str, Any] = {key: args.getlist(key) for key in args}
    values.update(view_args)
    return url_for(target, **values)


def form_error_list(form) -> list[dict[str, Any]]:
    """Every error in a form, flattened: [{'id', 'label', 'message'}], for the summary above the form.

    `label` is set only for WTForms' generic messages ("This field is required."), so the summary can say
    which field; a specific message ("Enter a name.") reads better alone.
    """
    found: list[dict[str, Any]] = []
    for message in getattr(form, "form_errors", None) or []:
        found.append({"id": None, "label": None, "message": message})
    for field in form:
        if field.type == "CSRFTokenField" and field.errors:
            found.append({"id": None, "label": None, "message": gettext(CSRF_MESSAGE)})
            continue
        for message in _messages(field.errors):
            hidden = field.type == "HiddenField"
            found.append({
                "id": None if hidden else field.id,
                "label": (field.label.text if field.label else field.name) if _is_generic(message) else None,
                "message": message,
            })
    return found


# WTForms' own messages don't say which field they are about; a specific one ("Enter a name.") does.
GENERIC_MESSAGE_STARTS = ("this field", "field ", "invalid", "not a valid", "please", "an error")


def _is_generic(message: str) -> bool:
    return message.strip().lower().startswith(GENERIC_MESSAGE_STARTS)


def _messages(errors: Any) -> Iterator[str]:
    """Field errors are a list of strings, or nested lists/dicts for FieldList and FormField."""
    if isinstance(errors, str) or isinstance(errors, LazyString):  # lazy_gettext messages, translated here
        yield str(errors)
    elif isinstance(errors, dict):
        for value in errors.values():
            yield from _messages(value)
    elif isinstance(errors, Iterable):
        for value in errors:
            yield from _messages(value)


def field_kind(field) -> str:
    """How the form macro lays out a field: hidden, submit, checkbox, radio, checkboxes, group or input."""
    from wtforms import fields

    if isinstance(field, fields.HiddenField):
        return "hidden"
    if isinstance(field, fields.SubmitField):  # a subclass of BooleanField, so it goes first
        return "submit"
    if isinstance(field, fields.BooleanField):
        return "checkbox"
    if isinstance(field, fields.RadioField):
        return "radio"
    if isinstance(field, fields.SelectMultipleField):
        return "checkboxes"
    if isinstance(field, fields.FormField | fields.FieldList):
        return "group"
    return "input"


def checkbox_choices(field) -> list[tuple[Any, str, bool]]:
    """(value, label, checked) for each choice of a SelectMultipleField; WTForms yields 3- or 4-tuples."""
    return [(choice[0], choice[1], bool(choice[2])) for choice in field.iter_choices()]


def timeago(value: datetime | date | None, now: datetime | None = None) -> str:
    """'today', 'yesterday', '12 days ago', '3 months ago', '2 years ago'; naive UTC in, as stored; in the
    page's language."""
    if value is None:
        return gettext("never")
    now = now or utcnow()
    if isinstance(value, datetime):
        days = (now.date() - value.date()).days
    else:
        days = (now.date() - value).days
    if days < 0:
        return gettext("in the future")
    if days == 0:
        return gettext("today")
    if days == 1:
        return gettext("yesterday")
    if days < 45:
        return ngettext("%(num)d day ago", "%(num)d days ago", days)
    if days < 365:
        months = max(1, round(days / 30.44))
        return ngettext("%(num)d month ago", "%(num)d months ago", months)
    years = days // 365
    return ngettext("%(num)d year ago", "%(num)d years ago", years)


def miles(value: float | int | None) -> str:
    """A distance in miles as people say it: 'under 0.1 mi', '2.4 mi', '37 mi'."""
    if value is None:
        return ""
    distance = float(value)
    if distance < 0.1:
        return "under 0.1 mi"
    if distance < 9.95:  # what would round to "10.0" reads better as "10"
        return f"{distance:.1f} mi"
    return f"{round(distance):,} mi"


def human_date(value: datetime | date | None) -> str:
    """'3 March 2025' ('3 de marzo de 2025'): no leading zero, month in words, so nobody confuses US and UK
    order. The pattern (Unicode LDML) is the catalogue's."""
    if value is None:
        return ""
    return format_date(value, gettext("d MMMM y"), locale=babel_locale())


def pluralize(count: int, singular: str, plural: str | None = None, more: bool = False) -> str:
    """'1 group', '1,124 groups'; with `more` (the count is a lower bound), 'more than 100 groups'."""
    if more:
        return f"more than {count:,} {plural or singular + 's'}"
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def number(value: int | float) -> str:
    """A count as the page's language writes it: '1,124' / '1.124'."""
    return format_decimal(value, locale=babel_locale())


def list_or(items: Iterable[Any]) -> Markup:
    """'A, B or C' in the page's language ('A, B o C'); the items are escaped, already-safe ones kept."""
    joined = format_list([str(escape(item)) for item in items], style="or", locale=babel_locale())
    # Every item is escaped; the rest is the language's own words.
    return Markup(joined)  # noqa: S704 # nosec B704


def crisis_tel(line: str) -> str | None:
    """The number to dial from the crisis line: CRISIS_TEL if set, else 988 when the line mentions it."""
    configured = current_app.config["CRISIS_TEL"]
    if configured:
        return str(configured)
    return US_CRISIS_TEL if US_CRISIS_TEL in line else None


def script_text(script: str) -> dict[str, str]:
    """What one of static/js's scripts says to a visitor, in the page's language. Its <script> tag carries
    it as JSON in `data-text`, so no script holds English of its own: `<script src="...map.js"
    data-text='{{ script_text("map")|tojson }}' defer>`. "{time}" marks a value the script fills in.
    Every page carries one: made once per language."""
    made = _script_texts()
    text = made.get(script)
    if text is None:
        text = made[script] = _script_text(script)
    return text


def _no_texts_yet(translations: NullTranslations) -> dict[str, dict[str, str]]:
    return {}


# Each script's text, by script, per catalogue (a catalogue is one language's).
_script_texts = per_catalogue(_no_texts_yet)


def _script_text(script: str) -> dict[str, str]:
    if script == "site":
        return {
            "useMyLocation": gettext("Use my location"),
            "myLocation": gettext("My location"),
            "findingLocation": gettext("Finding your location…"),
            "usingLocation": gettext("Using your location…"),
            "locationFailed": gettext("We couldn't get your location. Please type a ZIP code, postcode or "
                                      "town instead."),
        }
    if script == "map":
        return {
            "showMap": gettext("Show map"),
            "hideMap": gettext("Hide map"),
            "map": gettext("Map"),
            "mapImages": gettext("Images from OpenStreetMap."),
            "mapLoading": gettext("Loading the map…"),
            "mapFailed": gettext("The map could not be loaded. Everything it shows is in the list."),
            "yourSearch": gettext("Your search"),
            "generalArea": gettext("General area, not the exact place"),
        }
    if script == "localtime":
        return {"locale": current_locale(), "yourTime": gettext("(%(time)s your time)", time="{time}")}
    raise LookupError(f"no text for the script {script!r}")


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def site_values():
        line = app.config["CRISIS_LINE"]
        tel = crisis_tel(line)
        return {
            "site_name": app.config["SITE_NAME"],
            "crisis_line": gettext(line) if line == DEFAULT_CRISIS_LINE else line,
            "crisis_tel": tel,
            "crisis_in_spanish": (gettext(US_CRISIS_SPANISH)
                                  if tel == US_CRISIS_TEL and current_locale() == "es" else None),
        }

    app.jinja_env.globals.update(
        external_url=external_url,
        url_with_args=url_with_args,
        form_error_list=form_error_list,
        field_kind=field_kind,
        checkbox_choices=checkbox_choices,
        script_text=script_text,
    )
    app.jinja_env.filters.update(
        timeago=timeago,
        miles=miles,
        human_date=human_date,
        pluralize=pluralize,
        number=number,
        list_or=list_or,
    )
