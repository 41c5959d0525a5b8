"""Static maps and charts for documents, drawn on the server with matplotlib (Agg), no browser.

Maps are drawn in SWEREF 99 TM from the municipality's own boundary and areas, over base-map
tiles from the configured tile service (basemap.py warps them into SWEREF 99 TM) when there is
one, with the area names, a scale bar in true metres, a north arrow pointing to true north and
the tiles' attribution; without tiles the map says "Ingen bakgrundskarta" (or that the tiles
could not be fetched) and is otherwise the same."""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon as PolygonPatch  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from pyproj import Proj  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402

from samtrygg.analysis.geo import geometry_to_sweref, sweref_to_wgs84, wgs84_to_sweref  # noqa: E402
from samtrygg.analysis.grid import Grid  # noqa: E402

from . import basemap  # noqa: E402

BLUE = "#0b4f8a"
DPI = 150
HOT = {99: "#b2182b", 95: "#ef8a62", 90: "#fddbc7"}
MARGIN = 0.04  # of the boundary's extent, around it
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
NICE = (1, 2, 5)


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return out.getvalue()


def _rings(geometry: BaseGeometry) -> list[np.ndarray]:
    polygons = getattr(geometry, "geoms", [geometry])
    return [np.asarray(p.exterior.coords) for p in polygons if p.geom_type == "Polygon"]


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar: ``metres`` on the ground, ``length`` in map units (SWEREF 99 TM metres,
    which differ from ground metres by the projection's scale factor), from ``start``."""

    metres: int
    length: float
    start: tuple[float, float]

    @property
    def label(self) -> str:
        return f"{self.metres} m" if self.metres < 1000 else f"{self.metres // 1000} km"


@dataclass(frozen=True)
class MapFrame:
    bounds: tuple[float, float, float, float]  # SWEREF 99 TM: minx, miny, maxx, maxy
    tiles: basemap.BaseMap


@functools.cache
def _sweref() -> Proj:
    return Proj("EPSG:3006")


def scale_bar(bounds: tuple[float, float, float, float]) -> ScaleBar:
    """A bar of a round ground length (1, 2 or 5 × 10ⁿ m) about a fifth of the map's width,
    at the lower left. Its map length uses the projection's point scale factor at the map's
    centre (computed with PROJ, not assumed to be 1): map length = ground length × k."""
    minx, miny, maxx, maxy = bounds
    lon, lat = sweref_to_wgs84((minx + maxx) / 2, (miny + maxy) / 2)
    k = float(_sweref().get_factors(float(lon), float(lat)).parallel_scale)
    target = (maxx - minx) / 5 / k  # ground metres
    power = 10 ** math.floor(math.log10(target))
    metres = max(n * power for n in NICE if n * power <= target)
    return ScaleBar(
        metres=int(metres),
        length=metres * k,
        start=(minx + 0.05 * (maxx - minx), miny + 0.06 * (maxy - miny)),
    )


def true_north(bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    """The unit vector of true north at the map's centre, in map coordinates (grid north
    differs from it by the meridian convergence, about 2° in Halmstad)."""
    minx, miny, maxx, maxy = bounds
    lon, lat = sweref_to_wgs84((minx + maxx) / 2, (miny + maxy) / 2)
    x, y = wgs84_to_sweref([float(lon), float(lon)], [float(lat), float(lat) + 0.01])
    dx, dy = float(x[1] - x[0]), float(y[1] - y[0])
    norm = math.hypot(dx, dy)
    return dx / norm, dy / norm


def _bounds(boundary: dict[str, Any]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = geometry_to_sweref(shape(boundary)).bounds
    pad = MARGIN * max(maxx - minx, maxy - miny, 1.0)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def _base_map(
    boundary: dict[str, Any], areas: list[tuple[str, dict[str, Any]]]
) -> tuple[Any, Any, MapFrame]:
    figure, axes = plt.subplots(figsize=(7, 7))
    axes.set_aspect("equal")
    axes.axis("off")
    bounds = _bounds(boundary)
    tiles = basemap.base_map(bounds)
    if tiles.image is not None:
        axes.imshow(tiles.image, extent=tiles.extent, origin="upper", zorder=0)
    for _name, geometry in areas:
        for ring in _rings(geometry_to_sweref(shape(geometry))):
            axes.plot(ring[:, 0], ring[:, 1], color="#555555", linewidth=0.6, zorder=3)
    for ring in _rings(geometry_to_sweref(shape(boundary))):
        axes.plot(ring[:, 0], ring[:, 1], color=BLUE, linewidth=1.5, zorder=3)
    return figure, axes, MapFrame(bounds, tiles)


def _area_labels(axes: Any, areas: list[tuple[str, dict[str, Any]]]) -> None:
    for name, geometry in areas:
        centre = geometry_to_sweref(shape(geometry)).representative_point()
        axes.annotate(
            name,
            (centre.x, centre.y),
            ha="center",
            va="center",
            fontsize=6,
            zorder=6,
            path_effects=HALO,
        )


def _finish(axes: Any, frame: MapFrame) -> None:
    """The furniture every map has: its extent, the scale bar, the north arrow and the
    attribution of the tiles (or the note that there are none)."""
    bounds, tiles = frame.bounds, frame.tiles
    minx, miny, maxx, maxy = bounds
    axes.set_xlim(minx, maxx)
    axes.set_ylim(miny, maxy)
    # Scale bar: two halves, black and white, with a white backing and the length above.
    bar = scale_bar(bounds)
    x, y = bar.start
    height = 0.012 * (maxy - miny)
    axes.add_patch(
        Rectangle(
            (x - 0.015 * (maxx - minx), y - 0.015 * (maxy - miny)),
            bar.length + 0.03 * (maxx - minx),
            0.075 * (maxy - miny),
            facecolor="white",
            edgecolor="none",
            alpha=0.8,
            zorder=7,
        )
    )
    for i, colour in enumerate(("black", "white")):
        axes.add_patch(
            Rectangle(
                (x + i * bar.length / 2, y),
                bar.length / 2,
                height,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.6,
                zorder=8,
            )
        )
    axes.text(
        x + bar.length / 2,
        y + 2 * height,
        bar.label,
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=8,
    )
    # North arrow at the upper right, pointing to true north.
    dx, dy = true_north(bounds)
    axes.annotate(
        "",
        xy=(0.95, 0.93),
        xycoords="axes fraction",
        xytext=(-dx * 30, -dy * 30),
        textcoords="offset points",
        arrowprops={
            "arrowstyle": "-|>,head_length=0.8,head_width=0.4",
            "color": "black",
            "linewidth": 2.0,
            "path_effects": HALO,
        },
        zorder=8,
    )
    axes.annotate(
        "N",
        xy=(0.95, 0.93),
        xycoords="axes fraction",
        xytext=(dx * 8, dy * 8),
        textcoords="offset points",
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        path_effects=HALO,
        zorder=8,
    )
    # Attribution of the tiles (or why there are none) at the lower right.
    corner = tiles.attribution if tiles.image is not None else tiles.note
    if tiles.image is not None and not corner:
        corner = "Bakgrundskarta: " + basemap.service_name()
    axes.text(
        0.995,
        0.005,
        corner,
        transform=axes.transAxes,
        ha="right",
        va="bottom",
        fontsize=6,
        zorder=8,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
    )


def choropleth(
    boundary: dict[str, Any],
    areas: list[tuple[str, dict[str, Any]]],
    values: dict[str, float | None],
    title: str,
) -> bytes:
    figure, axes, frame = _base_map(boundary, areas)
    shown = [v for v in values.values() if v]
    top = max(shown) if shown else 1
    patches, colours = [], []
    for name, geometry in areas:
        for ring in _rings(geometry_to_sweref(shape(geometry))):
            patches.append(PolygonPatch(ring, closed=True))
            value = values.get(name)
            colours.append(
                plt.cm.Blues(0.15 + 0.8 * (value or 0) / top) if value is not None else "#dddddd"
            )
    axes.add_collection(
        PatchCollection(
            patches, facecolor=colours, edgecolor="#444444", linewidth=0.4, alpha=0.75, zorder=2
        )
    )
    for name, geometry in areas:
        centre = geometry_to_sweref(shape(geometry)).representative_point()
        value = values.get(name)
        axes.annotate(
            f"{name}\n{value if value is not None else 'dolt'}",
            (centre.x, centre.y),
            ha="center",
            va="center",
            fontsize=6,
            zorder=6,
            path_effects=HALO,
        )
    _finish(axes, frame)
    axes.set_title(title, fontsize=10)
    return _png(figure)


def density(
    boundary: dict[str, Any],
    areas: list[tuple[str, dict[str, Any]]],
    grid: Grid,
    surface: np.ndarray,
    title: str,
) -> bytes:
    figure, axes, frame = _base_map(boundary, areas)
    masked = np.ma.masked_where(surface <= 0, surface)
    x0, y0, x1, y1 = grid.bounds
    image = axes.imshow(
        masked, origin="lower", extent=(x0, x1, y0, y1), cmap="YlOrRd", alpha=0.8, zorder=2
    )
    figure.colorbar(image, ax=axes, shrink=0.6, label="händelser per km²")
    _area_labels(axes, areas)
    _finish(axes, frame)
    axes.set_title(title, fontsize=10)
    return _png(figure)


def hotspots(
    boundary: dict[str, Any],
    areas: list[tuple[str, dict[str, Any]]],
    grid: Grid,
    cells: list[dict[str, Any]],
    title: str,
) -> bytes:
    figure, axes, frame = _base_map(boundary, areas)
    for level, colour in HOT.items():
        chosen = [c["cell"] for c in cells if c["confidence"] == level]
        rows, cols = np.divmod(np.asarray(chosen, dtype=np.int64), grid.shape[1])
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            x, y = grid.x0 + c * grid.cell, grid.y0 + r * grid.cell
            axes.add_patch(Rectangle((x, y), grid.cell, grid.cell, color=colour, zorder=2))
        axes.plot([], [], "s", color=colour, label=f"het punkt {level} %")
    _area_labels(axes, areas)
    axes.legend(loc="upper left", fontsize=7).set_zorder(9)
    _finish(axes, frame)
    axes.set_title(title, fontsize=10)
    return _png(figure)


def rates_over_time(groups: list[dict[str, Any]], title: str) -> bytes:
    """Reported crime per 100 000 per year, one small panel per crime group: the kommun, its
    county, the country and the kommun's SKR group where known (Brå's comparison with reference
    data, over time)."""
    shown = groups[:6]
    columns = 3 if len(shown) > 2 else len(shown)
    rows = (len(shown) + columns - 1) // columns
    figure, grid = plt.subplots(rows, columns, figsize=(8, 2.3 * rows), squeeze=False)
    for axes, group in zip(grid.ravel(), shown, strict=False):
        years = [point[0] for point in group["series"]]
        for index, (label, colour, style) in enumerate(
            (
                ("kommunen", BLUE, "-"),
                ("länet", "#6b6b6b", "--"),
                ("riket", "#a4161a", ":"),
                ("kommungruppen", "#2d6a4f", "-."),
            ),
            start=1,
        ):
            # Lägesbilder frozen before the kommungrupp was added have four values a year.
            values = [
                np.nan if len(p) <= index or p[index] is None else p[index] for p in group["series"]
            ]
            if all(np.isnan(v) for v in values) and index == 4:
                continue
            axes.plot(years, values, style, color=colour, label=label, linewidth=1.6)
        axes.set_title(group["label"], fontsize=9)
        axes.tick_params(labelsize=7)
        axes.set_ylim(bottom=0)
        axes.spines[["top", "right"]].set_visible(False)
    for axes in grid.ravel()[len(shown) :]:
        axes.axis("off")
    grid.ravel()[0].legend(fontsize=7)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return _png(figure)


def monthly(rows: list[dict[str, Any]], title: str) -> bytes:
    figure, axes = plt.subplots(figsize=(8, 3))
    labels = [r["month"] for r in rows]
    values = [r["count"] or 0 for r in rows]
    axes.bar(range(len(values)), values, color=BLUE)
    axes.set_xticks(range(len(values)), labels, rotation=90 if len(values) > 14 else 0, fontsize=7)
    axes.set_ylabel("händelser")
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def weekday_hour(matrix: list[list[int | None]], title: str) -> bytes:
    figure, axes = plt.subplots(figsize=(8, 2.6))
    data = np.array([[v or 0 for v in row] for row in matrix], dtype=float)
    image = axes.imshow(data, aspect="auto", cmap="Blues")
    axes.set_yticks(range(7), ["mån", "tis", "ons", "tor", "fre", "lör", "sön"], fontsize=7)
    from samtrygg.situation.release import BANDS

    axes.set_xticks(range(len(BANDS)), [str(b) for b in BANDS], fontsize=7)
    figure.colorbar(image, ax=axes, shrink=0.8)
    axes.set_title(title, fontsize=10)
    return _png(figure)


def categories(rows: list[dict[str, Any]], title: str) -> bytes:
    shown = [r for r in rows if r["count"]][:12][::-1]
    figure, axes = plt.subplots(figsize=(8, 0.35 * max(len(shown), 3) + 0.8))
    axes.barh(
        [r["category"] for r in shown], [r["count"] for r in shown], color=BLUE, label="perioden"
    )
    axes.barh(
        [r["category"] for r in shown],
        [r["previous"] or 0 for r in shown],
        color="none",
        edgecolor="#a4161a",
        label="perioden före",
    )
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
