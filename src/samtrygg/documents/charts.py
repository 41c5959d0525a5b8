"""Static maps and charts for documents, drawn on the server with matplotlib (Agg): no tiles,
no browser. Maps are drawn in SWEREF 99 TM from the municipality's own boundary and areas."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon as PolygonPatch  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402

from samtrygg.analysis.geo import geometry_to_sweref  # noqa: E402
from samtrygg.analysis.grid import Grid  # noqa: E402

BLUE = "#0b4f8a"
DPI = 150
HOT = {99: "#b2182b", 95: "#ef8a62", 90: "#fddbc7"}


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return out.getvalue()


def _rings(geometry: BaseGeometry) -> list[np.ndarray]:
    polygons = getattr(geometry, "geoms", [geometry])
    return [np.asarray(p.exterior.coords) for p in polygons if p.geom_type == "Polygon"]


def _base_map(boundary: dict[str, Any], areas: list[tuple[str, dict[str, Any]]]) -> tuple[Any, Any]:
    figure, axes = plt.subplots(figsize=(7, 7))
    axes.set_aspect("equal")
    axes.axis("off")
    for _name, geometry in areas:
        for ring in _rings(geometry_to_sweref(shape(geometry))):
            axes.plot(ring[:, 0], ring[:, 1], color="#666666", linewidth=0.5)
    for ring in _rings(geometry_to_sweref(shape(boundary))):
        axes.plot(ring[:, 0], ring[:, 1], color=BLUE, linewidth=1.5)
    return figure, axes


def choropleth(
    boundary: dict[str, Any],
    areas: list[tuple[str, dict[str, Any]]],
    values: dict[str, float | None],
    title: str,
) -> bytes:
    figure, axes = _base_map(boundary, areas)
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
        PatchCollection(patches, facecolor=colours, edgecolor="#444444", linewidth=0.4, alpha=0.9)
    )
    for name, geometry in areas:
        centre = geometry_to_sweref(shape(geometry)).representative_point()
        value = values.get(name)
        axes.annotate(
            f"{name}\n{value if value is not None else 'dolt'}",
            (centre.x, centre.y),
            ha="center",
            fontsize=6,
        )
    axes.set_title(title, fontsize=10)
    return _png(figure)


def density(
    boundary: dict[str, Any],
    areas: list[tuple[str, dict[str, Any]]],
    grid: Grid,
    surface: np.ndarray,
    title: str,
) -> bytes:
    figure, axes = _base_map(boundary, areas)
    masked = np.ma.masked_where(surface <= 0, surface)
    x0, y0, x1, y1 = grid.bounds
    image = axes.imshow(masked, origin="lower", extent=(x0, x1, y0, y1), cmap="YlOrRd", alpha=0.8)
    figure.colorbar(image, ax=axes, shrink=0.6, label="händelser per km²")
    axes.set_title(title, fontsize=10)
    return _png(figure)


def hotspots(
    boundary: dict[str, Any],
    areas: list[tuple[str, dict[str, Any]]],
    grid: Grid,
    cells: list[dict[str, Any]],
    title: str,
) -> bytes:
    figure, axes = _base_map(boundary, areas)
    for level, colour in HOT.items():
        chosen = [c["cell"] for c in cells if c["confidence"] == level]
        rows, cols = np.divmod(np.asarray(chosen, dtype=np.int64), grid.shape[1])
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            x, y = grid.x0 + c * grid.cell, grid.y0 + r * grid.cell
            axes.add_patch(plt.Rectangle((x, y), grid.cell, grid.cell, color=colour))
        axes.plot([], [], "s", color=colour, label=f"het punkt {level} %")
    axes.legend(loc="lower left", fontsize=7)
    axes.set_title(title, fontsize=10)
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
