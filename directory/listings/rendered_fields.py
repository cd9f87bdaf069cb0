"""The search form's fields rendered once and reused: the same form for everyone, but for the values.

Each search page rendered its form through the form macro: forty checkboxes, six selects and radios and two
text fields, some 4 ms of a varied search page's 20 (one process, 100,000 listings). What a field renders
depends on the language, its label, help and choices, and its value. So each is rendered once per language
and choices and kept, and the request's value is put in: the ticks of a checkbox list, the text typed in a
text field; a select or a set of radios is kept per chosen value (a handful each). The HTML is the macro's
own, byte for byte; a field with an error (a refused value) is rendered by the macro as before.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, get_template_attribute
from markupsafe import Markup, escape

from ..i18n import current_locale
from .forms import KeptChoices

_EXTENSION = "rendered_fields"
# Fields kept per process: a few dozen per language; more means the choices changed (then start again).
LIMIT = 512
# Stands for a text field's value in its kept HTML (letters and dashes: escaping leaves it as it is).
_TYPED = "rendered-once-typed-value"
_ONE_OF = ("SelectField", "RadioField")
_TEXT = ("StringField", "SearchField")


def field_once(field: Any, help_text: str | None = None, *, hide_label: bool = False) -> Markup | None:
    """`field(f, help=help_text, hide_label=hide_label)` from the macro, the request's value included;
    None when the field has an error or is of another kind (then the template renders it the ordinary
    way)."""
    if field.errors:
        return None
    kind = field.type
    choices: tuple[tuple[str, str], ...] = ()
    if isinstance(getattr(field, "choices", None), KeptChoices):
        choices = field.choices.key
    elif kind in (*_ONE_OF, "SelectMultipleField"):
        choices = tuple((str(choice[0]), str(choice[1])) for choice in field.iter_choices())
    key = (current_locale(), kind, field.id, field.name, str(field.label.text), str(field.description or ""),
           None if help_text is None else str(help_text), hide_label, choices,
           str(field.data) if kind in _ONE_OF else None)
    if kind in _ONE_OF:
        return Markup(_rendered(key, field, help_text, hide_label, field.data))  # noqa: S704  # nosec B704
    if kind == "SelectMultipleField":
        html = _rendered(key, field, help_text, hide_label, [])
        for value in dict.fromkeys(str(value) for value in field.data or ()):
            unticked = f' name="{escape(field.name)}" value="{escape(value)}">'
            html = html.replace(unticked, f"{unticked[:-1]} checked>", 1)
        return Markup(html)  # noqa: S704  # nosec B704 - the macro's own escaped output, with escaped values
    if kind in _TEXT:
        html = _rendered(key, field, help_text, hide_label, _TYPED)
        typed = f'value="{_TYPED}"'
        if html.count(typed) != 1:
            return None
        # The macro's own escaped output, the value escaped as WTForms escapes it.
        return Markup(html.replace(typed, f'value="{escape(field._value())}"'))  # noqa: S704  # nosec B704
    return None


def _rendered(key: tuple[Any, ...], field: Any, help_text: str | None, hide_label: bool, data: Any) -> str:
    """The macro's HTML for `field` holding `data`, rendered the first time `key` is asked for."""
    store: dict[tuple[Any, ...], str] = current_app.extensions.setdefault(_EXTENSION, {})
    html = store.get(key)
    if html is None:
        held, field.data = field.data, data
        try:
            macro = get_template_attribute("_macros/forms.html", "field")
            html = str(macro(field, help=help_text, hide_label=hide_label))
        finally:
            field.data = held
        if len(store) >= LIMIT:
            store.clear()
        store[key] = html
    return html
