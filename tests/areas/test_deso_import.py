"""SCB's DeSO and RegSO boundaries as areas (issue 12, item 2): a GeoPackage built here with
sqlite3 in the real table layout (gpkg_spatial_ref_sys, gpkg_contents, gpkg_geometry_columns, a
feature table of GeoPackage-header + WKB blobs, with and without an envelope, little and big
endian) holding DeSO of two kommuner in SWEREF 99 TM; only the municipality's own are imported,
reprojected, matched on their code; a broken file is refused in Swedish with nothing written."""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pyproj import Transformer
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from samtrygg.areas.boundaries import geometry_from_blob
from samtrygg.areas.models import Area
from samtrygg.areas.services import AreaImportError, import_boundaries
from samtrygg.audit.models import AuditEvent
from samtrygg.tenancy.models import Municipality

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")

# SWEREF 99 TM's central meridian is 15° E with a false easting of 500 000 m: every point with
# E = 500 000 lies on 15° E exactly (the projection's definition, no computation needed).
CENTRAL_E = 500_000.0
NORTH = 6_280_000.0
OTHER_E, OTHER_N = 674_000.0, 6_580_000.0  # Stockholm, another kommun


def blob(
    geometry: BaseGeometry, srs_id: int = 3006, *, envelope: bool = True, little: bool = True
) -> bytes:
    """A GeoPackage geometry: "GP", version 0, flags (byte order, envelope indicator), srs_id,
    the xy envelope (minx, maxx, miny, maxy) when asked, then WKB."""
    order = "<" if little else ">"
    flags = (0x01 if little else 0x00) | ((1 << 1) if envelope else 0)
    head = b"GP" + bytes([0, flags]) + struct.pack(order + "i", srs_id)
    if envelope:
        minx, miny, maxx, maxy = geometry.bounds
        head += struct.pack(order + "4d", minx, maxx, miny, maxy)
    return head + shapely.to_wkb(geometry, byte_order=1 if little else 0)


def geopackage(
    path: Path,
    rows: list[tuple[str, str, Any]],
    *,
    srs: int = 3006,
    table: str = "DeSO_2025",
    code_column: str = "deso",
    kommun_column: str = "kommun",
) -> Path:
    """A GeoPackage with one feature layer; rows are (code, kommun, geometry or raw blob)."""
    db = sqlite3.connect(path)
    db.executescript(
        f"""
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME,
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
            m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
        CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON,
            "{code_column}" TEXT, "{kommun_column}" TEXT, kommunnamn TEXT, lan TEXT);
        """
    )
    db.executemany(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, 'undefined', '')",
        [("SWEREF99 TM", 3006, 3006), ("RT90 2.5 gon V", 3021, 3021), ("WGS 84", 4326, 4326)],
    )
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
        "VALUES (?, 'features', ?, ?)",
        (table, table, srs),
    )
    db.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', ?, 0, 0)",
        (table, srs),
    )
    for code, kommun, geometry in rows:
        raw = geometry if isinstance(geometry, bytes) else blob(geometry, srs)
        db.execute(
            f'INSERT INTO "{table}" (geom, "{code_column}", "{kommun_column}", kommunnamn, lan) '  # noqa: S608
            "VALUES (?, ?, ?, ?, ?)",
            (raw, code, kommun, "Halmstad" if kommun == "1380" else "Stockholm", kommun[:2]),
        )
    db.commit()
    db.close()
    return path


def square_at(e: float, n: float, side: float = 1000.0) -> BaseGeometry:
    return shapely.MultiPolygon([box(e, n, e + side, n + side)])


def national(tmp_path: Path, **options: Any) -> Path:
    """Two DeSO of Halmstad (1380) — the first with an envelope and little endian, the second
    without and big endian — and two of Stockholm (0180), one with a broken blob that must never
    be parsed (the kommun is filtered in SQL)."""
    halmstad_2 = blob(square_at(CENTRAL_E + 1000, NORTH), envelope=False, little=False)
    return geopackage(
        tmp_path / "deso.gpkg",
        [
            ("0180C1010", "0180", square_at(OTHER_E, OTHER_N)),
            ("1380C1010", "1380", square_at(CENTRAL_E, NORTH)),
            ("0180C1020", "0180", b"GP\x00\x07broken"),
            ("1380C1020", "1380", halmstad_2),
        ],
        **options,
    )


@pytest.fixture
def halmstad(db: Any) -> Municipality:
    # No boundary: the test squares lie on 15° E, not in Halmstad.
    return factories.municipality("Halmstad", scb_code="1380", boundary=None)


def test_the_header_is_read_with_and_without_an_envelope() -> None:
    polygon = square_at(1.0, 2.0, 3.0)
    for envelope in (True, False):
        for little in (True, False):
            srs, read = geometry_from_blob(blob(polygon, 3006, envelope=envelope, little=little))
            assert srs == 3006 and read.equals(polygon)
    with pytest.raises(ValueError, match="envelope"):
        geometry_from_blob(b"GP\x00\x0f" + bytes(4))  # envelope indicator 7


def test_only_this_kommuns_deso_are_imported_and_reprojected(
    halmstad: Municipality, tmp_path: Path
) -> None:
    result = import_boundaries(halmstad, national(tmp_path), kind="deso")
    assert (result.created, result.updated, result.missing) == (2, 0, [])
    areas = {a.code: a for a in Area.objects.filter(municipality=halmstad)}
    assert sorted(areas) == ["1380C1010", "1380C1020"]
    first = areas["1380C1010"]
    assert first.kind == "deso" and first.name == "DeSO 1380C1010"
    # SWEREF 99 TM bounds kept in metres; the area 1 000 m × 1 000 m.
    assert (first.min_x, first.min_y, first.max_x, first.max_y) == pytest.approx(
        (CENTRAL_E, NORTH, CENTRAL_E + 1000, NORTH + 1000), abs=1e-3
    )
    assert first.area_m2 == pytest.approx(1_000_000, rel=1e-6)
    # The vertex (500 000, 6 280 000) in WGS 84: 15° E by the projection's definition, and the
    # latitude pyproj's own transformer gives, called here (not through samtrygg.analysis.geo).
    ring = first.geometry["coordinates"][0][0]
    vertex = min(ring, key=lambda p: (p[0], p[1]))
    _lon, lat = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True).transform(
        CENTRAL_E, NORTH
    )
    assert vertex[0] == pytest.approx(15.0, abs=1e-9)
    assert vertex[1] == pytest.approx(lat, abs=1e-9)
    assert 56.6 < lat < 56.7  # northing 6 280 000 is about 56,65° N
    second = areas["1380C1020"]  # big endian, no envelope
    assert second.min_x == pytest.approx(CENTRAL_E + 1000, abs=1e-3)


def test_reimport_updates_by_code_keeps_population_and_reports_what_is_gone(
    halmstad: Municipality, tmp_path: Path
) -> None:
    import_boundaries(halmstad, national(tmp_path), kind="deso")
    # Renamed by hand: still the same DeSO, found by its code.
    Area.objects.filter(code="1380C1010").update(
        name="Centrum", population=1500, day_population=4000
    )
    moved = geopackage(
        tmp_path / "ny.gpkg", [("1380C1010", "1380", square_at(CENTRAL_E, NORTH, 2000))]
    )
    result = import_boundaries(halmstad, moved, kind="deso")
    assert (result.created, result.updated) == (0, 1)
    assert result.missing == ["DeSO 1380C1020"]  # reported, not deleted
    assert Area.objects.filter(municipality=halmstad).count() == 2
    area = Area.objects.get(code="1380C1010")
    assert area.area_m2 == pytest.approx(4_000_000, rel=1e-6)  # 2 000 m × 2 000 m
    assert (area.population, area.day_population) == (1500, 4000)
    assert area.name == "DeSO 1380C1010"
    event = AuditEvent.objects.filter(municipality=halmstad, action="area.imported").latest("pk")
    assert event.changes["not_in_file"] == [None, ["DeSO 1380C1020"]]
    assert event.changes["updated"] == [None, 1]


def _wrong_srs(tmp_path: Path) -> Path:
    return geopackage(
        tmp_path / "rt90.gpkg", [("1380C1010", "1380", square_at(1_320_000, 6_280_000))], srs=3021
    )


def _broken(tmp_path: Path) -> Path:
    return geopackage(
        tmp_path / "b.gpkg",
        [("1380C1010", "1380", square_at(CENTRAL_E, NORTH)), ("1380C1020", "1380", b"GPxx")],
    )


def _other_srs_in_blob(tmp_path: Path) -> Path:
    return geopackage(
        tmp_path / "s.gpkg", [("1380C1010", "1380", blob(square_at(CENTRAL_E, NORTH), 4326))]
    )


def _invalid_polygon(tmp_path: Path) -> Path:
    bow_tie = shapely.Polygon(
        [(CENTRAL_E, NORTH), (CENTRAL_E + 1000, NORTH + 1000), (CENTRAL_E + 1000, NORTH),
         (CENTRAL_E, NORTH + 1000), (CENTRAL_E, NORTH)]
    )  # fmt: skip
    return geopackage(tmp_path / "i.gpkg", [("1380C1010", "1380", bow_tie)])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            _wrong_srs,
            "Lagret ”DeSO_2025” har koordinatsystemet EPSG:3021; bara SWEREF 99 TM "
            "(EPSG:3006) och WGS 84 (EPSG:4326) kan läsas.",
        ),
        (
            _broken,
            "Objekt 2 (1380C1020): geometrin kan inte läsas: geometriblobben är inte "
            "GeoPackage-geometri (WKB).",
        ),
        (
            _other_srs_in_blob,
            "Objekt 1 (1380C1010): geometrin kan inte läsas: geometrins koordinatsystem "
            "(srs_id 4326) är inte lagrets (EPSG:3006).",
        ),
        (
            lambda p: geopackage(p / "s.gpkg", [("0180C1010", "0180", square_at(OTHER_E, NORTH))]),
            "Filen innehåller inga DeSO i kommunen Halmstad (kommunkod 1380).",
        ),
        (
            lambda p: geopackage(
                p / "c.gpkg", [("1380C1010", "1380", square_at(CENTRAL_E, NORTH))], code_column="id"
            ),
            "Inget lager har kolumnen ”deso” (DeSO-koden). Lager och kolumner i filen: "
            "DeSO_2025: fid, geom, id, kommun, kommunnamn, lan.",
        ),
        (
            lambda p: (
                p / "x.gpkg",
                (p / "x.gpkg").write_bytes(b"SQLite format 3\x00" + bytes(90)),
            )[0],
            "Filen är ingen GeoPackage (tabellerna gpkg_contents och gpkg_geometry_columns "
            "saknas eller är trasiga).",
        ),
    ],
)
def test_a_bad_file_is_refused_in_swedish_and_nothing_is_written(
    halmstad: Municipality, tmp_path: Path, build: Any, message: str
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(AreaImportError) as refused:
        import_boundaries(halmstad, build(tmp_path), kind="deso")
    assert message in refused.value.errors, refused.value.errors
    assert not Area.objects.filter(municipality=halmstad).exists()
    assert AuditEvent.objects.count() == events


def test_a_name_with_a_control_character_is_refused(halmstad: Municipality) -> None:
    ring = [[15.0, 56.6], [15.01, 56.6], [15.01, 56.61], [15.0, 56.6]]
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"regsokod": "1380R001", "regso": "Centrum\x07", "kommunkod": "1380"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    with pytest.raises(AreaImportError) as refused:
        import_boundaries(halmstad, json.dumps(data).encode(), kind="regso")
    assert refused.value.errors == [
        "Objekt 1 (1380R001): koden eller namnet: Texten innehåller ett styrtecken (kod 7) som "
        "inte kan sparas. Ta bort det."
    ]
    assert not Area.objects.filter(municipality=halmstad).exists()


def test_an_invalid_polygon_goes_through_the_area_validator(
    halmstad: Municipality, tmp_path: Path
) -> None:
    with pytest.raises(AreaImportError) as refused:
        import_boundaries(halmstad, _invalid_polygon(tmp_path), kind="deso")
    assert refused.value.errors[0].startswith("Objekt 1 (1380C1010): ogiltig polygon (")
    assert not Area.objects.filter(municipality=halmstad).exists()


def test_regso_as_geojson_in_sweref_with_a_crs_member(halmstad: Municipality) -> None:
    def feature(code: str, name: str, kommun: str, e: float) -> dict[str, Any]:
        geometry = shapely.geometry.mapping(box(e, NORTH, e + 1000, NORTH + 1000))
        return {
            "type": "Feature",
            "properties": {"regsokod": code, "regso": name, "kommunkod": kommun},
            "geometry": geometry,
        }

    data = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": [
            feature("1380R001", "Halmstad centrum", "1380", CENTRAL_E),
            feature("0180R001", "Norrmalm", "0180", OTHER_E),
        ],
    }
    result = import_boundaries(halmstad, json.dumps(data).encode(), kind="regso")
    assert result.created == 1
    area = Area.objects.get(municipality=halmstad)
    assert (area.kind, area.code, area.name) == ("regso", "1380R001", "Halmstad centrum")
    assert min(p[0] for p in area.geometry["coordinates"][0]) == pytest.approx(15.0, abs=1e-9)


def test_the_areas_page_imports_boundaries_for_an_administrator(
    world: World, client: Client, tmp_path: Path
) -> None:
    """Municipality A's boundary is a square around Halmstad: its DeSO lie inside it."""
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    e, n = to_sweref.transform(factories.HALMSTAD_LON, factories.HALMSTAD_LAT)
    code = world.a.scb_code
    path = geopackage(
        tmp_path / "a.gpkg",
        [(f"{code}C1010", code, square_at(e, n)), ("0180C1010", "0180", square_at(OTHER_E, n))],
    )
    url = reverse("area_list", args=[world.a.slug])
    upload = {"action": "boundaries", "boundary_kind": "deso"}
    client.force_login(world.bob)  # a reporter
    answer = client.post(url, {**upload, "boundary_file": _upload(path)})
    assert answer.status_code in (403, 404)
    assert not Area.objects.filter(kind="deso").exists()
    client.force_login(world.alice)
    answer = client.post(url, {**upload, "boundary_file": _upload(path)}, follow=True)
    assert "1 område skapat, 0 uppdaterade." in answer.content.decode()
    assert Area.objects.get(kind="deso").code == f"{code}C1010"
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(90))
    answer = client.post(url, {**upload, "boundary_file": _upload(bad)})
    assert answer.status_code == 400
    assert "Filen är ingen GeoPackage" in answer.content.decode()


def test_a_large_upload_spooled_to_disk_is_imported(
    world: World, client: Client, tmp_path: Path, settings: Any
) -> None:
    """Django spools a large upload to disk; the view opens the GeoPackage there by its path
    (that it is not read into memory is not observable here)."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # every upload goes to a temporary file
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    e, n = to_sweref.transform(factories.HALMSTAD_LON, factories.HALMSTAD_LAT)
    code = world.a.scb_code
    path = geopackage(tmp_path / "a.gpkg", [(f"{code}R001", code, square_at(e, n))],
                      code_column="regsokod", kommun_column="kommunkod")  # fmt: skip
    client.force_login(world.alice)
    answer = client.post(
        reverse("area_list", args=[world.a.slug]),
        {"action": "boundaries", "boundary_kind": "regso", "boundary_file": path.open("rb")},
        follow=True,
    )
    assert "1 område skapat, 0 uppdaterade." in answer.content.decode()
    area = Area.objects.get(kind="regso")
    assert (area.code, area.name) == (f"{code}R001", f"RegSO {code}R001")  # no name column


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_the_command(halmstad: Municipality, tmp_path: Path) -> None:
    from io import StringIO

    out = StringIO()
    path = national(tmp_path)
    call_command(
        "import_boundaries", str(path), municipality=halmstad.slug, kind="deso", stdout=out
    )
    assert "2 områden skapade, 0 uppdaterade i Halmstad." in out.getvalue()
    with pytest.raises(CommandError, match="Inget importerades"):
        call_command(
            "import_boundaries", str(path), municipality=halmstad.slug, kind="regso", stdout=out
        )
