"""The names a visitor reads for stored vocabularies, in the page's language.

Topics and audiences are rows in the database (an admin may add one); the seeded ones are named here by
slug and marked for the catalogue, so each language names them its own way without touching stored data.
A term this table does not know shows its stored name. Languages are named by Babel, in the page's own
language ("Spanish" on an English page, "español" on a Spanish one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from babel.lists import format_list
from babel.support import NullTranslations

from ..i18n import N_, babel_locale, current_locale, gettext, per_catalogue

TOPIC_NAMES = {
    "divorce-and-separation": N_("Divorce and separation"),
    "infidelity-and-trust": N_("Infidelity and trust"),
    "fatherhood": N_("Fatherhood"),
    "addiction-recovery": N_("Addiction recovery"),
    "mental-health": N_("Mental health"),
    "trauma": N_("Trauma"),
    "grief-and-loss": N_("Grief and loss"),
    "money-and-work-stress": N_("Money and work stress"),
    "relationships-and-communication": N_("Relationships and communication"),
    "emotional-expression": N_("Emotional expression"),
    "anger": N_("Anger"),
    "life-transitions": N_("Life transitions"),
}
AUDIENCE_NAMES = {
    "new-fathers": N_("New fathers"),
    "separated-fathers": N_("Separated fathers"),
    "veterans": N_("Veterans"),
    "young-men": N_("Young men (18–25)"),
    "men-over-50": N_("Men over 50"),
    "gay-and-bi-men": N_("Gay and bi men"),
    "faith-based": N_("Faith-based"),
    "secular": N_("Secular"),
    "first-timers": N_("First-timers"),
    "first-responders": N_("First responders"),
    "caregivers": N_("Caregivers"),
}
_NAMES = {**TOPIC_NAMES, **AUDIENCE_NAMES}


def term_label(slug: str, stored: str) -> str:
    """A topic's or audience's name in the page's language; the stored name for one not listed here
    (or one whose stored name an admin changed from the seeded one)."""
    known = _NAMES.get(slug)
    return _names_in_catalogue()[slug] if known is not None and known == stored else stored


def term_labels(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(slug, name in the page's language) for each (slug, stored name): `term_label` for a list."""
    names = _names_in_catalogue()
    return [(slug, names[slug] if _NAMES.get(slug) == stored else stored) for slug, stored in pairs]


def _names(translations: NullTranslations) -> dict[str, str]:
    return {slug: translations.ugettext(name) for slug, name in _NAMES.items()}


# The names are read one by one, a dozen a page: translated once per language.
_names_in_catalogue = per_catalogue(_names)


def term_name(term: Any) -> str:
    """The template filter: `{{ topic|term_name }}` for anything with a slug and a name."""
    return term_label(term.slug, term.name)


def translated_table(names: Mapping[str, str]) -> Callable[[], Mapping[str, str]]:
    """A function giving a table of marked names (format, cost...) in the page's language, translated once
    per language (the answer is shared: read it, don't change it)."""
    def build(translations: NullTranslations) -> Mapping[str, str]:
        return {key: translations.ugettext(value) for key, value in names.items()}

    return per_catalogue(build)


def language_label(code: str, *, capital: bool = True) -> str:
    """A language's name in the page's language: 'Spanish' / 'español'; its code for one Babel lacks.
    `capital` for a name standing alone (a choice in a list); a sentence keeps the language's own case."""
    name = babel_locale().languages.get(code)
    if not name:
        return code.upper()
    return name[:1].upper() + name[1:] if capital else name


def meets_in(codes: Iterable[str], kind: str = "group") -> str:
    """'Meets in Spanish' / 'Se reúne en inglés y español' (a mentor 'Speaks ...') when a listing's
    languages are not just the page's own; '' otherwise, or when it names none."""
    codes = list(dict.fromkeys(codes))
    if not codes or codes == [current_locale()]:
        return ""
    names = format_list([language_label(code, capital=False) for code in codes], locale=babel_locale())
    if kind == "mentor":
        return gettext("Speaks %(languages)s", languages=names)
    return gettext("Meets in %(languages)s", languages=names)
