"""Relaying a visitor's message to a listing's owner without showing either one's address to the other side.

Raise domain errors; no HTTP here. Each service that changes data commits (database.commit).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, exists, select, update

from ..accounts.models import User
from ..database import commit, count_by, rows_matched
from ..extensions import db
from ..followups.services import purge_before as purge_check_ins
from ..followups.services import schedule as schedule_check_in
from ..i18n import N_, gettext, lazy_gettext
from ..listings.models import FORMAT_IN_PERSON, Listing
from ..listings.visibility import is_public, public_clause
from ..moderation.audit import record as record_event
from ..moderation.models import Report
from ..outbox import deliver, queue_mail
from ..timeutil import utcnow
from ..urls import external_url, safe_url
from .models import ContactMessage

logger = logging.getLogger(__name__)

FORM_CLOCK_SALT = "contact-form-started"
# A form left open longer than this is sent again with a fresh timestamp rather than trusted.
FORM_MAX_AGE = 24 * 3600
STALE_MESSAGE = N_("This form was open for a long time. Please check your message and send it again.")
BROKEN_MESSAGE = N_("Something went wrong with the form. Please check your message and send it again.")


class ContactError(Exception):
    """A contact rule was broken; the message is fit to show the visitor."""


class ContactUnavailable(ContactError):
    """The listing is not published, or its owner does not take messages here."""


class FormTooFast(ContactError):
    """Sent sooner after the form appeared than a person can type."""


class FormStale(ContactError):
    """The form's timestamp is missing, forged or too old."""


class NotReported(ContactError):
    """Admins read a listing's messages only while it has a report to look into."""


def contactable_listing(slug: str) -> Listing | None:
    """The published listing at `slug` if its owner takes messages through the site, else None."""
    return db.session.scalar(
        select(Listing).where(
            Listing.slug == slug,
            public_clause(),
            Listing.contact_enabled.is_(True),
            Listing.contact_email != "",
        )
    )


def is_contactable(listing: Listing) -> bool:
    """For listing pages: show the "Get in touch" button only when the form would open."""
    return bool(is_public(listing) and listing.contact_enabled and listing.contact_email)


def shows_join_link_on_request(listing: Listing) -> bool:
    """The join link is private and goes out in the automatic reply instead of on the page."""
    return bool(listing.online_url and listing.online_url_private and listing.format != FORMAT_IN_PERSON)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=FORM_CLOCK_SALT)


def form_token(slug: str) -> str:
    """A signed note of when the form was shown, and for which listing."""
    return _serializer().dumps(slug)


def check_form_token(token: str | None, slug: str, now: datetime | None = None) -> None:
    """Refuse a form sent faster than CONTACT_MIN_SECONDS, or one whose timestamp is not ours."""
    try:
        signed_slug, signed_at = _serializer().loads(
            token or "", max_age=FORM_MAX_AGE, return_timestamp=True
        )
    except SignatureExpired as error:
        raise FormStale(gettext(STALE_MESSAGE)) from error
    except BadSignature as error:
        raise FormStale(gettext(BROKEN_MESSAGE)) from error
    if signed_slug != slug:
        raise FormStale(gettext(BROKEN_MESSAGE))
    minimum = float(current_app.config["CONTACT_MIN_SECONDS"])
    elapsed = ((now or utcnow()) - signed_at.replace(tzinfo=None)).total_seconds()
    if elapsed < minimum:
        raise FormTooFast(gettext(
            "That was sent faster than we expected from a person, so we held it back to keep out "
            "automated spam. Please wait a few seconds, then press Send again."
        ))


# Mail programs turn anything that looks like a web address into a link, in plain text as well as in
# HTML, and a <pre> block does not stop them. Escaping alone therefore is not enough to keep a stranger
# from putting a clickable phishing link in front of an organiser through our relay. So in both parts
# of the mail every scheme and host name a visitor wrote is broken up ("hxxps[://]example[.]com"): the
# organiser can still read it and retype it on purpose, and nothing is clickable by accident. The HTML
# part is autoescaped by Jinja and contains no <a> tags at all.
SCHEME = re.compile(r"(?i)\b(h)tt(ps?)://|\b(ftp|file|javascript|vbscript|data|ws|wss):(//)?")
# Dotted names ending in a label of two or more letters: example.com, www.evil.co.uk, bob@mail.org.
# "e.g.", "U.S." and "3.5" stay as they are; "there.Then" (no space after a full stop) is broken too.
HOSTNAME = re.compile(r"(?<![\w.-])(?:[^\W_](?:[\w-]{0,62}[^\W_])?\.)+[^\W\d_]{2,63}(?![\w-])")


def defang(text: str) -> str:
    """Break up every address in a visitor's text so no mail program makes it a link."""

    def scheme(match: re.Match[str]) -> str:
        if match.group(1):
            xx = "XX" if match.group(1).isupper() else "xx"
            return f"{match.group(1)}{xx}{match.group(2)}[://]"
        return f"{match.group(3)}[:]" + ("//" if match.group(4) else "")

    text = SCHEME.sub(scheme, text)
    return HOSTNAME.sub(lambda match: match.group(0).replace(".", "[.]"), text)


def send_contact_message(
    listing: Listing, *, name: str, email: str, message: str, how_to_reach: str = "", check_in: bool = False
) -> tuple[ContactMessage, bool]:
    """Store, count and queue one message in one transaction, then try to pass it on at once.

    Returns the stored message and whether it left already (False: it waits in the outbox and is sent
    by the next `flask mail send-queued`). Nothing is mailed to the visitor now: his address is unconfirmed,
    and a copy would let anyone make the site mail a stranger; the "sent" page shows him his copy. With
    `check_in` he asked for one "Did they answer you?" mail in a few days (followups), stored with it.
    """
    if not is_contactable(listing):
        raise ContactUnavailable(gettext("This listing does not take messages through the site."))
    record = ContactMessage(
        listing_id=listing.id,
        sender_name=name,
        sender_email=email,
        how_to_reach=how_to_reach or "",
        message=message,
    )
    db.session.add(record)
    if check_in:
        db.session.flush()
        schedule_check_in(record.id, listing.id, email)
    # Atomic, in this transaction: a read-modify-write of the counter loses counts under several workers.
    db.session.execute(
        update(Listing).where(Listing.id == listing.id).values(contact_count=Listing.contact_count + 1)
    )
    mail = queue_mail(
        listing.contact_email,
        lazy_gettext("%(sender)s sent you a message about %(name)s", sender=name, name=listing.name),
        "contact_owner",
        # The owner reads it: in their account's language (a listing without an account: the page's).
        language=listing.owner.language if listing.owner is not None else None,
        # The bare address: a display name full of quotes and angle brackets can make mail programs
        # read a different address out of the header, and the organiser would answer a stranger.
        reply_to=email,
        report_url=external_url("moderation.report_form", slug=listing.slug),
        listing=listing,
        listing_url=external_url("listings.detail", slug=listing.slug),
        # In the bodies even the name and address are broken up: "www.example.com" is a valid first name.
        sender_name=defang(name),
        sender_email=defang(email),
        how_to_reach=defang(how_to_reach or ""),
        message=defang(message),
        retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
    )
    commit()
    sent = deliver(mail)
    logger.info("contact message %s for listing %s %s", record.id, listing.id,
                "relayed" if sent else "queued")
    return record, sent


def own_message(message_id: object, listing: Listing) -> ContactMessage | None:
    """A message this visitor sent to this listing (the caller knows its id from his session)."""
    if not isinstance(message_id, int):
        return None
    record = db.session.get(ContactMessage, message_id)
    return record if record is not None and record.listing_id == listing.id else None


def join_url_for_visitor(listing: Listing) -> str:
    """The online meeting link a listing shares with people who wrote first; checked again here, so a link
    stored some other way than the form is never a script link."""
    return (safe_url(listing.online_url) or "") if shows_join_link_on_request(listing) else ""


def purge_old_messages(now: datetime | None = None) -> int:
    """Delete every contact message older than CONTACT_RETENTION_DAYS, and the check-ins asked for with them;
    return how many messages went."""
    days = int(current_app.config["CONTACT_RETENTION_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    purge_check_ins(cutoff)  # a check-in's address goes with the message, never later
    result = db.session.execute(delete(ContactMessage).where(ContactMessage.created_at < cutoff))
    commit()
    return rows_matched(result)


def held_counts(listing_ids: list[int]) -> dict[int, int]:
    """listing id -> how many of its messages are still kept (listings with none are left out)."""
    return count_by(ContactMessage.listing_id, listing_ids)


def delete_messages_for(listing_ids: list[int]) -> None:
    """Forget every kept message to these listings (their owner is deleting their account)."""
    if listing_ids:
        db.session.execute(delete(ContactMessage).where(ContactMessage.listing_id.in_(listing_ids)))
    commit()


def has_report(listing_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Report.listing_id == listing_id))))


ACTION_READ_MESSAGES = "read_contact_messages"
ACTION_DELETE_MESSAGE = "delete_contact_message"


def messages_for_review(listing: Listing, admin: User) -> list[ContactMessage]:
    """The messages still kept for a listing, newest first, for an admin handling a report about it.

    Reading people's messages is written to the audit log.
    """
    if not has_report(listing.id):
        raise NotReported("Messages are shown only for a listing somebody reported.")
    messages = list(
        db.session.scalars(
            select(ContactMessage)
            .where(ContactMessage.listing_id == listing.id)
            .order_by(ContactMessage.created_at.desc(), ContactMessage.id.desc())
        )
    )
    record_event(ACTION_READ_MESSAGES, admin, listing=listing, reason=f"{len(messages)} kept")
    commit()
    return messages


def delete_message(listing: Listing, message_id: int, admin: User) -> bool:
    """Delete one kept message before its time (a sender asked, or it is abuse). False if there is none."""
    if not has_report(listing.id):
        raise NotReported("Messages are shown only for a listing somebody reported.")
    result = db.session.execute(
        delete(ContactMessage).where(ContactMessage.id == message_id, ContactMessage.listing_id == listing.id)
    )
    if not rows_matched(result):
        return False
    record_event(ACTION_DELETE_MESSAGE, admin, listing=listing, reason=f"message {message_id}")
    commit()
    logger.info("contact message %s of listing %s deleted by admin %s", message_id, listing.id, admin.id)
    return True
