"""Alerts: which weekly series (area × category) are unusually high now, and since when.

Two methods on a (series, weeks) array of counts:

- Poisson CUSUM (Lucas 1985) against a seasonal baseline λ₀ (the same weeks ± ``window`` in the
  previous years, or the recent weeks when there is no history): detects a shift to k·λ₀ with
  reference value K = (λ₁ − λ₀) / (ln λ₁ − ln λ₀); an alert is C > h. "Since" is the week the
  current run of C above zero began.
- A Farrington-style threshold: the baseline mean μ and overdispersion φ from the comparable
  weeks, and the 2/3-power upper limit U = μ (1 + ⅔ z √(φ/μ))^{3/2} (Farrington et al. 1996);
  an alert is a count above U with at least ``min_count`` events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

WEEKS_PER_YEAR = 52


def seasonal_baseline(
    counts: NDArray[np.float64], years: int = 3, window: int = 3, recent: int = 8
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per series and week: the mean and the variance of the comparable earlier weeks."""
    series, weeks = counts.shape
    mean = np.full((series, weeks), np.nan)
    var = np.full((series, weeks), np.nan)
    for t in range(weeks):
        idx = [
            t - y * WEEKS_PER_YEAR + d
            for y in range(1, years + 1)
            for d in range(-window, window + 1)
            if 0 <= t - y * WEEKS_PER_YEAR + d < t
        ]
        if len(idx) < 2 * window + 1:
            idx = list(range(max(0, t - recent), t))  # no seasonal history: recent weeks
        if len(idx) >= 2:
            mean[:, t] = counts[:, idx].mean(axis=1)
            var[:, t] = counts[:, idx].var(axis=1, ddof=1)
    return mean, var


@dataclass(frozen=True)
class AlertResult:
    statistic: NDArray[np.float64]  # (series, weeks): CUSUM value or count / threshold
    alert: NDArray[np.bool_]  # (series, weeks)
    baseline: NDArray[np.float64]  # (series, weeks)
    threshold: NDArray[np.float64] | float

    def current(self) -> NDArray[np.bool_]:
        return self.alert[:, -1]

    def since(self) -> NDArray[np.int64]:
        """Per series, the first week of the current alert run (−1 if not alerting now)."""
        out = np.full(self.alert.shape[0], -1)
        for s in np.nonzero(self.alert[:, -1])[0]:
            quiet = (
                np.nonzero(self.statistic[s] <= 0)[0]
                if isinstance(self.threshold, float)
                else np.nonzero(~self.alert[s])[0]
            )
            out[s] = quiet[-1] + 1 if quiet.size else 0
        return out


def poisson_cusum(
    counts: ArrayLike, *, shift: float = 1.5, h: float = 4.0, years: int = 3, window: int = 3
) -> AlertResult:
    data = np.atleast_2d(np.asarray(counts, float))
    baseline, _ = seasonal_baseline(data, years, window)
    lam0 = np.maximum(np.nan_to_num(baseline, nan=0.0), 0.5)  # never a zero-rate baseline
    lam1 = shift * lam0
    k = (lam1 - lam0) / (np.log(lam1) - np.log(lam0))
    cusum = np.zeros_like(data)
    running = np.zeros(data.shape[0])
    for t in range(data.shape[1]):
        known = ~np.isnan(baseline[:, t])
        running = np.where(known, np.maximum(0.0, running + data[:, t] - k[:, t]), 0.0)
        cusum[:, t] = running
    return AlertResult(cusum, cusum > h, baseline, float(h))


def farrington(
    counts: ArrayLike, *, alpha: float = 0.01, years: int = 3, window: int = 3, min_count: int = 3
) -> AlertResult:
    data = np.atleast_2d(np.asarray(counts, float))
    mean, var = seasonal_baseline(data, years, window)
    mu = np.maximum(np.nan_to_num(mean, nan=np.inf), 0.1)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.maximum(np.nan_to_num(var / mu, nan=1.0), 1.0)
    z = stats.norm.ppf(1 - alpha)
    upper = mu * (1 + 2 / 3 * z * np.sqrt(phi / mu)) ** 1.5
    upper[np.isnan(mean)] = np.inf
    alert = (data > upper) & (data >= min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = data / upper
    return AlertResult(ratio, alert, mean, upper)
