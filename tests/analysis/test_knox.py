"""Knox test: the Near Repeat Calculator's published run, a brute-force reference, invariances."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samtrygg.analysis.knox import knox

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CHICAGO = DATA / "chicago_burglary_2014_2017.csv"

# chicago_burglary_2014_NRC_summary.htm: observed / mean expected, 99 iterations.
NRC_RATIOS = np.array([[5.34, 0.84], [1.28, 0.99], [1.00, 1.00]])
NRC_P = np.array([[0.01, 1.00], [0.01, 1.00], [1.00, 0.01]])


def load_chicago(year: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ts = [], [], []
    with CHICAGO.open() as handle:
        for row in csv.DictReader(handle):
            day, month, yr = map(int, row["date_single"].split("/"))
            if year is None or yr == year:
                xs.append(float(row["x"]))
                ys.append(float(row["y"]))
                ts.append(date(yr, month, day).toordinal())
    return np.array(xs), np.array(ys), np.array(ts, dtype=float)


@pytest.mark.skipif(not CHICAGO.exists(), reason="shared/data is not beside the project")
def test_reproduces_the_near_repeat_calculator() -> None:
    """Same settings as the published run: 200 m in one band, 7 days in one band, the
    calculator's band semantics (edges 0 and 199 m, 6 days, inclusive).

    Tolerance: both the calculator's expected counts (99 iterations) and ours (999) are Monte
    Carlo means. The standard error of a ratio O/E is about ratio × sd/E × sqrt(1/99 + 1/999),
    with sd the spread of the simulated counts; we allow three standard errors plus 0.005 for
    the calculator's rounding to two decimals. With this seed the largest gap is 0.07 (same
    place, 0–7 days, where E is only about 55 pairs and the allowance is about 0.23)."""
    x, y, t = load_chicago(2014)
    assert x.size == 12_334  # the calculator's record count
    result = knox(x, y, t, [0, 199], [6], permutations=999, nrc=True, seed=2014)
    assert result.distance_labels == ["same location", "1 to 200 m", "more than 200 m"]
    assert result.time_labels == ["0 to 7 days", "more than 7 days"]
    se = result.ratio * result.expected_sd / result.expected_mean * math.sqrt(1 / 99 + 1 / 999)
    assert np.all(np.abs(result.ratio - NRC_RATIOS) <= 3 * se + 0.005), (result.ratio, se)
    # Significance: the calculator's 0.01 is its best possible p at 99 iterations.
    assert np.array_equal(result.p_value <= 0.01, NRC_P <= 0.01)


def brute_force_knox(x, y, t, d_edges, t_edges, permutations, seed):
    """All pairs, half-open bands, the same permutation draws: the straightforward reference."""
    n = len(x)
    i, j = np.triu_indices(n, 1)
    distance = np.hypot(x[i] - x[j], y[i] - y[j])
    d_band = np.searchsorted(d_edges, distance, side="right") - 1

    def table(times):
        t_band = np.searchsorted(t_edges, np.abs(times[i] - times[j]), side="right") - 1
        out = np.zeros((len(d_edges), len(t_edges)), dtype=np.int64)
        ok = t_band >= 0
        np.add.at(out, (d_band[ok], t_band[ok]), 1)
        return out

    rng = np.random.default_rng(seed)
    sims = np.stack([table(t[rng.permutation(n)]) for _ in range(permutations)])
    return table(t), sims.mean(axis=0)


def test_equals_brute_force_all_pairs() -> None:
    rng = np.random.default_rng(4)
    n = 400
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    t = rng.integers(0, 120, n).astype(float)
    x[:40], y[:40], t[:40] = x[0] + rng.normal(0, 30, 40), y[0] + rng.normal(0, 30, 40), 5
    d_edges, t_edges = [0, 1, 100, 200, 400], [0, 7, 14]
    observed, expected = brute_force_knox(x, y, t, d_edges, t_edges, 50, seed=9)
    result = knox(x, y, t, d_edges, t_edges, permutations=50, seed=9)
    np.testing.assert_array_equal(result.observed, observed)
    np.testing.assert_allclose(result.expected_mean, expected)
    assert result.observed.sum() == n * (n - 1) // 2


@settings(max_examples=25, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(0, 2 * math.pi), st.integers(0, 1000))
def test_counts_invariant_under_translation_and_rotation(
    dx: float, dy: float, angle: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 1000, 150), rng.uniform(0, 1000, 150)
    t = rng.integers(0, 60, 150).astype(float)
    base = knox(x, y, t, [0, 50, 150, 300], [0, 7], permutations=5, seed=1).observed
    c, s = math.cos(angle), math.sin(angle)
    moved = knox(
        c * x - s * y + dx, s * x + c * y + dy, t, [0, 50, 150, 300], [0, 7], permutations=5, seed=1
    ).observed
    # Distances are computed in floating point: a pair within 1e-6 m of an edge may flip.
    assert np.abs(moved - base).sum() <= 2


def test_manhattan_counts_differ_from_euclidean() -> None:
    x, y, t = np.array([0.0, 60, 0]), np.array([0.0, 60, 300]), np.array([0.0, 1, 2])
    euclid = knox(x, y, t, [0, 100], [0, 7], permutations=1, seed=0).observed
    manhattan = knox(x, y, t, [0, 100], [0, 7], permutations=1, seed=0, metric="manhattan").observed
    assert euclid[0].sum() == 1 and manhattan[0].sum() == 0  # 84.9 m vs 120 m


@pytest.mark.parametrize(
    ("d_edges", "t_edges", "message"),
    [
        ([0, 200, 100], [0, 7], "must increase"),
        ([50, 100], [0, 7], "first edge must be 0"),
        ([0, 100], [], "at least one"),
        ([0, 100], [-1, 7], "negative"),
    ],
)
def test_bad_bands_are_refused(d_edges: list[float], t_edges: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        knox([0, 1, 2], [0, 1, 2], [0, 1, 2], d_edges, t_edges, permutations=1)


def test_too_few_events() -> None:
    with pytest.raises(ValueError, match="at least three"):
        knox([0, 1], [0, 1], [0, 1], [0, 100], [0, 7])
