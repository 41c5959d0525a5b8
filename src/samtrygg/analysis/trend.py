"""Mann–Kendall trend test, vectorised over many series, with the correction for ties."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats


@dataclass(frozen=True)
class MannKendallResult:
    s: NDArray[np.float64]
    variance: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]  # two-sided

    def trend(self, alpha: float = 0.05) -> NDArray[np.int8]:
        """+1 significant upward, −1 downward, 0 none."""
        return (np.sign(self.z) * (self.p < alpha)).astype(np.int8)


def _tie_term(series: NDArray[np.float64]) -> NDArray[np.float64]:
    """Σ t(t−1)(2t+5) over groups of tied values, per row."""
    ordered = np.sort(series, axis=1)
    rows, n = ordered.shape
    out = np.zeros(rows)
    if n < 2:
        return out
    # Run lengths of equal values in each sorted row.
    boundary = np.ones((rows, n + 1), dtype=bool)
    boundary[:, 1:n] = ordered[:, 1:] != ordered[:, :-1]
    starts_r, starts_c = np.nonzero(boundary)  # row-major: runs of each row in order
    lengths = np.diff(starts_c).astype(float)
    same_row = np.diff(starts_r) == 0
    t = lengths[same_row]
    np.add.at(out, starts_r[:-1][same_row], t * (t - 1) * (2 * t + 5))
    return out


def mann_kendall(series: ArrayLike) -> MannKendallResult:
    """Mann–Kendall for one series (1-D) or many (2-D: one series per row, time along axis 1)."""
    data = np.atleast_2d(np.asarray(series, dtype=float))
    n = data.shape[1]
    i, j = np.triu_indices(n, 1)
    s = np.sign(data[:, j] - data[:, i]).sum(axis=1)
    variance = (n * (n - 1) * (2 * n + 5) - _tie_term(data)) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(variance)
        z = np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0))
    z = np.nan_to_num(z)
    p = 2 * stats.norm.sf(np.abs(z))
    if np.ndim(series) == 1:
        return MannKendallResult(s[:1], variance[:1], z[:1], p[:1])
    return MannKendallResult(s, variance, z, p)
