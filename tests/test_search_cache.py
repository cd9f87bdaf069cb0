"""The search cache: the same search is answered once per data version and language, never stale."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from directory import data_version
from directory.extensions import db
from directory.i18n import force_locale
from directory.listings.models import FORMAT_HYBRID, FORMAT_ONLINE
from directory.listings.search import SearchParams, resolve_vocabulary, search
from directory.listings.search import online as online_list
from directory.listings.search import results as results_module
from directory.listings.search.cache import ProcessCache
from tests.support import calls_to, missing

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def runs(monkeypatch):
    """How many searches really ran (rather than came from the cache)."""
    return calls_to(monkeypatch, results_module, "_search")


def find(**args):
    return search(resolve_vocabulary(SearchParams.from_args(args)))


@pytest.mark.config(SEARCH_CACHE_SECONDS=60, SEARCH_CACHE_MIN_USES=1)
def test_the_same_search_runs_once_until_the_data_changes(geo, make_listing, runs):
    make_listing(name="Chelsea Fathers")
    db.session.commit()
    first = find(near="10001", q="fathers")
    again = find(near=" 10001 ", q="  FATHERS ")
    assert len(runs) == 1
    assert [hit.listing.name for hit in again.local] == [hit.listing.name for hit in first.local] == \
        ["Chelsea Fathers"]
    assert again.params.q == "FATHERS"  # the page shows what this visitor typed
    find(near="10001", q="fathers", radius="25")
    assert len(runs) == 2

    data_version.bump()
    db.session.commit()
    find(near="10001", q="fathers")
    assert len(runs) == 3


@pytest.mark.config(SEARCH_CACHE_SECONDS=60, SEARCH_CACHE_MIN_USES=1)
def test_each_language_has_its_own_entry_and_a_given_moment_is_never_cached(geo, make_listing, runs):
    make_listing()
    db.session.commit()
    find(near="10001")
    with force_locale("es"):
        find(near="10001")
    assert len(runs) == 2
    from directory.timeutil import utcnow

    search(resolve_vocabulary(SearchParams.from_args({"near": "10001"})), now=utcnow())
    assert len(runs) == 3


@pytest.mark.config(SEARCH_CACHE_SECONDS=60, SEARCH_CACHE_MIN_USES=1)
def test_the_page_and_the_api_share_an_entry(client, geo, make_listing, runs):
    make_listing(name="Chelsea Fathers")
    db.session.commit()
    page = client.get("/search?near=10001&radius=25")
    answer = client.get("/api/v1/listings?near=10001&radius=25")
    assert page.status_code == answer.status_code == 200
    assert "Chelsea Fathers" in page.get_data(as_text=True)
    assert [item["name"] for item in answer.get_json()["results"]] == ["Chelsea Fathers"]
    assert len(runs) == 1


@pytest.mark.config(SEARCH_CACHE_SECONDS=60)
def test_a_search_is_stored_from_its_second_asking(app, geo, make_listing, runs):
    make_listing()
    db.session.commit()
    find(near="10001")
    find(near="10002")
    assert len(runs) == 2 and len(app.extensions["search_cache"]._entries) == 0  # asked once: not stored
    find(near="10001")
    assert len(runs) == 3  # the second time runs too, and is stored
    find(near="10001")
    find(near=" 10001")
    assert len(runs) == 3
    find(near="10002")
    find(near="10002")
    assert len(runs) == 4


def test_off_when_seconds_is_zero(geo, make_listing, runs):
    make_listing()
    db.session.commit()
    find(near="10001")
    find(near="10001")
    assert len(runs) == 2


@pytest.mark.config(SEARCH_CACHE_SECONDS=60, SEARCH_CACHE_MIN_USES=1, REDIS_URL=REDIS_URL)
def test_in_redis_when_redis_url_is_set(app, geo, make_listing, runs):
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        missing(f"Redis at TEST_REDIS_URL is not reachable: {error.__class__.__name__}")
    prefix = f"test-search-{uuid.uuid4().hex}:"
    app.config["SEARCH_CACHE_PREFIX"] = prefix
    try:
        make_listing(name="Chelsea Fathers")
        db.session.commit()
        find(near="10001")
        assert list(client.scan_iter(match=f"{prefix}*"))
        app.extensions.pop("search_cache")  # another worker: only Redis is shared
        again = find(near="10001")
        assert len(runs) == 1
        assert [hit.listing.name for hit in again.local] == ["Chelsea Fathers"]
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


@pytest.mark.config(SEARCH_CACHE_SECONDS=60, SEARCH_CACHE_MIN_USES=1, SEARCH_CACHE_ENTRIES=2)
def test_a_full_cache_lets_the_least_recently_asked_search_go(geo, make_listing, runs):
    make_listing()
    db.session.commit()
    for near in ("10001", "10002", "10001", "10003"):  # 10002 is the least recently asked when 10003 comes
        find(near=near)
    assert len(runs) == 3
    find(near="10001")
    find(near="10003")
    assert len(runs) == 3
    find(near="10002")
    assert len(runs) == 4


def test_an_entry_lives_its_seconds_and_no_longer():
    now = [1000.0]
    store = ProcessCache(entries=10, seconds=60, clock=lambda: now[0])
    store.set("search", ["kept"])
    now[0] += 59.9
    assert store.get("search") == ["kept"]
    now[0] += 0.2
    assert store.get("search") is None
    store.set("search", ["again"])
    assert store.delete("search") and store.get("search") is None


@pytest.fixture
def online_counts(monkeypatch):
    """How many times the online list's count was read from the database."""
    return calls_to(monkeypatch, online_list, "_counted")


@pytest.mark.config(SEARCH_CACHE_SECONDS=60)  # each search asked once: none of them is stored whole
def test_the_online_count_is_read_once_for_every_place_until_the_data_changes_or_its_seconds_pass(
        geo, make_listing, online_counts):
    make_listing(name="Near group")
    for number in range(3):
        make_listing(name=f"Online {number}", format=FORMAT_ONLINE, latitude=41.88 + number, longitude=-87.63)
    make_listing(name="Online and in person", format=FORMAT_HYBRID, topics=("fatherhood",))
    db.session.commit()
    # At the start of a minute: an entry is kept within the stretch of SEARCH_CACHE_SECONDS it was made in.
    start = datetime.fromtimestamp(datetime.now(UTC).timestamp() // 60 * 60 + 60, UTC)
    with time_machine.travel(start, tick=False) as clock:
        near = find(near="10001")  # the hybrid listing is in the local list beside, so not online
        assert (near.online_total, len(online_counts)) == (3, 1)
        elsewhere = find(near="60614")
        assert elsewhere.online_total == 4 and len(online_counts) == 1  # the same ids, one taken off fewer
        assert [hit.listing.name for hit in elsewhere.online][:1] == ["Online 0"]  # still nearest first
        assert find(near="60614", topic="fatherhood").online_total == 1
        assert find(near="60614", topic="grief").online_total == 3
        assert len(online_counts) == 3  # other filters, another count each

        make_listing(name="Online 3", format=FORMAT_ONLINE)
        data_version.bump()
        db.session.commit()
        assert find(near="10002").online_total == 4 and len(online_counts) == 4

        clock.shift(timedelta(seconds=59))
        find(near="10003")
        assert len(online_counts) == 4
        clock.shift(timedelta(seconds=61))
        find(near="10003")
        assert len(online_counts) == 5


def test_the_online_count_is_read_for_every_search_when_the_cache_is_off(geo, make_listing, online_counts):
    make_listing(name="Online", format=FORMAT_ONLINE)
    db.session.commit()
    assert find(near="10001").online_total == find(near="60614").online_total == 1
    assert len(online_counts) == 2
