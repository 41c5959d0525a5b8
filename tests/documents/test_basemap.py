"""The document maps are readable: base-map tiles from the configured service (a tile server of
the test's own on 127.0.0.1, one colour, counting its requests) under the areas, cached on
disk, a scale bar in true metres, a north arrow, the attribution, and a map with a note instead
of tiles when the service is unset or does not answer. Nothing here reaches the internet."""

from __future__ import annotations

import http.server
import io
import math
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django.test import Client
from PIL import Image
from pyproj import Geod, Proj

from samtrygg.analysis.geo import sweref_to_wgs84, wgs84_to_sweref
from samtrygg.documents import basemap, charts

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")
MAGENTA = (255, 0, 255)  # the test tiles' colour: used by nothing else on the maps
ATTRIBUTION = "© Testkartan AB"
BOUNDARY = factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.1)
AREAS = [("Centrum", factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.02))]


@dataclass
class TileServer:
    url: str
    paths: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    server: Any = None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tiles(settings: Any, tmp_path: Path) -> Iterator[TileServer]:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), MAGENTA).save(buffer, format="PNG")
    png = buffer.getvalue()
    record = TileServer(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (the http.server name)
            record.paths.append(self.path)
            record.agents.append(self.headers.get("User-Agent", ""))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    record.server = server
    record.url = f"http://127.0.0.1:{server.server_address[1]}/{{s}}/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILE_URL = record.url
    settings.MAP_TILE_ATTRIBUTION = ATTRIBUTION
    settings.DATA_DIR = tmp_path / "data"  # a fresh tile cache for each test
    basemap.forget_failures()
    yield record
    if thread.is_alive():
        record.stop()
    basemap.forget_failures()


@pytest.fixture
def map_texts(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The texts drawn on each map rendered (matplotlib text in a PNG cannot be read back)."""
    drawn: list[list[str]] = []
    original = charts._png

    def spy(figure: Any) -> bytes:
        drawn.append([t.get_text() for axes in figure.axes for t in axes.texts])
        return original(figure)

    monkeypatch.setattr(charts, "_png", spy)
    return drawn


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def share_of(image: np.ndarray, colour: tuple[int, int, int]) -> float:
    return float(np.all(image == colour, axis=-1).mean())


def choropleth() -> bytes:
    return charts.choropleth(BOUNDARY, AREAS, {"Centrum": 5}, "Händelser per område")


def test_tiles_drawn_under_the_areas_and_cached_on_disk(
    tiles: TileServer, map_texts: list[list[str]], settings: Any
) -> None:
    first = pixels(choropleth())
    assert share_of(first, MAGENTA) > 0.3  # the tiles fill the map outside the areas
    fetched = len(tiles.paths)
    assert 4 <= fetched <= basemap.MAX_TILES
    assert all(agent.startswith("Samtrygg") for agent in tiles.agents)
    # {s} became a sub-domain letter, {z}/{x}/{y} numbers
    assert all(path.split("/")[1] in "abc" for path in tiles.paths)
    assert ATTRIBUTION in map_texts[0]
    assert any("Centrum" in text for text in map_texts[0])  # the area is named

    # a second map of the same place, another kind: from the disk cache, no request
    grid_map = charts.hotspots(BOUNDARY, AREAS, _grid(), [], "Heta punkter")
    assert len(tiles.paths) == fetched
    assert share_of(pixels(grid_map), MAGENTA) > 0.3
    cached = list((Path(settings.DATA_DIR) / "tiles").rglob("*.tile"))
    assert len(cached) == fetched


def test_service_down_or_unset_gives_a_map_with_a_note(
    tiles: TileServer, map_texts: list[list[str]], settings: Any
) -> None:
    tiles.stop()
    down = pixels(choropleth())
    assert share_of(down, MAGENTA) == 0
    assert basemap.UNREACHABLE in map_texts[-1] and ATTRIBUTION not in map_texts[-1]
    assert _ink(down[-int(down.shape[0] * 0.04) :, -int(down.shape[1] * 0.5) :]) > 0

    settings.MAP_TILE_URL = ""
    unset = pixels(choropleth())
    assert share_of(unset, MAGENTA) == 0
    assert basemap.NO_SERVICE in map_texts[-1]


def _ink(region: np.ndarray) -> int:
    return int((region.max(axis=-1) < 90).sum())


def _grid() -> Any:
    from samtrygg.analysis.grid import Grid

    x, y = wgs84_to_sweref([factories.HALMSTAD_LON - 0.1], [factories.HALMSTAD_LAT - 0.1])
    return Grid(x0=float(x[0]), y0=float(y[0]), cell=250.0, shape=(100, 60))


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(factories.HALMSTAD_LON, factories.HALMSTAD_LAT), (24.14, 65.83)],  # Halmstad, Haparanda
)
def test_scale_bar_measures_true_metres(lon: float, lat: float) -> None:
    # Haparanda is 9° east of SWEREF 99 TM's central meridian: one map metre is 0.17 % less
    # than a metre on the ground, enough to catch a bar drawn in axis units.
    x, y = wgs84_to_sweref([lon - 0.2, lon + 0.2], [lat - 0.1, lat + 0.1])
    bounds = (float(x[0]), float(y[0]), float(x[1]), float(y[1]))
    bar = charts.scale_bar(bounds)
    (x0, y0), x1 = bar.start, bar.start[0] + bar.length
    lons, lats = sweref_to_wgs84([x0, x1], [y0, y0])
    ground = Geod(ellps="GRS80").inv(lons[0], lats[0], lons[1], lats[1])[2]
    assert ground == pytest.approx(bar.metres, rel=2e-4)
    assert bar.metres in (1000, 2000, 5000) and bar.label.endswith("km")
    # the north arrow turns from grid north by the meridian convergence (PROJ's own figure)
    north_x, north_y = charts.true_north(bounds)
    turn = math.degrees(math.atan2(north_x, north_y))
    convergence = Proj("EPSG:3006").get_factors(lon, lat).meridian_convergence
    assert abs(turn) == pytest.approx(abs(convergence), abs=0.05)
    assert abs(turn) > 1 and (north_x < 0) == (lon > 15)  # east of 15° E true north is left


def test_scale_bar_and_north_arrow_are_drawn(settings: Any) -> None:
    settings.MAP_TILE_URL = ""
    image = pixels(choropleth())
    height, width = image.shape[:2]
    dark = image.max(axis=-1) < 60
    # the scale bar: a long black run at the lower left (text and lines are thinner/shorter)
    lower_left = dark[int(height * 0.8) :, : int(width * 0.4)]
    longest = max(_longest_run(row) for row in lower_left)
    assert longest >= 25
    # the north arrow: a solid black shape at the upper right
    assert dark[: int(height * 0.2), int(width * 0.8) :].sum() > 150


def _longest_run(row: np.ndarray) -> int:
    best = run = 0
    for value in row.tolist():
        run = run + 1 if value else 0
        best = max(best, run)
    return best


def pdf_maps(content: bytes) -> list[np.ndarray]:
    pdf = pdfium.PdfDocument(content)
    found = []
    for index in range(len(pdf)):
        for image in pdf[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
            found.append(np.asarray(image.get_bitmap().to_pil().convert("RGB")))
    return found


def test_lagesbild_pdf_maps_over_tiles_cached_and_without_service(
    world: World, client: Client, tiles: TileServer, settings: Any
) -> None:
    report = world.situation_report()
    client.force_login(world.alice)
    url = f"/k/{world.a.slug}/lagesbild/{report.pk}/document.pdf"
    first = client.get(url)
    assert first.status_code == 200
    with_tiles = [m for m in pdf_maps(first.content) if share_of(m, MAGENTA) > 0.2]
    assert with_tiles  # the map in the PDF lies on the tiles
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(first.content))
    assert f"Bakgrundskarta: {ATTRIBUTION}." in text  # the credit under the maps, as text
    word = client.get(url.replace(".pdf", ".docx")).content
    with zipfile.ZipFile(io.BytesIO(word)) as archive:
        assert f"Bakgrundskarta: {ATTRIBUTION}." in archive.read("word/document.xml").decode()
    fetched = len(tiles.paths)
    assert fetched > 0

    again = client.get(url)
    assert again.status_code == 200 and len(tiles.paths) == fetched  # disk cache
    assert any(share_of(m, MAGENTA) > 0.2 for m in pdf_maps(again.content))

    tiles.stop()
    basemap.forget_failures()
    Path(settings.DATA_DIR, "tiles").rename(Path(settings.DATA_DIR, "old"))
    down = client.get(url)
    assert down.status_code == 200
    maps = pdf_maps(down.content)
    assert maps and not any(share_of(m, MAGENTA) > 0 for m in maps)
