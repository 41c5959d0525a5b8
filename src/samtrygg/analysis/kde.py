"""Kernel density with the quartic (biweight) kernel, by binning and FFT convolution.

Points are binned to cell centres and the counts convolved with the discretised quartic kernel
K(d) = 3/(π h²) · (1 − d²/h²)² for d < h, renormalised so that its cells sum to one: the density
then integrates exactly to the number of points (or the sum of weights) that lie in the grid.
Binning moves each point by at most half a cell diagonal, which is why the cell should be small
against the bandwidth (the defaults give six cells per bandwidth).

Defaults for municipal maps: 50 m cells and a 300 m bandwidth (a few blocks; Brå and most police
analysts use 200–400 m in towns). ``arcgis_default_bandwidth`` gives ArcGIS Pro's rule instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal

from .grid import Grid

DEFAULT_CELL_M = 50.0
DEFAULT_BANDWIDTH_M = 300.0


@dataclass(frozen=True)
class KdeResult:
    grid: Grid
    density: NDArray[np.float64]  # events per km², shape grid.shape, row 0 to the south
    bandwidth: float

    def classes(self, breaks: ArrayLike) -> NDArray[np.int8]:
        """Class per cell: 0 below the first break, k at or above break k."""
        return np.searchsorted(np.asarray(breaks, float), self.density, side="right").astype(
            np.int8
        )


def quartic_kernel(bandwidth: float, cell: float) -> NDArray[np.float64]:
    radius = int(np.ceil(bandwidth / cell))
    offsets = np.arange(-radius, radius + 1) * cell
    dx, dy = np.meshgrid(offsets, offsets)
    u2 = (dx**2 + dy**2) / bandwidth**2
    kernel = np.where(u2 < 1, (1 - u2) ** 2, 0.0)
    total = kernel.sum()
    if total == 0:
        raise ValueError("the bandwidth must be larger than half a cell")
    return kernel / total


def kde(
    x: ArrayLike,
    y: ArrayLike,
    *,
    cell: float = DEFAULT_CELL_M,
    bandwidth: float = DEFAULT_BANDWIDTH_M,
    weights: ArrayLike | None = None,
    grid: Grid | None = None,
) -> KdeResult:
    """Quartic kernel density of points in metres (e.g. SWEREF 99 TM), in events per km².

    Without ``grid``, the grid covers the points with a margin of one bandwidth, so no mass
    falls outside it.
    """
    if bandwidth <= 0 or cell <= 0:
        raise ValueError("cell size and bandwidth must be positive")
    x, y = np.asarray(x, float), np.asarray(y, float)
    if grid is None:
        grid = Grid.covering(x, y, cell, pad=int(np.ceil(bandwidth / cell)))
    counts = grid.counts(x, y, weights)
    kernel = quartic_kernel(bandwidth, grid.cell)
    smoothed = signal.fftconvolve(counts, kernel, mode="same")
    smoothed[smoothed < 1e-12] = 0.0  # FFT round-off
    density = smoothed / (grid.cell**2) * 1e6
    return KdeResult(grid=grid, density=density, bandwidth=bandwidth)


def arcgis_default_bandwidth(x: ArrayLike, y: ArrayLike) -> float:
    """ArcGIS Pro's default search radius (Silverman's rule, spatial variant):
    0.9 · min(SD, √(1/ln 2) · Dm) · n^(−0.2), with SD the standard distance and Dm the median
    distance to the mean centre."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = x.size
    if n < 2:
        raise ValueError("need at least two points")
    dx, dy = x - x.mean(), y - y.mean()
    standard_distance = np.sqrt((dx**2).sum() / n + (dy**2).sum() / n)
    median_distance = np.median(np.hypot(dx, dy))
    return float(0.9 * min(standard_distance, np.sqrt(1 / np.log(2)) * median_distance) * n**-0.2)


def arcgis_default_cell(x: ArrayLike, y: ArrayLike) -> float:
    """ArcGIS's default output cell: the shorter side of the extent divided by 250."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(min(np.ptp(x), np.ptp(y)) / 250)


def class_polygons(result: KdeResult, breaks: ArrayLike) -> list[tuple[float, object]]:
    """For each break, the (multi)polygon of cells at or above it, for maps and documents."""
    import shapely

    polygons = []
    xs = result.grid.x0 + np.arange(result.grid.shape[1]) * result.grid.cell
    ys = result.grid.y0 + np.arange(result.grid.shape[0]) * result.grid.cell
    for level in np.asarray(breaks, float):
        rows, cols = np.nonzero(result.density >= level)
        boxes = shapely.box(
            xs[cols], ys[rows], xs[cols] + result.grid.cell, ys[rows] + result.grid.cell
        )
        polygons.append(
            (
                float(level),
                shapely.coverage_union_all(boxes) if len(boxes) else shapely.MultiPolygon(),
            )
        )
    return polygons
