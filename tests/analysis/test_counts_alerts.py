from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from samtrygg.analysis.alerts import farrington, poisson_cusum
from samtrygg.analysis.counts import change, concentration, rate_per_1000, suppress_small


def test_change_exact_poisson_test() -> None:
    result = change(30, 15)
    assert result.rate_ratio == 2.0 and result.percent_change == 100.0
    assert result.p == pytest.approx(stats.binomtest(30, 45, 0.5).pvalue)
    assert result.ci_low < 2 < result.ci_high and result.ci_low > 1  # significant rise
    unequal = change(20, 20, current_exposure=1, previous_exposure=2)  # e.g. 1 vs 2 months
    assert unequal.rate_ratio == 2.0
    assert unequal.p == pytest.approx(stats.binomtest(20, 40, 1 / 3).pvalue)
    assert change(0, 0).p == 1.0


def test_concentration() -> None:
    counts = np.array([50, 20, 10, 5, 5, 4, 3, 2, 1, 0])
    shares = concentration(counts, (0.1, 0.2, 0.5))
    assert shares[0.1] == 0.5  # the top place holds half
    assert shares[0.2] == 0.7
    assert shares[0.5] == pytest.approx(90 / 100)


def test_rates_and_suppression() -> None:
    np.testing.assert_allclose(rate_per_1000([5, 0], [2500, 0]), [2.0, np.nan])
    shown = suppress_small([0, 1, 2, 3, 10])
    assert shown[0] == 0 and np.isnan(shown[1]) and np.isnan(shown[2]) and shown[3] == 3


def weekly_series(weeks: int = 160, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    seasonal = 6 + 3 * np.sin(2 * np.pi * t / 52)
    quiet = rng.poisson(seasonal)
    burst = rng.poisson(seasonal)
    burst[-4:] += np.array([6, 9, 12, 14])
    return np.vstack([quiet, burst]).astype(float)


def test_cusum_flags_the_burst_and_says_since_when() -> None:
    result = poisson_cusum(weekly_series())
    assert list(result.current()) == [False, True]
    assert 150 <= result.since()[1] <= 157


def test_farrington_flags_the_burst_only() -> None:
    result = farrington(weekly_series())
    assert list(result.current()) == [False, True]
    assert np.mean(result.alert[0, 60:]) < 0.05  # few false alarms on the quiet series


def test_counts_per_polygon_and_rates() -> None:
    from shapely.geometry import box

    from samtrygg.analysis.counts import counts_per_polygon
    from samtrygg.analysis.geo import PolygonIndex

    index = PolygonIndex([0, 1], [box(0, 0, 10, 10), box(10, 0, 20, 10)])
    counts = counts_per_polygon(index, [1, 2, 15, 50], [1, 2, 5, 5])
    np.testing.assert_array_equal(counts, [2, 1])
    np.testing.assert_allclose(rate_per_1000(counts, [1000, 500]), [2.0, 2.0])


def test_compare_periods() -> None:
    from samtrygg.analysis.counts import compare_periods

    dates = np.array(
        ["2026-11-02"] * 6 + ["2026-10-20"] * 2 + ["2025-11-04"] * 3 + ["2026-11-05"] * 1,
        dtype="datetime64[D]",
    )
    keys = np.array([1] * 6 + [1] * 2 + [1] * 3 + [2])
    result = compare_periods(dates, keys, np.datetime64("2026-11-01"), np.datetime64("2026-11-28"))
    assert list(result.keys) == [1, 2]
    assert list(result.current) == [6, 1]
    assert list(result.previous) == [2, 0]  # 2026-10-04 … 2026-10-31
    assert list(result.last_year) == [3, 0]  # 364 days earlier: 2025-11-02 … 2025-11-29
    assert result.previous_change[0].rate_ratio == 3.0
