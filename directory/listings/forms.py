"""The search form: a GET form that only renders the choices; `search.SearchParams` validates them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm
from wtforms import RadioField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice

from ..geo.names import normalise
from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from .models import WEEKDAYS, Audience, Topic
from .schedule import DAY_NAMES
from .search import DEFAULT_RADIUS, RADII, radius_label
from .terms import language_label
from .vocabularies import languages_in_use, read_once_per_version, vocabulary_pairs

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


class KeptChoices(list[SelectChoice]):
    """A field's choices shared by every page while they hold (see `search_choices`), with the key the
    field's rendered HTML is kept under (see rendered_fields), worked out once."""

    def __init__(self, choices: Iterable[SelectChoice]) -> None:
        super().__init__(choices)
        self.key = tuple((str(choice.value), str(choice.label)) for choice in self)


def search_choices(units: str) -> dict[str, KeptChoices]:
    """The search form's choices by field, in the page's language: made once per data version, language
    and units in each process (KEEP_CHOICES, see vocabularies), where every search page made them."""
    def make() -> dict[str, KeptChoices]:
        # As a reader of the page's language looks for a name: "Árabe" before "Chino", not after "Vietnamita".
        named = sorted(((code, language_label(code)) for code in languages_in_use()),
                       key=lambda pair: (normalise(pair[1]), pair[1]))
        return {name: KeptChoices(choices) for name, choices in (
            ("radius", options(*((str(r), radius_label(r, units)) for r in RADII))),
            ("units", options(("mi", _l("miles")), ("km", _l("kilometres")))),
            ("kind", options(("", _l("A mentor or a group")), ("group", _l("A group")),
                             ("mentor", _l("A mentor")))),
            ("topic", options(*vocabulary_pairs(Topic))),
            ("audience", options(*vocabulary_pairs(Audience))),
            ("format", [ANY, *options(("in_person", _l("In person")), ("online", _l("Online")),
                                      ("hybrid", _l("Hybrid (in person and online)")))]),
            ("day", options(*((day, gettext(DAY_NAMES[i])) for i, day in enumerate(WEEKDAYS)))),
            ("cost", [ANY, *options(("free", _l("Free")), ("donation", _l("Donation")),
                                    ("paid", _l("Paid")))]),
            ("language", [ANY, *options(*named)]),
        )}

    return read_once_per_version(f"search form's choices, {current_locale()}, {units}", make)


class SearchForm(FlaskForm):
    """Field names are the query parameters, so a submitted form is a shareable search URL. The choices
    come from `search_choices`."""

    class Meta:
        csrf = False

    near = StringField(_l("Where"), description=_l("A ZIP code, postcode or town."),
                       render_kw={"autocomplete": "postal-code", "placeholder": _l("e.g. 10001")})
    radius = SelectField(_l("Within"))
    units = RadioField(_l("Show distances in"), default="mi")
    kind = SelectField(_l("Looking for"))
    q = SearchField(_l("Keywords"), description=_l("Words to look for, such as “divorce” or “veterans”."))
    topic = SelectMultipleField(_l("Topics"))
    audience = SelectMultipleField(_l("Who it's for"))
    format = SelectField(_l("Format"))
    day = SelectMultipleField(_l("Meets on"))
    cost = SelectField(_l("Cost"))
    language = SelectField(_l("Language"))

    def __init__(self, formdata, errors: Mapping[str, str] | None = None, units: str = "mi") -> None:
        super().__init__(formdata=formdata, meta={"csrf": False})
        for name, choices in search_choices(units).items():
            self[name].choices = choices
        if not self.radius.data:
            self.radius.data = str(DEFAULT_RADIUS)
        # The search service already judged every value; show its words next to the field, and the
        # value the search really used in place of a refused choice (a select cannot show "7 miles").
        for name, message in (errors or {}).items():
            form_field = getattr(self, name, None)
            if form_field is None:
                continue
            form_field.errors = [message]
            if name in REFUSED_VALUE:
                form_field.data = REFUSED_VALUE[name]
