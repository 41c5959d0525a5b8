"""Emerging hot-spot analysis on a space-time cube, with ArcGIS Pro's categories.

The cube holds counts per time step and location, shape (T, n). Gi* is computed for every bin
with the spatial neighbours (binary weights, self included) in the same time step and in the
``time_window`` − 1 steps before it, against the mean and variance of the whole cube; p-values
are corrected for the false discovery rate over all bins. Each location's series of Gi*
z-scores is then tested for a trend with Mann–Kendall, and the location is put in a category.

Categories (ArcGIS Pro, "How Emerging Hot Spot Analysis works"), for hot spots; the cold-spot
categories mirror them. "Hot" means a significant hot-spot bin; H = share of steps that are hot.

- new: hot in the final step, never hot before.
- consecutive: hot in an uninterrupted run of at least two final steps, never hot before the
  run, H < 90 %.
- intensifying: H ≥ 90 % including the final step, and the z-scores rise significantly.
- persistent: H ≥ 90 % including the final step, no significant trend.
- diminishing: H ≥ 90 % including the final step, and the z-scores fall significantly.
- sporadic: hot in the final step, on-and-off before, H < 90 %, never a cold spot.
- oscillating: hot in the final step, a cold spot in some earlier step, H < 90 %.
- historical: not hot in the final step, but H ≥ 90 %.
- no pattern: none of the above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse, stats

from .hotspots import benjamini_hochberg
from .trend import mann_kendall

CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
PERSISTENT_SHARE = 0.9


@dataclass(frozen=True)
class EmergingResult:
    z: NDArray[np.float64]  # (T, n) Gi* per bin
    significant: NDArray[np.int8]  # (T, n): +1 hot, −1 cold, 0 not significant
    trend_z: NDArray[np.float64]  # Mann–Kendall z of each location's Gi* series
    trend_p: NDArray[np.float64]
    count_trend_z: NDArray[np.float64]  # Mann–Kendall of the counts themselves
    category: list[str]  # e.g. "new hot spot", "persistent cold spot", "no pattern"


def space_time_gi_star(
    cube: ArrayLike, w: sparse.sparray | sparse.spmatrix, time_window: int = 1
) -> NDArray[np.float64]:
    data = np.asarray(cube, dtype=float)
    steps, n = data.shape
    w = sparse.csr_array(w)
    spatial = (w @ data.T).T  # (T, n): neighbour sums within each step
    card = np.asarray(w.sum(axis=1)).ravel()
    weighted = np.zeros_like(spatial)
    cardinality = np.zeros_like(spatial)
    for lag in range(time_window):
        weighted[lag:] += spatial[: steps - lag]
        cardinality[lag:] += card[None, :]
    total = data.size
    mean = data.mean()
    variance = (data**2).mean() - mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(variance * cardinality * (total - cardinality) / (total - 1))
        return np.nan_to_num((weighted - cardinality * mean) / se)


def _categorise(hot: NDArray[np.bool_], cold: NDArray[np.bool_], trend: int) -> str:
    steps = hot.size
    share = hot.sum() / steps
    if not hot[-1]:
        return "historical" if share >= PERSISTENT_SHARE else ""
    if share >= PERSISTENT_SHARE:
        return {1: "intensifying", -1: "diminishing"}.get(trend, "persistent")
    if not hot[:-1].any():
        return "new"
    run = steps - np.flatnonzero(~hot)[-1] - 1 if (~hot).any() else steps
    if run >= 2 and not hot[: steps - run].any():
        return "consecutive"
    if cold[:-1].any():
        return "oscillating"
    return "sporadic"


def emerging_hot_spots(
    cube: ArrayLike,
    w: sparse.sparray | sparse.spmatrix,
    *,
    time_window: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
) -> EmergingResult:
    data = np.asarray(cube, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        raise ValueError("the cube needs at least two time steps: shape (steps, locations)")
    z = space_time_gi_star(data, w, time_window)
    p = 2 * stats.norm.sf(np.abs(z))
    significant_mask = benjamini_hochberg(p.ravel(), alpha).reshape(p.shape) if fdr else p < alpha
    significant = (np.sign(z) * significant_mask).astype(np.int8)
    trend = mann_kendall(z.T)
    counts_trend = mann_kendall(data.T)
    directions = trend.trend(alpha)
    categories = []
    for i in range(data.shape[1]):
        hot, cold = significant[:, i] > 0, significant[:, i] < 0
        label = _categorise(hot, cold, int(directions[i]))
        if label:
            categories.append(f"{label} hot spot")
            continue
        mirrored = _categorise(cold, hot, -int(directions[i]))
        categories.append(f"{mirrored} cold spot" if mirrored else "no pattern")
    return EmergingResult(z, significant, trend.z, trend.p, counts_trend.z, categories)


def categorise_series(significant: ArrayLike, trend: int = 0) -> str:
    """The category of one location from its series of +1/−1/0 significance flags (for tests
    and for explaining a location's history)."""
    flags = np.asarray(significant)
    hot, cold = flags > 0, flags < 0
    label = _categorise(hot, cold, trend)
    if label:
        return f"{label} hot spot"
    mirrored = _categorise(cold, hot, -trend)
    return f"{mirrored} cold spot" if mirrored else "no pattern"


def space_time_cube(
    x: ArrayLike, y: ArrayLike, dates: ArrayLike, grid: object, step: str = "W"
) -> tuple[NDArray[np.float64], NDArray[np.datetime64]]:
    """Counts per (time step, grid cell) for ``emerging_hot_spots``: step "W" (ISO weeks,
    starting Mondays) or "M" (calendar months). Returns the cube (steps, cells) and the start
    of each step."""
    from .grid import Grid

    if not isinstance(grid, Grid):
        raise TypeError("grid must be a samtrygg.analysis.grid.Grid")
    days = np.asarray(dates, dtype="datetime64[D]")
    if step == "W":
        monday = days - ((days.astype(int) - 4) % 7).astype("timedelta64[D]")  # 1970-01-05 Mon
        index = (monday - monday.min()).astype(int) // 7
        starts = monday.min() + np.arange(index.max() + 1) * np.timedelta64(7, "D")
    elif step == "M":
        months = days.astype("datetime64[M]")
        index = (months - months.min()).astype(int)
        starts = (months.min() + np.arange(index.max() + 1)).astype("datetime64[D]")
    else:
        raise ValueError('step is "W" or "M"')
    row, col = grid.cell_index(x, y)
    inside = (row >= 0) & (row < grid.shape[0]) & (col >= 0) & (col < grid.shape[1])
    flat = index[inside] * grid.size + row[inside] * grid.shape[1] + col[inside]
    cube = np.bincount(flat, minlength=starts.size * grid.size).reshape(starts.size, grid.size)
    return cube.astype(float), starts
