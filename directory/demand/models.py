"""One daily counter per coarse cell, topic filter and outcome: nothing of who searched or what was typed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model

# What a counted search found within NEAR_MILES (see listings.search): nothing, one or two, more.
OUTCOME_NONE = 0
OUTCOME_FEW = 1
OUTCOME_MORE = 2
OUTCOMES = (OUTCOME_NONE, OUTCOME_FEW, OUTCOME_MORE)
# Topic slugs of a search joined with "+" (sorted); "" for a search without a topic filter.
TOPIC_KEY_LENGTH = 200


class DemandCount(Model):
    """How many searches on one day fell in one grid cell, with one topic filter and one outcome."""

    __tablename__ = "demand_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    cell_row: Mapped[int] = mapped_column(Integer)
    cell_col: Mapped[int] = mapped_column(Integer)
    topics: Mapped[str] = mapped_column(String(TOPIC_KEY_LENGTH), default="")
    outcome: Mapped[int] = mapped_column(SmallInteger)
    searches: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("day", "cell_row", "cell_col", "topics", "outcome", name="uq_demand_counts_key"),
    )

    def __repr__(self) -> str:
        return f"<DemandCount {self.day} {self.cell_row}/{self.cell_col} {self.topics!r} {self.outcome}>"
