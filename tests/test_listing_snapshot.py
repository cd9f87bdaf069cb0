"""Snapshots are what revisions store: they must round-trip a listing exactly."""

from datetime import time

from directory.extensions import db
from directory.listings.snapshots import apply_snapshot, diff, snapshot


def test_snapshot_round_trips_through_apply(make_listing):
    source = make_listing(
        topics=("grief", "fatherhood"),
        languages=("en", "es"),
        meetings=[
            dict(weekday=0, start_time=time(18, 30), duration_minutes=60, recurrence="monthly",
                 week_of_month=1),
            dict(weekday=3, start_time=time(19, 0), duration_minutes=90, recurrence="weekly"),
        ],
    )
    target = make_listing(topics=("anger",), languages=("fr",), meetings=[])
    apply_snapshot(target, snapshot(source))
    db.session.commit()
    assert diff(snapshot(source), snapshot(target)) == []


def test_diff_names_each_changed_field(make_listing):
    listing = make_listing()
    before = snapshot(listing)
    after = dict(before, name="New name", contact_email="new@example.org")
    changed = [field for field, _, _ in diff(before, after)]
    assert changed == ["name", "contact_email"]
