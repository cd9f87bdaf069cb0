"""Time helpers: the database stores naive UTC everywhere, so there is one clock."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as naive UTC (what every DateTime column holds)."""
    return datetime.now(UTC).replace(tzinfo=None)
