"""Imports every model, so Alembic and create_all see the whole schema."""

from .accounts.models import DeviceSession, User
from .alerts.models import Alert, AlertMatch
from .contact.models import ContactMessage
from .data_version import DataVersion
from .demand.models import DemandCount
from .followups.models import Answer, CheckIn, OwnerNudge
from .geo.models import Place
from .interop.sources.models import Claim, Source, SourceRecord
from .listings.models import Audience, Listing, ListingLanguage, Meeting, Topic
from .moderation.models import ModerationEvent, Report, Revision
from .outbox import OutboxMessage

__all__ = [
    "Alert",
    "AlertMatch",
    "Answer",
    "CheckIn",
    "Audience",
    "Claim",
    "ContactMessage",
    "DataVersion",
    "DemandCount",
    "DeviceSession",
    "Listing",
    "ListingLanguage",
    "Meeting",
    "ModerationEvent",
    "OutboxMessage",
    "OwnerNudge",
    "Place",
    "Report",
    "Revision",
    "Source",
    "SourceRecord",
    "Topic",
    "User",
]
