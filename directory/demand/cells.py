"""The grid searches are counted on: cells about 25 km a side, so a count never points at a street or a town
smaller than that. A cell is a pair of whole numbers (row, column); only its centre can be read back."""

from __future__ import annotations

import math
from typing import NamedTuple

CELL_KM = 25.0
KM_PER_DEGREE = 111.195  # along a meridian
LAT_STEP = CELL_KM / KM_PER_DEGREE  # degrees of latitude per row
ROWS = math.ceil(180 / LAT_STEP)


class Cell(NamedTuple):
    row: int
    col: int

    @property
    def key(self) -> str:
        """How the visitor's daily cookie names it."""
        return f"{self.row}.{self.col}"


def _columns(row: int) -> int:
    """Columns in a row: as many cells of CELL_KM as fit around the earth at the row's middle latitude."""
    middle = -90 + (row + 0.5) * LAT_STEP
    return max(1, math.floor(360 * math.cos(math.radians(middle)) / LAT_STEP))


def cell_of(latitude: float, longitude: float) -> Cell:
    """The cell a point falls in."""
    row = min(ROWS - 1, max(0, math.floor((latitude + 90) / LAT_STEP)))
    columns = _columns(row)
    col = math.floor(((longitude + 180) % 360) / (360 / columns)) % columns
    return Cell(row, col)


def centre(cell: Cell) -> tuple[float, float]:
    """The middle of a cell (latitude, longitude), rounded to what the grid means."""
    columns = _columns(cell.row)
    latitude = -90 + (cell.row + 0.5) * LAT_STEP
    longitude = -180 + (cell.col + 0.5) * 360 / columns
    return round(latitude, 2), round(longitude, 2)


def bounds(cell: Cell) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a cell, in degrees."""
    columns = _columns(cell.row)
    south = -90 + cell.row * LAT_STEP
    west = -180 + cell.col * 360 / columns
    return south, west, south + LAT_STEP, west + 360 / columns
