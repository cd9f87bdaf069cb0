"""Claims on imported listings: "Is this your group?". An admin approves, or the person proves an address
the source listed for the group (their account's own confirmed address, or a link sent to it)."""

from __future__ import annotations

import logging

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from ...accounts.models import User
from ...database import commit
from ...extensions import db
from ...i18n import gettext, lazy_gettext, ngettext
from ...listings.models import Listing
from ...moderation import audit, review_queue
from ...outbox import send_mail
from ...timeutil import utcnow
from ...urls import external_url
from .models import CLAIM_APPROVED, CLAIM_PENDING, CLAIM_REJECTED, Claim, SourceRecord
from .registry import record_of

logger = logging.getLogger(__name__)


CLAIM_LINK_SALT = "directory.sources.claim"


class ClaimError(Exception):
    """A claim cannot be made or decided; the message is fit to show the person."""


def pending_claims() -> list[Claim]:
    return list(db.session.scalars(select(Claim).where(Claim.status == CLAIM_PENDING)
                                   .order_by(Claim.created_at, Claim.id)))


def pending_count() -> int:
    waiting = select(func.count()).select_from(Claim).where(Claim.status == CLAIM_PENDING)
    return db.session.scalar(waiting) or 0


def _claim_words(number: int) -> str:
    return ngettext("%(num)s claim", "%(num)s claims", number)


# A claim waits for an admin as a new listing does: the admin navigation counts it and leads to it.
review_queue.also_waiting(
    review_queue.WaitingElsewhere("claims", pending_count, _claim_words, "sources.claims"))


def claim_by_id(claim_id: int) -> Claim | None:
    return db.session.get(Claim, claim_id)


def pending_claim(listing: Listing, user: User) -> Claim | None:
    return db.session.scalar(select(Claim).where(Claim.listing_id == listing.id, Claim.user_id == user.id,
                                                 Claim.status == CLAIM_PENDING))


def claimable(listing: Listing) -> SourceRecord | None:
    """The listing's source record when it can be claimed: imported and nobody's yet."""
    if listing.owner_id is not None:
        return None
    return record_of(listing.id)


def masked(address: str) -> str:
    """j•••@example.org: enough for the organiser to recognise the address, not enough to harvest it."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def _check_claimant(listing: Listing, user: User) -> SourceRecord:
    if not user.is_confirmed:
        raise ClaimError(gettext("Please confirm your e-mail address first."))
    if user.is_suspended:
        raise ClaimError(gettext("This account is suspended."))
    record = claimable(listing)
    if record is None:
        raise ClaimError(gettext("This listing cannot be claimed: it already has an owner."))
    return record


def _grant(claim: Claim, listing: Listing, record: SourceRecord, actor: User | None, reason: str) -> None:
    now = utcnow()
    claim.status, claim.decided_at = CLAIM_APPROVED, now
    claim.decided_by_id = actor.id if actor is not None else None
    listing.owner_id = claim.user_id
    record.following = claim.keep_following
    db.session.execute(update(Claim).where(Claim.listing_id == listing.id, Claim.status == CLAIM_PENDING,
                                           Claim.id != claim.id)
                       .values(status=CLAIM_REJECTED, decided_at=now, note="Another claim was approved.")
                       .execution_options(synchronize_session=False))
    audit.record(audit.ACTION_CLAIM_APPROVED, actor, listing=listing, target_user_id=claim.user_id,
                      reason=reason)


def request_claim(listing: Listing, user: User, message: str, keep_following: bool = False) -> Claim:
    """Ask to own an imported listing. Approved at once when the account's own (confirmed) address is
    one the source gave for this group; otherwise it waits for an admin."""
    record = _check_claimant(listing, user)
    automatic = user.email.lower() in record.emails
    message = message.strip()
    if not automatic and not message:
        raise ClaimError(gettext("Please say how you are connected to this group, so an admin can check."))
    if pending_claim(listing, user) is not None:
        raise ClaimError(gettext("You already asked; an admin will look at it."))
    claim = Claim(listing_id=listing.id, user_id=user.id, message=message[:2000], status=CLAIM_PENDING,
                  keep_following=keep_following, created_at=utcnow(), note="")
    db.session.add(claim)
    db.session.flush()
    if automatic:
        _grant(claim, listing, record, None, f"{masked(user.email)} is listed by {record.source.name}")
    else:
        audit.record(audit.ACTION_CLAIM_REQUESTED, user, listing=listing, target_user=user)
    commit()
    logger.info("claim %s on listing %s by user %s: %s", claim.id, listing.id, user.id, claim.status)
    return claim


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CLAIM_LINK_SALT)


def send_claim_link(listing: Listing, user: User, address: str, keep_following: bool = False) -> None:
    """Mail a link to an address the source listed for the group; following it (signed in as `user`)
    proves the person reads that address, and the claim is approved."""
    record = _check_claimant(listing, user)
    if address not in record.emails:
        raise ClaimError(gettext("Choose one of the addresses the source lists for this group."))
    token = _serializer().dumps({"listing": listing.id, "user": user.id, "address": address,
                                 "follow": keep_following})
    # Queued in the outbox: a mail server that is down delays the link, never loses it.
    # Read by the person claiming, in their account's language.
    send_mail(address, lazy_gettext("Claim “%(name)s” on %(site)s", name=listing.name,
                                    site=current_app.config["SITE_NAME"]),
              "claim_link", language=user.language, listing=listing,
              link=external_url("sources.confirm_claim", token=token),
              hours=int(current_app.config["CLAIM_LINK_MAX_AGE"]) // 3600)
    logger.info("claim link for listing %s sent for user %s", listing.id, user.id)


def confirm_claim_link(token: str, user: User) -> Listing:
    """Approve the claim a link from send_claim_link stands for."""
    try:
        payload = _serializer().loads(token, max_age=int(current_app.config["CLAIM_LINK_MAX_AGE"]))
    except SignatureExpired as error:
        raise ClaimError(gettext("This link has expired. Please ask for a new one.")) from error
    except BadSignature as error:
        raise ClaimError(gettext("This link is not valid. It may have been copied incompletely.")) from error
    if not isinstance(payload, dict) or payload.get("user") != user.id:
        raise ClaimError(gettext("This link was sent for another account. "
                                 "Sign in with the account that asked."))
    listing = db.session.get(Listing, payload.get("listing"))
    if listing is None:
        raise ClaimError(gettext("That listing no longer exists."))
    record = _check_claimant(listing, user)
    if payload.get("address") not in record.emails:
        raise ClaimError(gettext("The source no longer lists that address for this group."))
    claim = pending_claim(listing, user) or Claim(listing_id=listing.id, user_id=user.id, message="",
                                                  created_at=utcnow(), note="")
    claim.keep_following = bool(payload.get("follow"))
    db.session.add(claim)
    db.session.flush()
    _grant(claim, listing, record, None, f"{masked(str(payload['address']))} confirmed")
    commit()
    return listing


def approve_claim(claim: Claim, admin: User) -> None:
    if not admin.is_admin:
        raise ClaimError(gettext("Only an admin can do that."))
    if claim.status != CLAIM_PENDING:
        raise ClaimError(gettext("This claim was already decided."))
    record = claimable(claim.listing)
    if record is None:
        raise ClaimError(gettext("The listing has an owner already."))
    _grant(claim, claim.listing, record, admin, "approved by an admin")
    commit()


def reject_claim(claim: Claim, admin: User, reason: str) -> None:
    if not admin.is_admin:
        raise ClaimError(gettext("Only an admin can do that."))
    if claim.status != CLAIM_PENDING:
        raise ClaimError(gettext("This claim was already decided."))
    if not reason.strip():
        raise ClaimError(gettext("Please give a reason; the person will see it."))
    claim.status, claim.decided_at, claim.decided_by_id = CLAIM_REJECTED, utcnow(), admin.id
    claim.note = reason.strip()[:2000]
    audit.record(audit.ACTION_CLAIM_REJECTED, admin, listing=claim.listing,
                      target_user_id=claim.user_id, reason=reason)
    commit()


def set_following(listing: Listing, user: User, following: bool) -> None:
    """The owner of a claimed listing chooses whether syncs keep updating it."""
    record = record_of(listing.id)
    if record is None or listing.owner_id != user.id:
        raise ClaimError(gettext("Only the listing's owner can change that."))
    record.following = following
    commit()
