"""Listing rules: creating, editing and keeping listings current. Raise domain errors; no HTTP here."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from sqlalchemy import or_, select, update

from ..database import commit
from ..extensions import db
from ..geo.names import place_label
from ..i18n import gettext
from .models import (
    FORMAT_ONLINE,
    FORMATS,
    KIND_GROUP,
    KIND_MENTOR,
    KINDS,
    STATUS_CHANGES_REQUESTED,
    STATUS_DRAFT,
    STATUS_EXPIRED,
    STATUS_PAUSED,
    STATUS_PENDING,
    STATUS_PUBLISHED,
    STATUS_REJECTED,
    STATUS_UNPUBLISHED,
    STATUS_WITHDRAWN,
    Audience,
    Listing,
    Topic,
)
from .snapshots import apply_snapshot
from .visibility import public_clause

logger = logging.getLogger(__name__)


class ListingError(Exception):
    """A listing rule was broken; the message is fit to show the owner."""


def record_contact(listing_id: int) -> None:
    """Count one contact message, atomically: read-modify-write loses counts under several workers."""
    db.session.execute(
        update(Listing).where(Listing.id == listing_id).values(contact_count=Listing.contact_count + 1)
    )
    commit()


# ---------------------------------------------------------------------------------------------- owners

# The slug leaves room for a "-123" suffix inside the column's 120 characters.
SLUG_MAX_LENGTH = 100
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
# Statuses an owner edits directly: nothing about them is public (yet, or any more: an unpublished listing
# is mended and sent for review again).
EDIT_IN_PLACE_STATUSES = (STATUS_DRAFT, STATUS_PENDING, STATUS_CHANGES_REQUESTED, STATUS_REJECTED,
                          STATUS_UNPUBLISHED)
# Statuses that were approved once: an edit waits for review while the approved version stays.
EDIT_BY_REVISION_STATUSES = (STATUS_PUBLISHED, STATUS_PAUSED, STATUS_EXPIRED)
DELETABLE_STATUSES = (STATUS_DRAFT, STATUS_WITHDRAWN)
# Listings that wait for their owner to act come first on the dashboard.
NEEDS_OWNER_STATUSES = (STATUS_CHANGES_REQUESTED, STATUS_EXPIRED)
SUBMITTABLE_STATUSES = (STATUS_DRAFT, STATUS_CHANGES_REQUESTED, STATUS_REJECTED, STATUS_UNPUBLISHED)
# Sent back by an admin, with a reason: the owner mends it and sends it again.
SENT_BACK_STATUSES = (STATUS_CHANGES_REQUESTED, STATUS_REJECTED, STATUS_UNPUBLISHED)
# What a looked-up place sets on a listing.
PLACE_FIELDS = ("city", "region", "postal_code", "country", "latitude", "longitude", "time_zone")
PUBLIC_PLACE_FIELDS = (
    "format", "city", "region", "postal_code", "country", "address_line", "location_precision",
)


def slugify(text: str) -> str:
    """ASCII, lower case, words joined by hyphens: 'Père & Fils, Dayton!' -> 'pere-fils-dayton'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_JUNK.sub("-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-") or "listing"


def unique_slug(name: str, exclude_id: int | None = None) -> str:
    """A slug from the name that no other listing has: 'dads-group', then 'dads-group-2', '-3'..."""
    base = slugify(name)
    query = select(Listing.slug).where(or_(Listing.slug == base, Listing.slug.like(f"{base}-%")))
    if exclude_id is not None:
        query = query.where(Listing.id != exclude_id)
    taken = set(db.session.scalars(query))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def edit_mode(listing: Listing) -> str | None:
    """'in_place', 'revision', or None when the listing can no longer be edited (withdrawn)."""
    if listing.status in EDIT_IN_PLACE_STATUSES:
        return "in_place"
    if listing.status in EDIT_BY_REVISION_STATUSES:
        return "revision"
    return None


def can_manage(user: Any, listing: Listing) -> bool:
    """The owner and admins manage a listing; nobody else may even learn it exists."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin or (listing.owner_id is not None and listing.owner_id == user.id))


def listings_owned_by(user: Any) -> list[Listing]:
    """An owner's listings: those waiting for the owner first, then the most recently changed."""
    listings = db.session.scalars(
        select(Listing)
        .where(Listing.owner_id == user.id)
        .order_by(Listing.updated_at.desc(), Listing.id.desc())
    )
    return sorted(listings, key=lambda listing: listing.status not in NEEDS_OWNER_STATUSES)


def missing_for_review(kind: str, data: dict[str, Any]) -> dict[str, str]:
    """What must be filled in before a listing can go to review: {field name: message for the owner, in the
    page's language}.

    A draft may be saved with any of these missing; submitting asks for all of them.
    """
    problems: dict[str, str] = {}
    if not (data.get("name") or "").strip():
        problems["name"] = gettext("Enter a name.")
    if not (data.get("summary") or "").strip():
        problems["summary"] = gettext("Write a sentence or two that tells people what this is.")
    if not (data.get("description") or "").strip():
        problems["description"] = gettext("Describe what happens and what people can expect.")
    if not data.get("topics"):
        problems["topics"] = gettext("Choose at least one topic.")
    if not data.get("languages"):
        problems["languages"] = gettext("Choose at least one language.")
    if data.get("cost") == "paid" and not (data.get("cost_details") or "").strip():
        problems["cost_details"] = gettext("Say what it costs.")
    listing_format = data.get("format")
    if listing_format not in FORMATS:
        problems["format"] = gettext("Choose in person, online or both.")
    elif listing_format == FORMAT_ONLINE:
        if not data.get("time_zone"):
            problems["time_zone"] = gettext(
                "Choose the time zone you go by, so people see times in their own.")
    elif data.get("latitude") is None or data.get("longitude") is None:
        problems["location"] = gettext("Enter the town or ZIP/postcode where you meet.")
    if data.get("contact_enabled") and not (data.get("contact_email") or "").strip():
        problems["contact_email"] = gettext("Enter the e-mail address messages should go to.")
    if data.get("online_url_private") and not (data.get("online_url") or "").strip():
        problems["online_url"] = gettext("Enter the join link, or untick “keep the join link private”.")
    if kind == KIND_GROUP and not data.get("meetings"):
        problems["meetings"] = gettext("Add at least one meeting: the day and time the group meets.")
    meets = ("meets_in_person", "meets_phone", "meets_video")
    if kind == KIND_MENTOR and not any(data.get(way) for way in meets):
        problems["meets"] = gettext("Choose at least one way you meet: in person, by phone or by video.")
    return problems


def create_listing(owner: Any, kind: str, data: dict[str, Any]) -> Listing:
    """A new draft owned by `owner`, filled from snapshot-shaped data."""
    if kind not in KINDS:
        raise ListingError(gettext("Choose whether this is a group or a mentor."))
    name = (data.get("name") or "").strip()
    if not name:
        raise ListingError(gettext("A listing needs a name, even as a draft."))
    listing = Listing(kind=kind, status=STATUS_DRAFT, owner_id=owner.id, slug=unique_slug(name), name=name,
                      contact_email=owner.email)
    db.session.add(listing)
    _apply(listing, data)
    commit()
    logger.info("listing %s (%s) created by user %s", listing.id, kind, owner.id)
    return listing


def update_listing(listing: Listing, data: dict[str, Any]) -> None:
    """Edit a listing nobody sees yet, in place. The slug follows the name until it was first published."""
    if edit_mode(listing) != "in_place":
        raise ListingError(gettext("This listing was approved, so changes to it go to review first."))
    name = (data.get("name", listing.name) or "").strip()
    if not name:
        raise ListingError(gettext("A listing needs a name, even as a draft."))
    if listing.published_at is None and name != listing.name:
        listing.slug = unique_slug(name, exclude_id=listing.id)
    _apply(listing, data)
    commit()
    logger.info("listing %s edited in place", listing.id)


def _apply(listing: Listing, data: dict[str, Any]) -> None:
    if listing.kind != KIND_GROUP:
        data = {key: value for key, value in data.items() if key != "meetings"}
    apply_snapshot(listing, data)


def delete_listing(listing: Listing, actor: Any) -> None:
    """Remove a draft or a withdrawn listing for good."""
    if listing.status not in DELETABLE_STATUSES:
        raise ListingError(gettext("Only drafts and withdrawn listings can be deleted. Withdraw it first."))
    logger.info("listing %s (%s) deleted by user %s", listing.id, listing.status, getattr(actor, "id", None))
    db.session.delete(listing)
    commit()


def forget_owner(listing: Listing) -> None:
    """Cut a listing loose from an account being deleted: no owner and no way to reach them; a mentor
    listing describes a person, so it keeps none of its words either."""
    listing.owner_id = None
    listing.contact_email = ""
    listing.phone = ""
    listing.phone_public = False
    listing.address_line = ""
    listing.online_url = ""
    if listing.kind == KIND_MENTOR:
        listing.name = "Withdrawn mentor listing"
        listing.slug = f"withdrawn-mentor-{listing.id}"
        listing.summary = listing.description = listing.experience = listing.availability = ""
    commit()


def place_fields(location: Any) -> dict[str, Any]:
    """A gazetteer Location as listing fields: the town, its region and code, the point and its time zone."""
    return {
        "city": location.name or "",
        "region": location.region or "",
        "postal_code": location.postal_code or "",
        "country": location.country or "",
        "latitude": location.latitude,
        "longitude": location.longitude,
        "time_zone": location.time_zone or "",
    }


def place_text(data: dict[str, Any]) -> str:
    """What to put back in the owner's 'town or ZIP' box for a stored place."""
    if data.get("postal_code"):
        return str(data["postal_code"])
    if data.get("city"):
        return place_label(data["city"], data.get("country") or "US", data.get("region") or None)
    return ""


def public_place(data: dict[str, Any]) -> str:
    """How the public will see where a listing meets: the area unless the owner chose the exact address."""
    if data.get("format") == FORMAT_ONLINE:
        return "Online"
    if not data.get("city"):
        return ""
    area = place_label(data["city"], data.get("country") or "US", data.get("region") or None)
    if data.get("location_precision") == "exact":
        street = (data.get("address_line") or "").strip()
        code = data.get("postal_code") or ""
        return ", ".join(part for part in (street, f"{area} {code}".strip()) if part)
    return f"near {area}"


# ---------------------------------------------------------------------------------------------- reading


def listing_by_slug(slug: str) -> Listing | None:
    return db.session.scalar(select(Listing).where(Listing.slug == slug))


def topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)))


def audiences() -> list[Audience]:
    return list(db.session.scalars(select(Audience).order_by(Audience.position, Audience.name)))


def public_listing(slug: str) -> Listing | None:
    """The listing at `slug` if a visitor may see it."""
    return db.session.scalar(select(Listing).where(Listing.slug == slug, public_clause()))
