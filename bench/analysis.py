"""Benchmarks of samtrygg.analysis against the references, in one process.

    .venv/bin/python bench/analysis.py [--quick] [--gi-sizes 100000,1000000] [--esda-perms 999]

Prints what was measured, on what, and the baseline measured in the same run. Needs the test
extras (esda, libpysal) and, for esda's permutation speed, numba (`pip install numba`); the
Chicago data from shared/data for Knox.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np

from samtrygg.analysis import weights
from samtrygg.analysis.grid import Grid
from samtrygg.analysis.hotspots import gi_star_grid
from samtrygg.analysis.kde import kde
from samtrygg.analysis.knox import knox

CHICAGO = Path(__file__).resolve().parents[2] / "shared" / "data" / "chicago_burglary_2014_2017.csv"


def timed(function, *args, repeat: int = 1, **kwargs):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_gi(size: int, esda_perms: int) -> None:
    import esda
    import libpysal

    side = int(round(np.sqrt(size)))
    rng = np.random.default_rng(1)
    counts = rng.poisson(0.5, size=(side, side)).astype(float)
    counts[side // 4 : side // 4 + 20, side // 3 : side // 3 + 20] += rng.poisson(3, (20, 20))
    ours_s, ours = timed(gi_star_grid, counts, repeat=3)
    w = weights.grid_queen(side, side)
    w_pysal = libpysal.weights.WSP(w).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_s, ref = timed(
            esda.G_Local,
            counts.ravel(),
            w_pysal,
            transform="B",
            star=True,
            permutations=esda_perms,
            seed=1,
            keep_simulations=False,
        )
    diff = np.abs(ours.z.ravel() - ref.Zs).max()
    print(
        f"Gi* {side}×{side} = {side * side:,} cells: samtrygg {ours_s:.3f} s; "
        f"esda.G_Local ({esda_perms} permutations) {ref_s:.1f} s; "
        f"ratio {ref_s / ours_s:,.0f}×; max |Δz| {diff:.1e}"
    )


def load_chicago() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ts = [], [], []
    with CHICAGO.open() as handle:
        for row in csv.DictReader(handle):
            d, m, y = map(int, row["date_single"].split("/"))
            xs.append(float(row["x"]))
            ys.append(float(row["y"]))
            ts.append(date(y, m, d).toordinal())
    return np.array(xs), np.array(ys), np.array(ts, dtype=float)


def all_pairs_knox(x, y, t, d_edges, t_edges, permutations, seed, chunk=400):
    """The straightforward reference: every pair, every permutation, in numpy (row blocks
    against all later events, half-open bands)."""
    n = x.size
    rng = np.random.default_rng(seed)
    n_d, n_t = len(d_edges), len(t_edges)
    d_band_rows = []
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        d = np.hypot(x[rows, None] - x[None, :], y[rows, None] - y[None, :])
        band = (np.searchsorted(d_edges, d, side="right") - 1).astype(np.int8)
        d_band_rows.append((rows, band))
    tables = []
    for p in range(permutations + 1):
        times = t if p == 0 else t[rng.permutation(n)]
        counts = np.zeros(n_d * n_t, dtype=np.int64)
        for rows, band in d_band_rows:
            later = np.arange(n)[None, :] > rows[:, None]
            tb = (
                np.searchsorted(t_edges, np.abs(times[rows, None] - times[None, :]), side="right")
                - 1
            )
            ok = later & (tb >= 0)
            counts += np.bincount((band * n_t + tb)[ok], minlength=n_d * n_t)
        tables.append(counts.reshape(n_d, n_t))
    return tables[0], np.mean(tables[1:], axis=0) if permutations else None


def bench_knox(all_pairs_perms: int) -> None:
    x, y, t = load_chicago()
    d_edges, t_edges = [0, 1, 100, 200, 400], [0, 7, 14]
    ours_s, result = timed(knox, x, y, t, d_edges, t_edges, permutations=999, seed=1)
    print(
        f"Knox, {x.size:,} Chicago burglaries, 5 distance × 3 time bands, 999 permutations: "
        f"samtrygg {ours_s:.1f} s"
    )
    ref_s, (observed, _) = timed(
        all_pairs_knox, x, y, t, np.array(d_edges), np.array(t_edges), all_pairs_perms, 1
    )
    per_table = ref_s / (all_pairs_perms + 1)
    same = np.array_equal(observed, result.observed)
    print(
        f"  all-pairs numpy, observed table + {all_pairs_perms} permutations: {ref_s:.1f} s "
        f"({per_table:.1f} s per table; 1 000 tables would take ≈ {per_table * 1000 / 60:.0f} "
        f"min, extrapolated); observed tables identical: {same}; "
        f"ratio per permutation ≈ {per_table / (ours_s / 1000):,.0f}×"
    )


def bench_kde() -> None:
    rng = np.random.default_rng(2)
    centres = rng.uniform(5_000, 45_000, size=(40, 2))
    which = rng.integers(0, 40, 100_000)
    points = centres[which] + rng.normal(0, 600, size=(100_000, 2))
    grid = Grid(0.0, 0.0, 50.0, (1000, 1000))
    kde(points[:, 0], points[:, 1], grid=grid)  # warm-up (FFT plans, imports)
    seconds, result = timed(
        kde, points[:, 0], points[:, 1], grid=grid, cell=50, bandwidth=300, repeat=5
    )
    mass = result.density.sum() * 50 * 50 / 1e6
    inside = grid.counts(points[:, 0], points[:, 1]).sum()
    print(
        f"KDE, 100 000 points on a 1 000 × 1 000 grid (50 m cells, 300 m quartic): "
        f"{seconds:.3f} s (best of 5); mass {mass:,.1f} of {inside:,.0f} points in the grid"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gi-sizes", default="100000,1000000")
    parser.add_argument("--esda-perms", type=int, default=999)
    parser.add_argument("--all-pairs-perms", type=int, default=2)
    parser.add_argument("--skip", default="", help="comma-separated: gi,knox,kde")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    try:
        import numba

        numba_version = numba.__version__
    except ImportError:
        numba_version = "not installed (esda's permutations run in pure Python)"
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
        f", numpy {np.__version__}, numba {numba_version}"
    )
    if "kde" not in skip:
        bench_kde()
    if "knox" not in skip:
        bench_knox(args.all_pairs_perms)
    if "gi" not in skip:
        for size in (int(s) for s in args.gi_sizes.split(",")):
            bench_gi(size, args.esda_perms)


if __name__ == "__main__":
    main()
