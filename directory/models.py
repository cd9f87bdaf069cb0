"""Imports every model, so Alembic and create_all see the whole schema."""

from .accounts.models import User
from .contact.models import ContactMessage
from .geo.models import Place
from .interop.sources.models import Claim, Source, SourceRecord
from .listings.models import Audience, Listing, ListingLanguage, Meeting, Topic
from .moderation.models import ModerationEvent, Report, Revision

__all__ = [
    "Audience",
    "Claim",
    "ContactMessage",
    "Listing",
    "ListingLanguage",
    "Meeting",
    "ModerationEvent",
    "Place",
    "Report",
    "Revision",
    "Source",
    "SourceRecord",
    "Topic",
    "User",
]
