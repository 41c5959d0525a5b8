"""The kommun's address register (issue 14, item 4): imported once from Lantmäteriet's address
points (GeoPackage) or an OpenStreetMap extract (.osm XML), then looked up without a network —
the nearest address to a tapped point, and addresses by their street name.

Lantmäteriet's *Belägenhetsadress* data name the street `adressomrade_faststalltnamn` (or
`gardsadressomrade_faststalltnamn` for a farm address), the number `adressplatsnummer` with
`bokstavstillagg`, and `postnummer`, `postort` and `kommunkod`; the first of each list below
that a layer has is used, so a file with slightly other names still reads. OpenStreetMap's
address tags are `addr:street`, `addr:housenumber`, `addr:postcode` and `addr:city`, on nodes
and on ways (a building with an address: the mean of its nodes).

Only addresses inside the kommun's boundary are kept. An import replaces the kommun's register
in one transaction, and a file that yields no address changes nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from defusedxml import ElementTree
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from scipy.spatial import cKDTree

from samtrygg.analysis.geo import sweref_to_wgs84, wgs84_to_sweref
from samtrygg.tenancy.models import Municipality

from .boundaries import _crs, _find, _open, _quote, geometry_from_blob, is_geopackage
from .models import Address
from .services import municipality_boundary_sweref

STREET = ("adressomrade_faststalltnamn", "gardsadressomrade_faststalltnamn", "gata", "street")
NUMBER = ("adressplatsnummer", "nummer", "housenumber")
LETTER = ("bokstavstillagg",)
POSTCODE = ("postnummer", "postcode")
LOCALITY = ("postort", "city")
NEAREST_WITHIN_M = 250.0  # farther than this, a tap is not "at" an address


class AddressFileError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ParsedAddress:
    street: str
    number: str
    postcode: str
    locality: str
    x: float  # SWEREF 99 TM
    y: float


@dataclass(frozen=True)
class ImportResult:
    imported: int
    outside: int


def label(street: str, number: str, postcode: str = "", locality: str = "") -> str:
    """ "Storgatan 3B, 302 45 Halmstad"."""
    text = f"{street} {number}".strip()
    place = " ".join(p for p in (_postcode(postcode), locality) if p)
    return f"{text}, {place}" if place else text


def _postcode(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{digits[:3]} {digits[3:]}" if len(digits) == 5 else value.strip()


# ---- reading the files -------------------------------------------------------------------


def read_osm(raw: bytes) -> list[ParsedAddress]:
    """Addresses of an OpenStreetMap XML extract (nodes and ways with addr:street and
    addr:housenumber). Coordinates are WGS 84."""
    try:
        root = ElementTree.fromstring(raw)
    except Exception as error:  # defusedxml raises several kinds for broken or hostile XML
        raise AddressFileError(
            [_("The file is not OpenStreetMap XML: %(error)s") % {"error": error}]
        ) from None
    if root.tag != "osm":
        raise AddressFileError([_("The file is not OpenStreetMap XML (no <osm> element).")])
    nodes: dict[str, tuple[float, float]] = {}
    found: list[tuple[dict[str, str], float, float]] = []
    for node in root.iter("node"):
        try:
            lon, lat = float(node.get("lon", "")), float(node.get("lat", ""))
        except ValueError:
            continue
        nodes[node.get("id", "")] = (lon, lat)
        tags = _tags(node)
        if "addr:street" in tags and "addr:housenumber" in tags:
            found.append((tags, lon, lat))
    for way in root.iter("way"):
        tags = _tags(way)
        if "addr:street" not in tags or "addr:housenumber" not in tags:
            continue
        points = [nodes[nd.get("ref", "")] for nd in way.iter("nd") if nd.get("ref") in nodes]
        if points:
            found.append((tags, *np.mean(np.asarray(points), axis=0).tolist()))
    if not found:
        return []
    x, y = wgs84_to_sweref([f[1] for f in found], [f[2] for f in found])
    return [
        ParsedAddress(
            tags["addr:street"].strip(),
            tags["addr:housenumber"].strip(),
            tags.get("addr:postcode", "").strip(),
            tags.get("addr:city", "").strip(),
            float(px),
            float(py),
        )
        for (tags, _lon, _lat), px, py in zip(found, x, y, strict=True)
    ]


def _tags(element: Any) -> dict[str, str]:
    return {tag.get("k", ""): tag.get("v", "") for tag in element.iter("tag")}


def read_lantmateriet(source: bytes | Path, kommun: str) -> list[ParsedAddress]:
    """Lantmäteriet's address points from a GeoPackage (SWEREF 99 TM or WGS 84): the first
    feature layer with a street and a number column; rows of another kommun left out."""
    try:
        connection = _open(source)
        layers = connection.execute(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
            "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
            "WHERE c.data_type = 'features'"
        ).fetchall()
    except sqlite3.DatabaseError:
        raise AddressFileError(
            [
                _(
                    "The file is not a GeoPackage (the tables gpkg_contents and "
                    "gpkg_geometry_columns are missing or broken)."
                )
            ]
        ) from None
    for table, geometry_column, srs_id in layers:
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({_quote(table)})")]
        street, number = _find(columns, STREET), _find(columns, NUMBER)
        if street and number:
            return _read_layer(connection, table, geometry_column, srs_id, columns, kommun)
    raise AddressFileError(
        [
            _(
                "No layer has a street name and a number (e.g. the columns “%(street)s” "
                "and “%(number)s”)."
            )
            % {"street": STREET[0], "number": NUMBER[0]}
        ]
    )


def _read_layer(
    connection: sqlite3.Connection,
    table: str,
    geometry_column: str,
    srs_id: int,
    columns: list[str],
    kommun: str,
) -> list[ParsedAddress]:
    crs = _crs(connection, srs_id)
    if crs not in ("EPSG:3006", "EPSG:4326"):
        raise AddressFileError(
            [_("The addresses are in %(crs)s; give them in SWEREF 99 TM or WGS 84.") % {"crs": crs}]
        )
    wanted = [
        _find(columns, names)
        for names in (STREET, NUMBER, LETTER, POSTCODE, LOCALITY, ("kommunkod",))
    ]
    selected = ", ".join(_quote(c) if c else "NULL" for c in [geometry_column, *wanted])
    rows = connection.execute(f"SELECT {selected} FROM {_quote(table)}").fetchall()  # noqa: S608
    parsed: list[tuple[str, str, str, str, float, float]] = []
    for blob, street, number, letter, postcode, locality, code in rows:
        if code is not None and str(code).strip() and str(code).strip() != kommun:
            continue
        try:
            _srs, point = geometry_from_blob(blob)
        except ValueError:
            continue
        if not street or number is None or point.geom_type != "Point":
            continue
        number_text = f"{number}{letter or ''}".strip()
        parsed.append(
            (
                str(street).strip(),
                number_text,
                str(postcode or ""),
                str(locality or ""),
                point.x,
                point.y,
            )
        )
    if crs == "EPSG:4326" and parsed:
        x, y = wgs84_to_sweref([p[4] for p in parsed], [p[5] for p in parsed])
        parsed = [(*p[:4], float(px), float(py)) for p, px, py in zip(parsed, x, y, strict=True)]
    return [ParsedAddress(*p) for p in parsed]


def read(source: Path, kommun: str) -> list[ParsedAddress]:
    """An address file in either published format, told apart by its content."""
    raw = source.read_bytes()
    if is_geopackage(raw):
        return read_lantmateriet(raw, kommun)
    return read_osm(raw)


# ---- the register ----------------------------------------------------------------------------


def import_addresses(municipality: Municipality, parsed: list[ParsedAddress]) -> ImportResult:
    """Replace the kommun's register with the addresses inside its boundary."""
    boundary = municipality_boundary_sweref(municipality)
    inside = parsed
    if boundary is not None and parsed:
        shapely.prepare(boundary)
        points = shapely.points([p.x for p in parsed], [p.y for p in parsed])
        mask = shapely.contains(boundary, points)
        inside = [p for p, keep in zip(parsed, mask, strict=True) if keep]
    if not inside:
        raise AddressFileError([_("The file has no address inside the municipality.")])
    lon, lat = sweref_to_wgs84([p.x for p in inside], [p.y for p in inside])
    with transaction.atomic():
        Address.objects.filter(municipality=municipality).delete()
        Address.objects.bulk_create(
            [
                Address(
                    municipality=municipality,
                    street=p.street[:150],
                    number=p.number[:20],
                    postcode=p.postcode[:10],
                    locality=p.locality[:80],
                    x=p.x,
                    y=p.y,
                    lon=float(plon),
                    lat=float(plat),
                )
                for p, plon, plat in zip(inside, lon, lat, strict=True)
            ],
            batch_size=2000,
        )
    return ImportResult(len(inside), len(parsed) - len(inside))


_trees: dict[int, tuple[tuple[Any, ...], cKDTree, list[int]]] = {}


def _tree(municipality_id: int) -> tuple[cKDTree, list[int]] | None:
    """A k-d tree of the kommun's addresses, rebuilt only when the register changes."""
    rows = Address.objects.filter(municipality_id=municipality_id)
    version = tuple(rows.aggregate(n=Count("id"), last=Max("id")).values())
    cached = _trees.get(municipality_id)
    if cached is None or cached[0] != version:
        loaded = list(rows.values_list("id", "x", "y"))
        if not loaded:
            return None
        points = np.asarray([(x, y) for _pk, x, y in loaded])
        cached = (version, cKDTree(points), [pk for pk, _x, _y in loaded])
        _trees[municipality_id] = cached
    return cached[1], cached[2]


def nearest(municipality_id: int, x: float, y: float) -> tuple[Address, float] | None:
    """The address nearest to a SWEREF 99 TM point and its distance in metres, if one is
    within NEAREST_WITHIN_M."""
    found = _tree(municipality_id)
    if found is None:
        return None
    tree, ids = found
    distance, index = tree.query((x, y), distance_upper_bound=NEAREST_WITHIN_M)
    if not np.isfinite(distance):
        return None
    return Address.objects.get(pk=ids[int(index)]), float(distance)


def search(municipality_id: int, query: str, limit: int = 10) -> list[Address]:
    """Addresses whose street starts with the words typed; a trailing number narrows to it
    ("Storg 3" finds Storgatan 3, 3A …)."""
    words = query.split()
    if not words:
        return []
    number = words.pop() if len(words) > 1 and words[-1][:1].isdigit() else ""
    rows = Address.objects.filter(
        municipality_id=municipality_id, street__istartswith=" ".join(words)
    )
    if number:
        rows = rows.filter(number__istartswith=number)
    return list(rows.order_by("street", "number")[:limit])
