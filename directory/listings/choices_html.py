"""The search form's checkbox lists, rendered once and reused: the same forty boxes for everyone.

Rendering the topics, audiences and days through the form macro cost about 4 ms of every search page. The
lists are the same for every visitor in one language with the same choices, so each is rendered once with
nothing ticked, kept per language and list, and a request's ticks are put in. The HTML is the macro's own,
byte for byte; a list with an error (a refused value) is rendered by the macro as before.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, get_template_attribute
from markupsafe import Markup, escape

from ..i18n import current_locale

_EXTENSION = "rendered_choices"
# Lists kept per process: a few per language; more means the choices changed (then start again).
LIMIT = 64


def checkbox_group(field: Any, help_text: str | None = None) -> Markup | None:
    """`field(group, help=help_text, hide_label=True)` from the macro, ticks included; None when the list
    has an error (then the template renders it the ordinary way)."""
    if field.errors:
        return None
    choices = tuple((str(choice[0]), str(choice[1])) for choice in field.iter_choices())
    key = (current_locale(), field.id, field.name, str(field.label.text), str(field.description or ""),
           None if help_text is None else str(help_text), choices)
    store: dict[tuple[Any, ...], str] = current_app.extensions.setdefault(_EXTENSION, {})
    blank = store.get(key)
    if blank is None:
        chosen, field.data = field.data, []
        try:
            macro = get_template_attribute("_macros/forms.html", "field")
            blank = str(macro(field, help=help_text, hide_label=True))
        finally:
            field.data = chosen
        if len(store) >= LIMIT:
            store.clear()
        store[key] = blank
    html = blank
    for value in dict.fromkeys(str(value) for value in field.data or ()):
        unticked = f' name="{escape(field.name)}" value="{escape(value)}">'
        html = html.replace(unticked, f"{unticked[:-1]} checked>", 1)
    return Markup(html)  # noqa: S704  # nosec B704 - the macro's own escaped output, with escaped values
