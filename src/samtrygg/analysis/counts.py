"""Counts, change between periods (exact Poisson test), concentration and rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .geo import PolygonIndex


@dataclass(frozen=True)
class ChangeResult:
    current: float
    previous: float
    rate_ratio: float  # (current / current exposure) / (previous / previous exposure)
    ci_low: float
    ci_high: float
    p: float  # two-sided exact conditional (binomial) test of equal rates
    percent_change: float


def change(
    current: int,
    previous: int,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    confidence: float = 0.95,
) -> ChangeResult:
    """Compare two Poisson counts, e.g. this quarter and the same quarter last year.

    Conditional on the total n, the current count is Binomial(n, π) with
    π = e₁/(e₁+e₂) when the rates are equal (the exact Poisson test; Przyborowski & Wilenski).
    The rate ratio's interval comes from the Clopper–Pearson interval of π."""
    if current < 0 or previous < 0:
        raise ValueError("counts cannot be negative")
    n = current + previous
    scale = previous_exposure / current_exposure
    ratio = current / previous * scale if previous else float("inf") if current else float("nan")
    if n == 0:
        return ChangeResult(current, previous, float("nan"), 0.0, float("inf"), 1.0, float("nan"))
    pi0 = current_exposure / (current_exposure + previous_exposure)
    test = stats.binomtest(int(current), int(n), pi0)
    interval = test.proportion_ci(confidence, method="exact")

    def to_ratio(p: float) -> float:
        return p / (1 - p) * scale if p < 1 else float("inf")

    return ChangeResult(
        current,
        previous,
        ratio,
        to_ratio(interval.low),
        to_ratio(interval.high),
        float(test.pvalue),
        (ratio - 1) * 100 if np.isfinite(ratio) else float("nan"),
    )


def concentration(
    counts: ArrayLike, shares: tuple[float, ...] = (0.05, 0.10, 0.20)
) -> dict[float, float]:
    """Share of all incidents in the top 5/10/20 % of places (cells or areas).

    The top x % is the ceil(x · places) places with most incidents (ties broken arbitrarily,
    which does not change the share)."""
    values = np.sort(np.asarray(counts, float).ravel())[::-1]
    total = values.sum()
    if total == 0:
        return dict.fromkeys(shares, 0.0)
    cumulative = np.cumsum(values)
    return {s: float(cumulative[max(int(np.ceil(s * values.size)), 1) - 1] / total) for s in shares}


def rate_per_1000(counts: ArrayLike, population: ArrayLike) -> NDArray[np.float64]:
    counts, population = np.asarray(counts, float), np.asarray(population, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(population > 0, counts / population * 1000, np.nan)


def h3_counts(lat: ArrayLike, lon: ArrayLike, resolution: int = 9) -> dict[str, int]:
    """Incidents per H3 cell (resolution 9 ≈ 0.1 km², 8 ≈ 0.7 km²)."""
    import h3

    cells = [
        h3.latlng_to_cell(a, b, resolution)
        for a, b in zip(
            np.asarray(lat, float).tolist(), np.asarray(lon, float).tolist(), strict=True
        )
    ]
    unique, number = np.unique(np.asarray(cells), return_counts=True)
    return dict(zip(unique.tolist(), number.tolist(), strict=True))


def suppress_small(counts: ArrayLike, threshold: int = 3) -> NDArray[np.float64]:
    """Aggregates shown to viewers or the public: counts below the threshold become NaN
    (shown as "fewer than 3"), never the number itself. Zero stays zero."""
    values = np.asarray(counts, float).copy()
    values[(values > 0) & (values < threshold)] = np.nan
    return values


def counts_per_polygon(
    index: PolygonIndex, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Incidents (or weights) per polygon of a ``PolygonIndex`` whose keys are 0 … k−1, in
    one vectorised assignment; points in no polygon are not counted."""
    assigned = index.assign(x, y, missing=-1).astype(np.int64)
    inside = assigned >= 0
    w = None if weights is None else np.asarray(weights, float)[inside]
    return np.bincount(assigned[inside], weights=w, minlength=len(index.keys)).astype(float)


@dataclass(frozen=True)
class PeriodComparison:
    keys: NDArray[np.int64]  # group codes (e.g. area or category ids), sorted
    current: NDArray[np.int64]
    previous: NDArray[np.int64]  # the period of the same length just before
    last_year: NDArray[np.int64]  # the same dates one year earlier
    previous_change: list[ChangeResult]
    last_year_change: list[ChangeResult]


def compare_periods(
    dates: ArrayLike, keys: ArrayLike, first: np.datetime64, last: np.datetime64
) -> PeriodComparison:
    """Counts per group in [first, last] (days, inclusive), in the period of the same length
    just before it, and in the same dates a year earlier, each with the exact Poisson test.
    Grouping is one ``np.unique`` and three ``bincount`` calls, whatever the number of events."""
    days = np.asarray(dates, dtype="datetime64[D]")
    codes = np.asarray(keys)
    first, last = np.datetime64(first, "D"), np.datetime64(last, "D")
    length = last - first + np.timedelta64(1, "D")
    year = np.timedelta64(364, "D")  # 52 weeks: keeps weekdays aligned, as analysts compare
    unique, inverse = np.unique(codes, return_inverse=True)

    def count(start: np.datetime64, end: np.datetime64) -> NDArray[np.int64]:
        inside = (days >= start) & (days <= end)
        return np.bincount(inverse[inside], minlength=unique.size)

    current = count(first, last)
    previous = count(first - length, first - np.timedelta64(1, "D"))
    last_year = count(first - year, last - year)
    return PeriodComparison(
        unique,
        current,
        previous,
        last_year,
        [change(int(c), int(p)) for c, p in zip(current, previous, strict=True)],
        [change(int(c), int(p)) for c, p in zip(current, last_year, strict=True)],
    )
