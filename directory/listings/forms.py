"""The search form: a GET form that only renders the choices; `search.SearchParams` validates them."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import RadioField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice

from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from .models import WEEKDAYS, Audience, Topic
from .schedule import DAY_NAMES
from .search import DEFAULT_RADIUS, RADII, radius_label
from .terms import language_label
from .vocabularies import languages_in_use, vocabulary_pairs

# Names for the ISO 639-1 codes listings are most likely to use; others show as their code.
LANGUAGE_NAMES = {
    "ar": "Arabic", "bn": "Bengali", "cy": "Welsh", "de": "German", "en": "English", "es": "Spanish",
    "fa": "Persian", "fr": "French", "ga": "Irish", "gd": "Scottish Gaelic", "hi": "Hindi",
    "ht": "Haitian Creole",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "mi": "Māori", "nl": "Dutch", "pa": "Punjabi",
    "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "so": "Somali", "sw": "Swahili", "tl": "Tagalog",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}
ANY = SelectChoice("", _l("Any"))
# What a choice field shows once its value was refused: what the search used instead.
REFUSED_VALUE = {"radius": str(DEFAULT_RADIUS), "units": "mi", "kind": "", "format": "", "cost": "",
                 "language": "", "topic": [], "audience": [], "day": []}


def options(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def language_name(code: str) -> str:
    """A language's English name (what exports and the API say); pages use `terms.language_label`."""
    return LANGUAGE_NAMES.get(code, code.upper())


class SearchForm(FlaskForm):
    """Field names are the query parameters, so a submitted form is a shareable search URL."""

    class Meta:
        csrf = False

    near = StringField(_l("Where"), description=_l("A ZIP code, postcode or town."),
                       render_kw={"autocomplete": "postal-code", "placeholder": _l("e.g. 10001")})
    radius = SelectField(_l("Within"))
    units = RadioField(_l("Show distances in"),
                       choices=options(("mi", _l("miles")), ("km", _l("kilometres"))), default="mi")
    kind = SelectField(_l("Looking for"), choices=options(
        ("", _l("A mentor or a group")), ("group", _l("A group")), ("mentor", _l("A mentor"))))
    q = SearchField(_l("Keywords"), description=_l("Words to look for, such as “divorce” or “veterans”."))
    topic = SelectMultipleField(_l("Topics"))
    audience = SelectMultipleField(_l("Who it's for"))
    format = SelectField(_l("Format"), choices=[ANY, *options(
        ("in_person", _l("In person")), ("online", _l("Online")),
        ("hybrid", _l("Hybrid (in person and online)")))])
    day = SelectMultipleField(_l("Meets on"))
    cost = SelectField(_l("Cost"), choices=[ANY, *options(("free", _l("Free")), ("donation", _l("Donation")),
                                                          ("paid", _l("Paid")))])
    language = SelectField(_l("Language"))

    def __init__(self, formdata, errors: Mapping[str, str] | None = None, units: str = "mi") -> None:
        super().__init__(formdata=formdata, meta={"csrf": False})
        self.radius.choices = options(*((str(r), radius_label(r, units)) for r in RADII))
        if not self.radius.data:
            self.radius.data = str(DEFAULT_RADIUS)
        self.day.choices = options(*((day, gettext(DAY_NAMES[i])) for i, day in enumerate(WEEKDAYS)))
        self.topic.choices = options(*vocabulary_pairs(Topic))
        self.audience.choices = options(*vocabulary_pairs(Audience))
        named = sorted(((code, language_label(code)) for code in languages_in_use()),
                       key=lambda pair: pair[1])
        self.language.choices = [ANY, *options(*named)]
        # The search service already judged every value; show its words next to the field, and the
        # value the search really used in place of a refused choice (a select cannot show "7 miles").
        for name, message in (errors or {}).items():
            form_field = getattr(self, name, None)
            if form_field is None:
                continue
            form_field.errors = [message]
            if name in REFUSED_VALUE:
                form_field.data = REFUSED_VALUE[name]
