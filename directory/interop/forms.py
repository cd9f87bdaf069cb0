"""The "Put this on your site" form: what the embedded finder shows first."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from ..geo.services import locate
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..listings.forms import options
from ..listings.models import Audience, Topic
from ..listings.search import DEFAULT_RADIUS, MAX_NEAR_CHARS, RADII, radius_label
from ..listings.vocabularies import vocabulary_pairs
from ..owner.fields import MaxLength
from ..validators import SingleLine

HEIGHTS = (400, 500, 600, 800, 1000)
DEFAULT_HEIGHT = 600


class SnippetForm(FlaskForm):
    """A GET form: nothing is stored, so no CSRF token; every choice is checked before a snippet is made."""

    class Meta:
        csrf = False

    near = StringField(_l("Place"), description=_l("A ZIP code, postcode or town your visitors live near. "
                                                   "Leave it empty to let them type their own."),
                       validators=[MaxLength(MAX_NEAR_CHARS), SingleLine()])
    radius = SelectField(_l("Within"), default=str(DEFAULT_RADIUS))
    topic = SelectField(_l("Topic"), description=_l("Show only listings about this."))
    audience = SelectField(_l("Who it's for"), description=_l("Show only listings meant for these men."))
    height = SelectField(_l("Height of the box"),
                         choices=options(*((str(h), _l("%(num)s pixels", num=h)) for h in HEIGHTS)),
                         default=str(DEFAULT_HEIGHT))

    def __init__(self, formdata) -> None:
        super().__init__(formdata=formdata)
        self.radius.choices = options(*((str(r), radius_label(r)) for r in RADII))
        self.topic.choices = options(("", gettext("Any topic")), *vocabulary_pairs(Topic))
        self.audience.choices = options(("", gettext("Anyone")), *vocabulary_pairs(Audience))

    def validate_near(self, field) -> None:
        text = (field.data or "").strip()
        if text and len(text) <= MAX_NEAR_CHARS and locate(text).location is None:
            raise ValidationError(
                gettext("We could not find that place. Try a ZIP code, a postcode or a town."))

    def embed_args(self) -> dict[str, str]:
        """The query string of the /embed address this form describes (empty values left out)."""
        values = {"near": (self.near.data or "").strip(), "radius": self.radius.data,
                  "topic": self.topic.data, "audience": self.audience.data}
        if values["radius"] == str(DEFAULT_RADIUS):
            del values["radius"]
        return {key: value for key, value in values.items() if value}
