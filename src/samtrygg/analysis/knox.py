"""The Knox test for near-repeat patterns, with Monte Carlo permutation of event times.

For every pair of events, the distance falls in a spatial band and the time difference in a
temporal band; the observed pair counts per (spatial, temporal) cell are compared with counts
after randomly reassigning the event times to the events (Johnson et al. 2007; Ratcliffe's Near
Repeat Calculator). Only pairs closer than the largest finite distance edge are enumerated
(k-d tree); the open-ended "beyond" row is derived from totals that a permutation of times
cannot change: the number of pairs in each temporal band, over all distances.

Bands. By default, edges ``[e0, e1, …, ek]`` make half-open bands [e0, e1), …, [ek-1, ek), and
one more band [ek, ∞). With ``nrc=True`` the Near Repeat Calculator's own semantics are used: its
band labelled "a to b" counts the closed range [a − 1, b − 1], so upper edges are inclusive
(distance d falls in the first band whose edge e has d ≤ e); the first spatial band with edge 0
is then "same location" (d = 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree


@dataclass(frozen=True)
class KnoxResult:
    distance_edges: tuple[float, ...]
    time_edges: tuple[float, ...]
    observed: NDArray[np.int64]  # (distance bands, time bands), the last of each open-ended
    expected_mean: NDArray[np.float64]
    expected_median: NDArray[np.float64]
    expected_sd: NDArray[np.float64]  # spread of the simulated counts (for Monte Carlo error)
    p_value: NDArray[np.float64]  # (simulations ≥ observed + 1) / (permutations + 1)
    permutations: int
    metric: str
    nrc: bool
    n_events: int
    distance_labels: list[str] = field(default_factory=list)
    time_labels: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> NDArray[np.float64]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.observed / self.expected_mean


def _band_index(
    values: NDArray[np.float64], edges: NDArray[np.float64], nrc: bool
) -> NDArray[np.int64]:
    """Band per value; len(edges) + 1 bands in all (the last is open-ended). Values below the
    first half-open edge get -1."""
    if nrc:
        return np.searchsorted(edges, values, side="left")
    return np.searchsorted(edges, values, side="right") - 1


def _check_edges(edges: ArrayLike, name: str) -> NDArray[np.float64]:
    array = np.asarray(edges, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name}: give at least one band edge")
    if np.any(np.diff(array) <= 0):
        raise ValueError(f"{name}: band edges must increase: {list(array)}")
    if array[0] < 0:
        raise ValueError(f"{name}: band edges cannot be negative")
    return array


def _labels(edges: NDArray[np.float64], nrc: bool, unit: str, same: str) -> list[str]:
    def fmt(v: float) -> str:
        return f"{v:g}"

    if nrc:
        labels = []
        lower = 0.0
        for i, e in enumerate(edges):
            if i == 0 and e == 0 and unit == "m":
                labels.append(same)
                lower = 1
                continue
            labels.append(f"{fmt(lower)} to {fmt(e + 1)} {unit}")
            lower = e + 2
        labels.append(f"more than {fmt(edges[-1] + 1)} {unit}")
        return labels
    bands = [f"[{fmt(a)}, {fmt(b)}) {unit}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return [*bands, f"≥ {fmt(edges[-1])} {unit}"]


def knox(
    x: ArrayLike,
    y: ArrayLike,
    t: ArrayLike,
    distance_edges: ArrayLike,
    time_edges: ArrayLike,
    *,
    permutations: int = 999,
    metric: str = "euclidean",
    nrc: bool = False,
    seed: int | None = None,
) -> KnoxResult:
    """Knox test. ``x``, ``y`` in metres; ``t`` in days (float or integer)."""
    x, y, t = (np.asarray(a, dtype=float) for a in (x, y, t))
    if not (x.size == y.size == t.size):
        raise ValueError("x, y and t differ in length")
    if x.size < 3:
        raise ValueError("the Knox test needs at least three events")
    if metric not in ("euclidean", "manhattan"):
        raise ValueError("metric is euclidean or manhattan")
    d_edges = _check_edges(distance_edges, "distance bands")
    t_edges = _check_edges(time_edges, "time bands")
    if not nrc and d_edges[0] != 0:
        raise ValueError("distance bands: the first edge must be 0")
    # Half-open: one band between each pair of edges, plus the open one beyond the last edge.
    # NRC: one band up to and including each edge, plus the one beyond the last.
    n_d, n_t = d_edges.size + nrc, t_edges.size + nrc

    # Pairs closer than the largest finite edge (inclusive for NRC semantics).
    reach = d_edges[-1] if nrc else np.nextafter(d_edges[-1], -np.inf)
    points = np.column_stack([x, y])
    pairs = cKDTree(points).query_pairs(
        reach, p=2.0 if metric == "euclidean" else 1.0, output_type="ndarray"
    )
    i, j = pairs[:, 0], pairs[:, 1]
    delta = points[i] - points[j]
    distance = np.hypot(delta[:, 0], delta[:, 1]) if metric == "euclidean" else np.abs(delta).sum(1)
    d_band = _band_index(distance, d_edges, nrc)
    keep = (d_band >= 0) & (d_band < n_d - 1)
    i, j, d_band = i[keep], j[keep], d_band[keep]

    totals = _time_band_totals(t, t_edges, nrc, n_t)
    # Pairs grouped by spatial band (and by first event within it, for cache-friendly gathers).
    order = np.lexsort((i, d_band))
    i, j, d_band = i[order].astype(np.int32), j[order].astype(np.int32), d_band[order]
    segments = np.searchsorted(d_band, np.arange(n_d))  # start of each band's pairs
    band_of_difference = _TimeBandLookup(t, t_edges, nrc)

    def table(times: NDArray[Any]) -> NDArray[np.int64]:
        return _near_table(band_of_difference(times[i] - times[j]))

    def _near_table(t_band: NDArray[np.intp]) -> NDArray[np.int64]:  # 0 = below the first edge
        near = np.zeros((n_d, n_t), dtype=np.int64)
        for band in range(n_d - 1):
            chunk = t_band[segments[band] : segments[band + 1]]
            near[band] = np.bincount(chunk, minlength=n_t + 1)[1:]
        near[-1] = totals - near[:-1].sum(axis=0)
        return near

    base_times = band_of_difference.times
    observed = table(base_times)
    rng = np.random.default_rng(seed)
    simulated = np.empty((permutations, n_d, n_t), dtype=np.int64)
    # The hot loop: reuse buffers, so that a permutation costs three gathers and a count.
    first, second = np.empty(i.size, base_times.dtype), np.empty(i.size, base_times.dtype)
    bands = np.empty(i.size, np.intp)
    for k in range(permutations):
        shuffled = base_times[rng.permutation(t.size)]
        np.take(shuffled, i, out=first)
        np.take(shuffled, j, out=second)
        np.subtract(first, second, out=first)
        simulated[k] = _near_table(band_of_difference(first, out=bands))
    p_value = ((simulated >= observed[None]).sum(axis=0) + 1) / (permutations + 1)
    return KnoxResult(
        distance_edges=tuple(d_edges.tolist()),
        time_edges=tuple(t_edges.tolist()),
        observed=observed,
        expected_mean=simulated.mean(axis=0),
        expected_median=np.median(simulated, axis=0),
        expected_sd=simulated.std(axis=0),
        p_value=p_value,
        permutations=permutations,
        metric=metric,
        nrc=nrc,
        n_events=int(x.size),
        distance_labels=_labels(d_edges, nrc, "m", "same location"),
        time_labels=_labels(t_edges, nrc, "days", "same day"),
    )


class _TimeBandLookup:
    """Temporal band + 1 of a signed time difference (0: below the first edge).

    Whole days (the usual case) use a lookup table indexed by the difference, which is several
    times faster than a binary search per pair; other times fall back to the search."""

    def __init__(self, t: NDArray[np.float64], edges: NDArray[np.float64], nrc: bool) -> None:
        span = float(np.ptp(t)) if t.size else 0.0
        self.integral = bool(np.all(t == np.round(t))) and span < 5_000_000
        self.edges, self.nrc = edges, nrc
        if self.integral:
            self.times: NDArray[Any] = (t - t.min()).astype(np.int32)
            self.span = int(span)
            differences = np.abs(np.arange(-self.span, self.span + 1, dtype=float))
            self.table = (_band_index(differences, edges, nrc) + 1).astype(np.intp)
        else:
            self.times = t

    def __call__(
        self, difference: NDArray[Any], out: NDArray[np.intp] | None = None
    ) -> NDArray[np.intp]:
        """Bands of the differences; with ``out``, the differences array is overwritten."""
        if self.integral:
            if out is None:
                return self.table[difference + self.span]
            np.add(difference, self.span, out=difference)
            return np.take(self.table, difference, out=out)
        return _band_index(np.abs(difference), self.edges, self.nrc) + 1


def _time_band_totals(
    t: NDArray[np.float64], edges: NDArray[np.float64], nrc: bool, n_t: int
) -> NDArray[np.int64]:
    """Pairs per temporal band over all pairs, from the sorted times in O(n log n)."""
    ordered = np.sort(t)
    n = ordered.size
    # at_most[k] = number of pairs with |dt| ≤ edge (nrc) or < edge (half-open).
    side: Literal["left", "right"] = "right" if nrc else "left"
    cumulative = []
    for edge in edges:
        upper = np.searchsorted(ordered, ordered + edge, side=side)
        # Pairs (i, j > i) within the edge; clamp at 0 for ties when the edge is 0.
        cumulative.append(int(np.maximum(upper - np.arange(n) - 1, 0).sum()))
    all_pairs = n * (n - 1) // 2
    if nrc:
        bounds = [0, *cumulative, all_pairs]
        return np.diff(bounds).astype(np.int64)
    # Half-open: band k is [edge_k, edge_k+1); pairs below the first edge are not counted.
    bounds = [*cumulative, all_pairs]
    return np.diff(bounds).astype(np.int64)
