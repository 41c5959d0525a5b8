"""Reading SCB's DeSO and RegSO boundary files (issue 12, item 2), without GDAL.

SCB publishes the boundaries as GeoPackage files in SWEREF 99 TM (EPSG:3006), one feature per
area, for the whole country. A GeoPackage is an SQLite database: ``gpkg_contents`` lists the
layers, ``gpkg_geometry_columns`` names each layer's geometry column and its ``srs_id``,
``gpkg_spatial_ref_sys`` maps that id to an EPSG code, and each geometry is a blob of a
GeoPackage header followed by standard WKB. The header is read here (``geometry_from_blob``) and
the WKB by shapely. Only the rows of one kommun are selected, in SQL, so that the ~6 000 other
geometries of the national file are never parsed. The same data as GeoJSON (WGS 84, or with a
``crs`` member naming EPSG:3006) are read too. This module only reads: the checks of the
geometries and the writing are the area service's (``services.import_boundaries``).
"""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

GPKG_MAGIC = b"SQLite format 3\x00"
# The envelope's size in bytes by the envelope indicator (flags bits 1–3): none, xy, xyz, xym,
# xyzm. Indicators 5–7 are invalid.
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
READABLE_CRS = {"EPSG:3006", "EPSG:4326"}


class BoundaryFileError(Exception):
    """The file cannot be read as SCB boundaries; ``errors`` says why, in the user's language."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Layout:
    """The attribute names SCB uses for one kind of area (the first present is used)."""

    label: str
    code: tuple[str, ...]
    kommun: tuple[str, ...]
    name: tuple[str, ...]  # empty: the name is "DeSO <code>"


LAYOUTS = {
    "deso": Layout("DeSO", ("deso", "desokod"), ("kommun", "kommunkod"), ()),
    "regso": Layout("RegSO", ("regsokod",), ("kommunkod", "kommun"), ("regso", "regsonamn")),
}


@dataclass
class BoundaryFeature:
    """One area of the kommun as a GeoJSON-like feature in the file's own coordinates (the
    geometry is ``None`` with ``error`` set when the blob cannot be read)."""

    number: int
    code: str
    name: str
    geometry: dict[str, Any] | None
    error: str | None = None


@dataclass
class BoundaryFile:
    crs: str | None  # None: detect from the coordinates (GeoJSON without a crs member)
    features: list[BoundaryFeature]


def geometry_from_blob(blob: object) -> tuple[int, BaseGeometry]:
    """(srs_id, geometry) of a GeoPackage geometry blob: "GP", version 0, flags, srs_id, an
    optional envelope whose size follows from the flags, then WKB. Raises ValueError."""
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    if blob[2] != 0:
        raise ValueError("unknown GeoPackage geometry version")
    flags = blob[3]
    order = "<" if flags & 0x01 else ">"
    envelope = (flags >> 1) & 0x07
    if envelope not in ENVELOPE_BYTES:
        raise ValueError("invalid envelope indicator")
    (srs_id,) = struct.unpack(order + "i", blob[4:8])
    start = 8 + ENVELOPE_BYTES[envelope]
    if flags & 0x10 or len(blob) <= start:  # the empty-geometry flag
        raise ValueError("empty geometry")
    try:
        geometry = shapely.from_wkb(blob[start:])
    except Exception as error:  # GEOS raises its own types for broken WKB
        raise ValueError(str(error)) from None
    return srs_id, shapely.force_2d(geometry)


def _find(names: list[str], wanted: tuple[str, ...]) -> str | None:
    lower = {n.lower(): n for n in names}
    return next((lower[w] for w in wanted if w in lower), None)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _name(layout: Layout, code: str, name: object) -> str:
    text = str(name or "").strip()
    return text if text else f"{layout.label} {code}"


def _unknown_columns(layout: Layout, found: dict[str, list[str]]) -> BoundaryFileError:
    listed = "; ".join(f"{layer}: {', '.join(columns)}" for layer, columns in found.items())
    return BoundaryFileError(
        [
            _(
                "No layer has the column “%(code)s” (the %(kind)s code). "
                "Layers and columns in the file: %(found)s."
            )
            % {"code": layout.code[0], "kind": layout.label, "found": listed or "–"}
        ]
    )


def _open(source: bytes | Path) -> sqlite3.Connection:
    if isinstance(source, Path):
        connection = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    else:
        connection = sqlite3.connect(":memory:")
        connection.deserialize(source)
    # A file from outside: no functions with side effects from its views or triggers.
    connection.execute("PRAGMA trusted_schema = OFF")
    connection.execute("PRAGMA query_only = ON")
    return connection


def _crs(connection: sqlite3.Connection, srs_id: int) -> str:
    row = connection.execute(
        "SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
        (srs_id,),
    ).fetchone()
    if row is None:
        return f"srs_id {srs_id}"
    return f"{str(row[0]).upper()}:{row[1]}"


def read_geopackage(
    source: bytes | Path, kind: str, kommun: str, layer: str | None = None
) -> BoundaryFile:
    """The features of one kommun from an SCB GeoPackage; raises BoundaryFileError."""
    layout = LAYOUTS[kind]
    try:
        connection = _open(source)
    except (sqlite3.Error, OSError):
        raise BoundaryFileError([_("The file cannot be opened as a GeoPackage.")]) from None
    try:
        return _read_layer(connection, layout, kommun, layer)
    except sqlite3.Error:
        raise BoundaryFileError(
            [
                _(
                    "The file is not a GeoPackage (the tables gpkg_contents and "
                    "gpkg_geometry_columns are missing or broken)."
                )
            ]
        ) from None
    finally:
        connection.close()


def _read_layer(
    connection: sqlite3.Connection, layout: Layout, kommun: str, wanted: str | None
) -> BoundaryFile:
    layers = connection.execute(
        "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
        "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
        "WHERE c.data_type = 'features' ORDER BY c.table_name"
    ).fetchall()
    if wanted is not None:
        layers = [row for row in layers if row[0] == wanted]
        if not layers:
            raise BoundaryFileError(
                [_("The file has no layer “%(layer)s”.") % {"layer": wanted[:100]}]
            )
    found: dict[str, list[str]] = {}
    for table, geometry_column, srs_id in layers:
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({_quote(table)})")]
        found[table] = columns
        code = _find(columns, layout.code)
        if code is None:
            continue
        crs = _crs(connection, srs_id)
        if crs not in READABLE_CRS:
            raise BoundaryFileError(
                [
                    _(
                        "The layer “%(layer)s” is in the coordinate system %(crs)s; only "
                        "SWEREF 99 TM (EPSG:3006) and WGS 84 (EPSG:4326) can be read."
                    )
                    % {"layer": table, "crs": crs}
                ]
            )
        name = _find(columns, layout.name)
        where, parameters = _kommun_filter(_find(columns, layout.kommun), code, kommun)
        rows = connection.execute(
            f"SELECT {_quote(code)}, {_quote(name) if name else 'NULL'}, "  # noqa: S608 (quoted names)
            f"{_quote(geometry_column)} FROM {_quote(table)} WHERE {where} ORDER BY rowid",
            parameters,
        )
        features = [
            _feature(layout, number, row, srs_id, crs) for number, row in enumerate(rows, 1)
        ]
        return BoundaryFile(crs=crs, features=features)
    raise _unknown_columns(layout, found)


def _kommun_filter(column: str | None, code_column: str, kommun: str) -> tuple[str, list[str]]:
    """Only this kommun's rows, in SQL. The kommun column may be text ("0180") or a number
    (180); without one, the area codes begin with the kommun code."""
    if column is not None:
        return f"CAST({_quote(column)} AS TEXT) IN (?, ?)", [kommun, kommun.lstrip("0")]
    return f"CAST({_quote(code_column)} AS TEXT) LIKE ?", [kommun + "%"]


def _feature(
    layout: Layout, number: int, row: tuple[Any, Any, Any], srs_id: int, crs: str
) -> BoundaryFeature:
    code = str(row[0] or "").strip().upper()
    name = _name(layout, code, row[1])
    try:
        blob_srs, geometry = geometry_from_blob(row[2])
    except ValueError:
        return BoundaryFeature(
            number, code, name, None, _("the geometry blob is not GeoPackage geometry (WKB)")
        )
    if blob_srs != srs_id:
        return BoundaryFeature(
            number,
            code,
            name,
            None,
            _("the geometry's coordinate system (srs_id %(id)d) is not the layer's (%(crs)s)")
            % {"id": blob_srs, "crs": crs},
        )
    return BoundaryFeature(number, code, name, dict(mapping(geometry)))


def read_geojson(data: dict[str, Any], kind: str, kommun: str) -> BoundaryFile:
    """The features of one kommun from a GeoJSON FeatureCollection already loaded."""
    layout = LAYOUTS[kind]
    properties = [(f or {}).get("properties") or {} for f in data["features"]]
    columns = sorted({str(k) for p in properties for k in p})
    code = _find(columns, layout.code)
    if code is None:
        raise _unknown_columns(layout, {"GeoJSON": columns})
    kommun_column = _find(columns, layout.kommun)
    name = _find(columns, layout.name)
    features = []
    for number, (feature, values) in enumerate(zip(data["features"], properties, strict=True), 1):
        area_code = str(values.get(code) or "").strip().upper()
        if kommun_column is not None:
            mine = str(values.get(kommun_column) or "").strip().zfill(4) == kommun
        else:
            mine = area_code.startswith(kommun)
        if mine:
            features.append(
                BoundaryFeature(
                    number,
                    area_code,
                    _name(layout, area_code, values.get(name) if name else None),
                    (feature or {}).get("geometry"),
                )
            )
    return BoundaryFile(crs=None, features=features)


def is_geopackage(source: bytes | Path) -> bool:
    if isinstance(source, Path):
        with source.open("rb") as handle:
            return handle.read(16) == GPKG_MAGIC
    return source[:16] == GPKG_MAGIC
