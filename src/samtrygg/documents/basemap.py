"""Base-map tiles for the document maps: XYZ tiles (Web Mercator) from the tile service the
installation configures (``MAP_TILE_URL``, the same one the browser map uses), stitched into one
mosaic and warped into SWEREF 99 TM, the map's own projection, so that every analysis layer
(areas, 250 m and 100 m squares) is drawn unchanged and in true metres.

Tiles are cached on disk under ``DATA_DIR/tiles`` (a second document fetches nothing), each
fetch has a short timeout and identifies Samtrygg by its User-Agent, and nothing here ever fails
a document: when no service is configured or it does not answer, :func:`base_map` returns no
image and a Swedish note that the map says so.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from django.conf import settings
from numpy.typing import NDArray
from PIL import Image
from pyproj import Transformer
from scipy import ndimage

TILE = 256  # pixels per tile side
MAX_SIDE = 2048  # the longer side of the mosaic, in pixels: zoom is the largest that fits
MAX_ZOOM = 18
MAX_TILES = 80  # a very elongated area cannot start a flood of fetches
TIMEOUT_SECONDS = 5  # per tile
BUDGET_SECONDS = 30  # for all tiles of one map
MAX_TILE_BYTES = 2 * 1024 * 1024
MAX_AGE_SECONDS = 30 * 24 * 3600  # a cached tile is refreshed after 30 days (kept if that fails)
FORGET_FAILURE_SECONDS = 60  # a service that did not answer is not asked again for a minute
EARTH = 6378137.0  # Web Mercator sphere radius (metres)
WEB_MERCATOR = "EPSG:3857"
SWEREF99TM = "EPSG:3006"

NO_SERVICE = "Ingen bakgrundskarta"
UNREACHABLE = "Bakgrundskartan kunde inte hämtas"

_failed: dict[str, float] = {}  # URL template → monotonic time of its last failure


@functools.cache
def _to_web_mercator() -> Transformer:
    return Transformer.from_crs(SWEREF99TM, WEB_MERCATOR, always_xy=True)


class TileError(Exception):
    pass


@dataclass(frozen=True)
class BaseMap:
    """A base map for a SWEREF 99 TM box: ``image`` (RGB, row 0 is the north edge) covers
    ``extent`` = (west, east, south, north) exactly; without tiles ``image`` is None and
    ``note`` says why. ``attribution`` is the configured attribution text."""

    image: NDArray[np.uint8] | None
    extent: tuple[float, float, float, float]
    attribution: str
    note: str = ""
    zoom: int | None = None


def service_name() -> str:
    """The tile service's host, named on the map when no attribution is configured."""
    netloc = urlsplit((getattr(settings, "MAP_TILE_URL", "") or "").strip()).netloc
    return netloc.replace("{s}.", "")


def forget_failures() -> None:
    _failed.clear()


def base_map(bounds: tuple[float, float, float, float]) -> BaseMap:
    """Tiles under the SWEREF 99 TM box ``bounds`` = (minx, miny, maxx, maxy), never raising."""
    minx, miny, maxx, maxy = bounds
    extent = (minx, maxx, miny, maxy)
    template = (getattr(settings, "MAP_TILE_URL", "") or "").strip()
    attribution = (getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "").strip()
    if not template:
        return BaseMap(None, extent, attribution, NO_SERVICE)
    failed = _failed.get(template)
    if failed is not None and time.monotonic() - failed < FORGET_FAILURE_SECONDS:
        return BaseMap(None, extent, attribution, UNREACHABLE)
    try:
        image, zoom = _warped(template, bounds)
    except Exception:  # noqa: BLE001  (any failure of the service: the map is drawn without it)
        _failed[template] = time.monotonic()
        return BaseMap(None, extent, attribution, UNREACHABLE)
    _failed.pop(template, None)
    return BaseMap(image, extent, attribution, "", zoom)


# -- Web Mercator pixel coordinates -------------------------------------------------------


def _world_pixels(
    x: NDArray[np.float64], y: NDArray[np.float64], zoom: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """SWEREF 99 TM → global pixel coordinates of the tile pyramid at ``zoom`` (y downwards)."""
    mx, my = _to_web_mercator().transform(x, y)
    size = TILE * 2**zoom
    half = math.pi * EARTH
    px = (np.asarray(mx) + half) / (2 * half) * size
    py = (half - np.asarray(my)) / (2 * half) * size
    return px, py


def choose_zoom(bounds: tuple[float, float, float, float]) -> int:
    """The largest zoom at which the box's mosaic is at most MAX_SIDE pixels on its longer side
    (so about 1 000–2 000 px: one zoom level less halves it)."""
    minx, miny, maxx, maxy = bounds
    xs = np.array([minx, maxx, maxx, minx, (minx + maxx) / 2], dtype=float)
    ys = np.array([miny, miny, maxy, maxy, (miny + maxy) / 2], dtype=float)
    px, py = _world_pixels(xs, ys, 0)
    side = max(float(np.ptp(px)), float(np.ptp(py)), 1e-9)
    return int(max(0, min(MAX_ZOOM, math.floor(math.log2(MAX_SIDE / side)))))


# -- tiles --------------------------------------------------------------------------------


def tile_url(template: str, z: int, x: int, y: int) -> str:
    return (
        template.replace("{s}", "abc"[(x + y) % 3])
        .replace("{z}", str(z))
        .replace("{x}", str(x))
        .replace("{y}", str(y))
        .replace("{r}", "")
    )


def _cache_path(template: str, z: int, x: int, y: int) -> Path:
    service = hashlib.sha256(template.encode()).hexdigest()[:16]
    return Path(settings.DATA_DIR) / "tiles" / service / str(z) / str(x) / f"{y}.tile"


def _user_agent() -> str:
    return f"Samtrygg document maps ({getattr(settings, 'SITE_URL', '') or 'samtrygg'})"


def _download(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise TileError(f"not an http(s) address: {url}")
    request = urllib.request.Request(  # noqa: S310  (checked above: http(s) only)
        url, headers={"User-Agent": _user_agent(), "Accept": "image/png,image/jpeg,image/*"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        raw: bytes = response.read(MAX_TILE_BYTES + 1)
    if len(raw) > MAX_TILE_BYTES:
        raise TileError(f"tile too large: {url}")
    return raw


def _decode(raw: bytes) -> Image.Image:
    with Image.open(io.BytesIO(raw)) as opened:
        tile = opened.convert("RGB")
    if tile.size != (TILE, TILE):  # e.g. 512 px "retina" tiles
        tile = tile.resize((TILE, TILE), Image.Resampling.LANCZOS)
    return tile


def tile(template: str, z: int, x: int, y: int) -> Image.Image:
    """One tile, from the disk cache if there, else fetched (and then cached)."""
    path = _cache_path(template, z, x, y)
    cached: bytes | None = None
    if path.exists():
        cached = path.read_bytes()
        if time.time() - path.stat().st_mtime < MAX_AGE_SECONDS:
            return _decode(cached)
    try:
        raw = _download(tile_url(template, z, x, y))
        decoded = _decode(raw)  # only a readable image is cached
    except Exception:
        if cached is not None:  # stale but better than nothing
            return _decode(cached)
        raise
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        partial.write_bytes(raw)
        # The fetch time as this process's clock tells it, the same clock the age is read
        # with (the file system's own time may differ, e.g. under a pinned test clock).
        now = time.time()
        os.utime(partial, (now, now))
        partial.replace(path)  # atomic: a concurrent reader never sees half a tile
    except OSError:  # a read-only or full disk costs the cache, not the map
        pass
    return decoded


def _warped(
    template: str, bounds: tuple[float, float, float, float]
) -> tuple[NDArray[np.uint8], int]:
    """The mosaic under ``bounds`` warped into SWEREF 99 TM (row 0 north), and its zoom."""
    zoom = choose_zoom(bounds)
    minx, miny, maxx, maxy = bounds
    # The SWEREF → Web Mercator mapping is smooth: compute it on a coarse lattice and
    # interpolate between the nodes (far below a pixel's error at these sizes).
    nodes = 33
    gx, gy = np.meshgrid(np.linspace(minx, maxx, nodes), np.linspace(maxy, miny, nodes))
    px, py = _world_pixels(gx.ravel(), gy.ravel(), zoom)
    px, py = px.reshape(gx.shape), py.reshape(gx.shape)
    tx0, tx1 = int(np.floor(px.min() / TILE)), int(np.floor(px.max() / TILE))
    ty0, ty1 = int(np.floor(py.min() / TILE)), int(np.floor(py.max() / TILE))
    count = (tx1 - tx0 + 1) * (ty1 - ty0 + 1)
    if count > MAX_TILES:
        raise TileError(f"{count} tiles is too many for one map")
    mosaic = Image.new("RGB", ((tx1 - tx0 + 1) * TILE, (ty1 - ty0 + 1) * TILE))
    started = time.monotonic()
    last = 2**zoom - 1
    for tx in range(tx0, tx1 + 1):
        for ty in range(ty0, ty1 + 1):
            if time.monotonic() - started > BUDGET_SECONDS:
                raise TileError("the tile service is too slow")
            if 0 <= tx <= last and 0 <= ty <= last:
                mosaic.paste(tile(template, zoom, tx, ty), ((tx - tx0) * TILE, (ty - ty0) * TILE))
    # The output raster: as many pixels across as the mosaic covers, square pixels in metres.
    width = int(min(MAX_SIDE, max(256, np.ptp(px))))
    height = int(max(1, round(width * (maxy - miny) / (maxx - minx))))
    rows, cols = np.mgrid[0:height, 0:width].astype(float)
    lattice_rows = rows * (nodes - 1) / max(height - 1, 1)
    lattice_cols = cols * (nodes - 1) / max(width - 1, 1)
    at_x = ndimage.map_coordinates(px, [lattice_rows, lattice_cols], order=1) - tx0 * TILE
    at_y = ndimage.map_coordinates(py, [lattice_rows, lattice_cols], order=1) - ty0 * TILE
    source = np.asarray(mosaic, dtype=float)
    # Pixel centres: the tile pixel (i, j) covers [j, j+1) × [i, i+1).
    where = [at_y - 0.5, at_x - 0.5]
    out = np.stack(
        [
            ndimage.map_coordinates(source[:, :, band], where, order=1, mode="nearest")
            for band in range(3)
        ],
        axis=-1,
    )
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), zoom
