"""The step after reading a search's parameters: its topic and audience slugs become ids.

The listings' link tables hold ids, and matching them directly spares the database a join to the
vocabulary for every listing it reads. A slug no row has is refused like any other bad value.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...i18n import gettext
from ..models import Audience, Topic
from ..vocabularies import terms_by_id
from . import topic_bits
from .params import VOCABULARIES, SearchParams, Vocabulary


def resolve(params: SearchParams) -> SearchParams:
    """The search with its slugs' ids read; an unknown slug is explained in `errors` and its filter
    left out, as `SearchParams.from_args` does with a badly formed one."""
    if params.vocabulary is not None:
        return params
    vocabulary, unknown = read(params.topics, params.audiences)
    if unknown:
        emptied: dict[str, Any] = {VOCABULARIES[name]: () for name in unknown}
        params = replace(params, errors={**params.errors, **unknown}, **emptied)
        vocabulary = replace(vocabulary, **emptied)
    return replace(params, vocabulary=vocabulary)


def read(topics: tuple[str, ...], audiences: tuple[str, ...]) -> tuple[Vocabulary, dict[str, str]]:
    """The ids of these topic and audience slugs, and a message for each kind with a slug no row has.

    With topics, also whether every topic has a bit of its own (see topic_bits.unique). The terms are
    the ones result cards name, read once per data version (see vocabularies.terms_by_id), so a search
    with a topic runs no statement of its own for them. A kind whose slugs no row has gets (-1,): its
    filter matches nothing.
    """
    ids: dict[str, tuple[int, ...]] = {}
    unique = True
    errors: dict[str, str] = {}
    for name, model, slugs in (("topic", Topic, topics), ("audience", Audience, audiences)):
        if not slugs:
            continue
        terms = terms_by_id(model)
        known = {term.slug: term.id for term in terms.values()}
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            errors[name] = (gettext("We don't know the topic “%(slug)s”.", slug=unknown[0]) if name == "topic"
                            else gettext("We don't know the audience “%(slug)s”.", slug=unknown[0]))
        ids[VOCABULARIES[name]] = tuple(sorted({known[slug] for slug in slugs if slug in known})) or (-1,)
        if model is Topic:
            unique = topic_bits.unique(terms)
    return Vocabulary(**ids, topic_bits_unique=unique), errors
