"""Result cards: a page of listings read in two statements, with their terms in the order they are set to
show, whichever database."""

from __future__ import annotations

from datetime import time

import pytest

from directory import data_version
from directory.extensions import db
from directory.listings.cards import load_cards
from directory.listings.models import Meeting
from tests.factories import make_audience, make_listing, make_topic
from tests.support import statements_run

pytestmark = pytest.mark.usefixtures("app_context")


def test_a_card_has_its_terms_languages_and_meetings_in_order():
    for position, slug in enumerate(("fatherhood", "grief", "anger")):
        make_topic(slug).position = position
    newcomers, fathers = make_audience("first-timers"), make_audience("fathers")
    newcomers.position, fathers.position = 2, 1
    group = make_listing(topics=("anger", "fatherhood"), languages=("es", "en", "pl"),
                         meetings=[dict(weekday=3, start_time=time(19, 0), duration_minutes=60),
                                   dict(weekday=1, start_time=time(18, 30), duration_minutes=90)])
    group.audiences = [newcomers, fathers]
    alone = make_listing(name="Nothing Else", topics=(), languages=(), meetings=[])
    db.session.commit()
    ids = group.id, alone.id, 10**9

    with statements_run() as statements:
        cards = load_cards(list(ids))
    assert len([sql for sql, _ in statements if sql.startswith("SELECT")]) == 4  # listings, meetings, terms
    assert set(cards) == set(ids[:2])
    card = cards[group.id]
    assert [topic.slug for topic in card.topics] == ["fatherhood", "anger"]
    assert [audience.slug for audience in card.audiences] == ["fathers", "first-timers"]
    assert card.languages == ["en", "es", "pl"] and card.welcomes_newcomers
    assert [(meeting.weekday, meeting.start_time) for meeting in card.meetings] == [(1, time(18, 30)),
                                                                                   (3, time(19, 0))]
    assert isinstance(card.meetings[0].start_time, time)
    assert card.name == group.name and not hasattr(card, "contact_email")
    empty = cards[ids[1]]
    assert (empty.topics, empty.audiences, empty.languages, empty.meetings) == ([], [], [], [])
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 2


@pytest.mark.config(KEEP_CHOICES=True)
def test_kept_terms_are_read_once_until_the_data_version_moves():
    grief = make_topic("grief", "Grief")
    listing = make_listing(topics=("grief",))
    data_version.bump()
    db.session.commit()
    listing_id = listing.id
    assert [topic.name for topic in load_cards([listing_id])[listing_id].topics] == ["Grief"]
    with statements_run() as statements:
        load_cards([listing_id])
    read = [sql for sql, _ in statements if "data_versions" not in sql]
    assert len(read) == 2, read  # the listings and their meetings: the terms were kept

    grief.name = "Grief and loss"
    data_version.bump()
    db.session.commit()
    assert [topic.name for topic in load_cards([listing_id])[listing_id].topics] == ["Grief and loss"]
