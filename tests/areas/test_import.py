"""Area import: GeoJSON in WGS 84 or SWEREF 99 TM, every bad input explained, all or nothing."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from samtrygg.analysis.geo import wgs84_to_sweref
from samtrygg.areas.models import Area
from samtrygg.areas.queries import assign_areas
from samtrygg.areas.services import AreaImportError, import_areas
from samtrygg.audit.models import AuditAction, AuditEvent

from .. import factories
from ..conftest import World

LON, LAT = factories.HALMSTAD_LON, factories.HALMSTAD_LAT
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
    ],
}


pytestmark = pytest.mark.usefixtures("swedish")


def two_districts() -> str:
    return factories.feature_collection(
        factories.feature("Norr", factories.square(LON, LAT + 0.03, 0.01), population=1200),
        factories.feature("Söder", factories.square(LON, LAT - 0.03, 0.01)),
    )


def test_import_and_reimport_creates_no_duplicates(world: World) -> None:
    result = import_areas(world.a, two_districts(), kind="district")
    assert (result.created, result.updated) == (2, 0)
    result = import_areas(world.a, two_districts(), kind="district")
    assert (result.created, result.updated) == (0, 2)
    norr = Area.objects.get(municipality=world.a, name="Norr")
    assert norr.population == 1200
    assert 2_600_000 < norr.area_m2 < 2_850_000  # 0.02° × 0.02° at 56.7° N ≈ 1.22 km × 2.22 km
    assert norr.min_x < norr.max_x and 6_200_000 < norr.min_y < 6_300_000


def test_sweref_input_is_detected_and_stored_in_wgs84(world: World) -> None:
    x, y = wgs84_to_sweref([LON], [LAT])
    x0, y0 = float(x[0]), float(y[0])
    square = {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + 500, y0], [x0 + 500, y0 + 500], [x0, y0 + 500], [x0, y0]]],
    }
    import_areas(
        world.a, factories.feature_collection(factories.feature("Torget", square)), kind="custom"
    )
    area = Area.objects.get(name="Torget")
    assert area.area_m2 == pytest.approx(250_000, rel=1e-6)
    lon0, lat0 = area.geometry["coordinates"][0][0]
    assert lon0 == pytest.approx(LON, abs=1e-7) and lat0 == pytest.approx(LAT, abs=1e-7)


def assert_refused(world: World, raw: str, *fragments: str) -> list[str]:
    before = (Area.objects.count(), AuditEvent.objects.count())
    with pytest.raises(AreaImportError) as error:
        import_areas(world.a, raw, kind="district")
    text = "\n".join(error.value.errors)
    for fragment in fragments:
        assert fragment in text
    assert (Area.objects.count(), AuditEvent.objects.count()) == before
    return error.value.errors


def test_invalid_json_names_line_and_column(world: World) -> None:
    assert_refused(
        world,
        '{"type": "FeatureCollection",\n "features": [,]}',
        "inte giltig GeoJSON",
        "rad 2",
        "kolumn 15",
    )


def test_ten_thousand_levels_of_nesting_are_a_message(world: World) -> None:
    nested = '{"type": "FeatureCollection", "features": ' + "[" * 10_000 + "]" * 10_000 + "}"
    assert_refused(world, nested, "för djupt nästlad")


def test_not_a_feature_collection(world: World) -> None:
    assert_refused(world, json.dumps({"type": "Point", "coordinates": [1, 2]}), "FeatureCollection")


def test_self_intersecting_polygon(world: World) -> None:
    raw = factories.feature_collection(factories.feature("Rosett", BOWTIE))
    assert_refused(world, raw, "Objekt 1", "ogiltig polygon", "gränsen korsar sig själv")


def test_polygon_outside_the_municipality(world: World) -> None:
    raw = factories.feature_collection(
        factories.feature("Inne", factories.square(LON, LAT, 0.01)),
        factories.feature("Stockholm", factories.square(18.06, 59.33, 0.01)),
    )
    assert_refused(world, raw, "Objekt 2", "Stockholm", "100 % av området ligger utanför kommunen")


def test_all_errors_at_once_and_nothing_written(world: World) -> None:
    raw = factories.feature_collection(
        factories.feature("Bra", factories.square(LON, LAT, 0.01)),
        factories.feature("", factories.square(LON, LAT, 0.01)),
        factories.feature("Punkt", {"type": "Point", "coordinates": [LON, LAT]}),
        factories.feature("Bra", factories.square(LON, LAT, 0.01)),
    )
    errors = assert_refused(
        world,
        raw,
        "Objekt 2: inget namn",
        "Objekt 3",
        "polygon",
        "Objekt 4: namnet ”Bra” finns två gånger",
    )
    assert len(errors) == 3


def test_upload_in_the_ui(world: World, client: Client) -> None:
    client.force_login(world.alice)
    url = f"/k/{world.a.slug}/areas/"
    bad = SimpleUploadedFile("omraden.geojson", b"{nope", content_type="application/geo+json")
    response = client.post(url, {"file": bad, "kind": "district"})
    assert response.status_code == 400
    assert "Inget importerades" in response.content.decode()
    good = SimpleUploadedFile("omraden.geojson", two_districts().encode())
    response = client.post(url, {"file": good, "kind": "district"})
    assert response.status_code == 302
    assert Area.objects.filter(municipality=world.a, name="Söder").exists()
    assert AuditEvent.objects.filter(action=AuditAction.AREAS_IMPORTED, actor=world.alice).exists()


def test_only_admins_upload(world: World, client: Client) -> None:
    client.force_login(world.bob)
    good = SimpleUploadedFile("omraden.geojson", two_districts().encode())
    assert (
        client.post(f"/k/{world.a.slug}/areas/", {"file": good, "kind": "district"}).status_code
        == 403
    )
    assert client.get(f"/k/{world.a.slug}/areas/").status_code == 200  # but may look


def test_command(world: World, tmp_path: Path) -> None:
    path = tmp_path / "omraden.geojson"
    path.write_text(two_districts())
    out = StringIO()
    call_command("import_areas", str(path), municipality=world.a.slug, kind="district", stdout=out)
    assert "2 områden skapade" in out.getvalue()
    path.write_text(factories.feature_collection(factories.feature("Rosett", BOWTIE)))
    with pytest.raises(CommandError, match="Inget importerades"):
        call_command("import_areas", str(path), municipality=world.a.slug, kind="district")
    with pytest.raises(CommandError, match="Ingen kommun"):
        call_command("import_areas", str(path), municipality="nowhere", kind="district")


def test_point_in_area_lookup(world: World) -> None:
    import_areas(world.a, two_districts(), kind="district")
    x, y = wgs84_to_sweref([LON, LON, LON, 18.0], [LAT + 0.03, LAT - 0.03, LAT + 0.5, 59.0])
    ids = assign_areas(world.a.pk, x, y, kind="district")
    names = [Area.objects.get(pk=i).name if i else None for i in ids]
    # LAT itself lies in the fixture's "Centrum" district (0.02° around the centre).
    assert names == ["Norr", "Söder", None, None]
