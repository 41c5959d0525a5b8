"""The kommun's address register (issue 14, item 4): Lantmäteriet's address points
(GeoPackage) and an OpenStreetMap extract read, only addresses inside the kommun kept, a bad
file changing nothing; a tap names the area and the nearest address with its distance, looked
up without any outside service; search by street; members only.

Expected distances come from pyproj's own transformation and Pythagoras in SWEREF 99 TM, not
from the code under test."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.test import Client
from pyproj import Transformer

from samtrygg.areas import addresses
from samtrygg.areas.models import Address

from .. import factories
from ..conftest import World
from .test_deso_import import geopackage

pytestmark = pytest.mark.usefixtures("swedish")

TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
X0, Y0 = TO_SWEREF.transform(factories.HALMSTAD_LON, factories.HALMSTAD_LAT)


def _wgs(dx: float, dy: float) -> tuple[float, float]:
    """(lon, lat) of the point dx metres east and dy metres north of the centre."""
    return TO_WGS84.transform(X0 + dx, Y0 + dy)


def _osm() -> bytes:
    a, b, far = _wgs(0, 0), _wgs(100, 0), (18.07, 59.33)  # Stockholm: another kommun
    corners = [_wgs(-10, 30), _wgs(10, 30), _wgs(10, 50), _wgs(-10, 50)]  # mean: 40 m north
    nodes = "".join(
        f'<node id="{10 + i}" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in enumerate(corners)
    )
    refs = "".join(f'<nd ref="{10 + i}"/>' for i in range(4))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
 <node id="1" lat="{a[1]}" lon="{a[0]}"><tag k="addr:street" v="Storgatan"/>
  <tag k="addr:housenumber" v="1"/><tag k="addr:postcode" v="30245"/>
  <tag k="addr:city" v="Halmstad"/></node>
 <node id="2" lat="{b[1]}" lon="{b[0]}"><tag k="addr:street" v="Storgatan"/>
  <tag k="addr:housenumber" v="3B"/></node>
 <node id="3" lat="{far[1]}" lon="{far[0]}"><tag k="addr:street" v="Drottninggatan"/>
  <tag k="addr:housenumber" v="5"/></node>
 <node id="4" lat="{a[1]}" lon="{a[0]}"><tag k="amenity" v="bench"/></node>
 {nodes}
 <way id="100">{refs}<tag k="building" v="yes"/><tag k="addr:street" v="Kyrkogatan"/>
  <tag k="addr:housenumber" v="7"/></way>
</osm>""".encode()


def _import_osm(world: World) -> addresses.ImportResult:
    return addresses.import_addresses(world.a, addresses.read_osm(_osm()))


def test_an_osm_extract_is_read_and_only_the_kommuns_addresses_kept(world: World) -> None:
    result = _import_osm(world)
    assert (result.imported, result.outside) == (3, 1)
    kept = {str(a) for a in Address.objects.filter(municipality=world.a)}
    assert kept == {"Storgatan 1, 302 45 Halmstad", "Storgatan 3B", "Kyrkogatan 7"}
    building = Address.objects.get(street="Kyrkogatan")
    assert math.hypot(building.x - X0, building.y - (Y0 + 40)) < 0.01


def test_a_tap_names_the_area_and_the_nearest_address(world: World, client: Client) -> None:
    _import_osm(world)
    client.force_login(world.bob)  # a reporter
    lon, lat = _wgs(70, 0)  # 30 m from Storgatan 3B, 70 m from Storgatan 1, 81 m from Kyrkog.
    answer = client.get(f"/k/{world.a.slug}/places/lookup/", {"lat": lat, "lon": lon}).json()
    assert answer["area"] == {"id": world.area.pk, "name": "Centrum"}
    assert answer["address"] == {"label": "Storgatan 3B", "distance_m": 30}
    lon, lat = _wgs(-8, 36)  # the building's address point is 40 m north: √(8² + 4²) ≈ 8.9 m
    answer = client.get(f"/k/{world.a.slug}/places/lookup/", {"lat": lat, "lon": lon}).json()
    assert answer["address"] == {"label": "Kyrkogatan 7", "distance_m": round(math.hypot(8, 4))}
    lon, lat = _wgs(0, -400)  # nothing within 250 m
    answer = client.get(f"/k/{world.a.slug}/places/lookup/", {"lat": lat, "lon": lon}).json()
    assert answer["address"] is None and answer["area"]["name"] == "Centrum"
    bad = client.get(f"/k/{world.a.slug}/places/lookup/", {"lat": "norr", "lon": lon})
    assert bad.status_code == 400 and "lat" in bad.json()["error"]


def test_search_by_street_and_number(world: World, client: Client) -> None:
    _import_osm(world)
    client.force_login(world.bob)
    found = client.get(f"/k/{world.a.slug}/places/search/", {"q": "storg 3"}).json()["results"]
    assert [r["label"] for r in found] == ["Storgatan 3B"]
    lon, lat = _wgs(100, 0)
    assert abs(found[0]["lon"] - lon) < 1e-5 and abs(found[0]["lat"] - lat) < 1e-5
    found = client.get(f"/k/{world.a.slug}/places/search/", {"q": "Storgatan"}).json()
    assert len(found["results"]) == 2


def test_an_outsider_gets_404(world: World, client: Client) -> None:
    _import_osm(world)
    client.force_login(world.charlie)  # another kommun's admin
    for path in ("places/lookup/?lat=56.67&lon=12.86", "places/search/?q=Storgatan"):
        assert client.get(f"/k/{world.a.slug}/{path}").status_code == 404


def test_lantmateriets_address_points_are_read(world: World, tmp_path: Path) -> None:
    here = shapely.Point(X0 + 20, Y0 + 10)
    path = geopackage(
        tmp_path / "adresser.gpkg",
        [("Stationsgatan", world.a.scb_code, here), ("Stationsgatan", "0180", here)],
        table="belagenhetsadress",
        code_column="adressomrade_faststalltnamn",
        kommun_column="kommunkod",
    )
    # Lantmäteriet's number, letter and postcode columns.
    import sqlite3

    db = sqlite3.connect(path)
    for column in ("adressplatsnummer", "bokstavstillagg", "postnummer", "postort"):
        db.execute(f"ALTER TABLE belagenhetsadress ADD COLUMN {column} TEXT")
    db.execute(
        "UPDATE belagenhetsadress SET adressplatsnummer = '12', bokstavstillagg = 'A', "
        "postnummer = '30242', postort = 'Halmstad'"
    )
    db.commit()
    db.close()
    out = io.StringIO()
    call_command("import_addresses", path, "--municipality", world.a.slug, stdout=out)
    assert "1 adresser importerade" in out.getvalue()
    only = Address.objects.get(municipality=world.a)
    assert str(only) == "Stationsgatan 12A, 302 42 Halmstad"
    assert (only.x, only.y) == pytest.approx((X0 + 20, Y0 + 10))
    found = addresses.nearest(world.a.pk, X0, Y0)
    assert found is not None and found[1] == pytest.approx(math.hypot(20, 10))


def test_a_bad_file_changes_nothing(world: World, tmp_path: Path) -> None:
    _import_osm(world)
    before = set(Address.objects.values_list("street", "number"))
    broken = tmp_path / "trasig.osm"
    broken.write_bytes(b"<osm><node id='1' lat='x'")
    with pytest.raises(CommandError) as refused:
        call_command("import_addresses", broken, "--municipality", world.a.slug)
    assert "OpenStreetMap" in str(refused.value)
    outside = tmp_path / "stockholm.osm"
    outside.write_bytes(
        b'<osm><node id="1" lat="59.33" lon="18.07"><tag k="addr:street" v="Vasagatan"/>'
        b'<tag k="addr:housenumber" v="1"/></node></osm>'
    )
    with pytest.raises(CommandError) as refused:
        call_command("import_addresses", outside, "--municipality", world.a.slug)
    assert "ingen adress inom kommunen" in str(refused.value)
    assert set(Address.objects.values_list("street", "number")) == before
