"""The search form: a GET form that only renders the choices; `search.SearchParams` validates them."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import RadioField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice

from .models import WEEKDAYS, Audience, Topic
from .schedule import DAY_NAMES
from .search import DEFAULT_RADIUS, RADII, radius_label
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
ANY = SelectChoice("", "Any")
# What a choice field shows once its value was refused: what the search used instead.
REFUSED_VALUE = {"radius": str(DEFAULT_RADIUS), "units": "mi", "kind": "", "format": "", "cost": "",
                 "language": "", "topic": [], "audience": [], "day": []}


def options(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code.upper())


class SearchForm(FlaskForm):
    """Field names are the query parameters, so a submitted form is a shareable search URL."""

    class Meta:
        csrf = False

    near = StringField("Where", description="A ZIP code, postcode or town.",
                       render_kw={"autocomplete": "postal-code", "placeholder": "e.g. 10001"})
    radius = SelectField("Within")
    units = RadioField("Show distances in", choices=options(("mi", "miles"), ("km", "kilometres")),
                       default="mi")
    kind = SelectField("Looking for", choices=options(("", "A mentor or a group"), ("group", "A group"),
                                                      ("mentor", "A mentor")))
    q = SearchField("Keywords", description="Words to look for, such as “divorce” or “veterans”.")
    topic = SelectMultipleField("Topics")
    audience = SelectMultipleField("Who it's for")
    format = SelectField("Format", choices=[ANY, *options(("in_person", "In person"), ("online", "Online"),
                                                          ("hybrid", "Hybrid (in person and online)"))])
    day = SelectMultipleField("Meets on",
                              choices=options(*((day, DAY_NAMES[i]) for i, day in enumerate(WEEKDAYS))))
    cost = SelectField("Cost",
                       choices=[ANY, *options(("free", "Free"), ("donation", "Donation"), ("paid", "Paid"))])
    language = SelectField("Language")

    def __init__(self, formdata, errors: Mapping[str, str] | None = None, units: str = "mi") -> None:
        super().__init__(formdata=formdata, meta={"csrf": False})
        self.radius.choices = options(*((str(r), radius_label(r, units)) for r in RADII))
        if not self.radius.data:
            self.radius.data = str(DEFAULT_RADIUS)
        self.topic.choices = options(*vocabulary_pairs(Topic))
        self.audience.choices = options(*vocabulary_pairs(Audience))
        named = sorted(((code, language_name(code)) for code in languages_in_use()),
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
