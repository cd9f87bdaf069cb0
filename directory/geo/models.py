"""The gazetteer: postal codes and towns with a point and an IANA time zone."""

from __future__ import annotations

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model

# The kinds of row lookups read; the gazetteer's loader also keeps one row of its own kind.
PLACE_KINDS = ("city", "postal")


class Place(Model):
    """One row of the gazetteer: a postal code (kind 'postal') or a populated place (kind 'city')."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case ASCII with punctuation folded to single spaces: what lookups compare against.
    search_key: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(20))
    region_name: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(12))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer, default=0)
    time_zone: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_places_search_key", "search_key"),
        Index("ix_places_postal_code", "postal_code", "country"),
        Index("ix_places_country_region", "country", "region"),
    )

    def __repr__(self) -> str:
        return f"<Place {self.kind} {self.name!r} {self.region} {self.country}>"
