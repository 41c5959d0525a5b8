from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samtrygg.analysis.timepatterns import (
    aoristic,
    days_per_weekday,
    easter_sunday,
    monthly_index,
    swedish_holidays,
    weekday_hour,
)


def dt(text: str) -> np.datetime64:
    return np.datetime64(text, "m")


def test_aoristic_hand_computed_cases() -> None:
    result = aoristic(
        [dt("2026-11-20T22:30"), dt("2026-11-23T08:00"), dt("2026-11-23T09:15"), "NaT", "NaT"],
        [dt("2026-11-21T00:30"), "NaT", dt("2026-11-23T09:15"), dt("2026-11-24T10:10"), "NaT"],
    )
    w = result.weights
    friday = 4 * 24
    # Friday 22:30 – Saturday 00:30: 30 min in 22–23, 60 in 23–24, 30 in Sat 00–01.
    assert w[0, friday + 22] == pytest.approx(0.25)
    assert w[0, friday + 23] == pytest.approx(0.5)
    assert w[0, friday + 24] == pytest.approx(0.25)
    assert w[1, 8] == 1.0  # missing end: all at the start (Monday 08)
    assert w[2, 9] == 1.0  # empty window
    assert w[3, 24 + 10] == 1.0  # missing start: all at the end (Tuesday 10)
    assert w[4].sum() == 0 and result.left_out == 1


def test_reversed_window_is_swapped() -> None:
    forward = aoristic([dt("2026-11-23T08:00")], [dt("2026-11-23T11:00")]).weights
    backward = aoristic([dt("2026-11-23T11:00")], [dt("2026-11-23T08:00")]).weights
    np.testing.assert_allclose(forward, backward)


def test_window_over_a_week() -> None:
    # Exactly two weeks: uniform over all 168 hours.
    w = aoristic([dt("2026-11-02T05:17")], [dt("2026-11-16T05:17")]).weights[0]
    np.testing.assert_allclose(w, 1 / 168)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000_000), st.integers(0, 200_000))
def test_aoristic_weights_sum_to_one(start: int, length: int) -> None:
    s = np.datetime64("2020-01-01T00:00", "m") + np.timedelta64(start, "m")
    result = aoristic([s], [s + np.timedelta64(length, "m")])
    assert result.weights.sum() == pytest.approx(1.0)
    assert (result.weights >= 0).all()


def test_weekday_hour_normalised_by_weekday_count() -> None:
    # November 2026 has five Mondays and four Fridays.
    counts = days_per_weekday(date(2026, 11, 1), date(2026, 11, 30))
    assert counts[0] == 5 and counts[4] == 4
    times = [dt("2026-11-02T10:05")] * 5 + [dt("2026-11-06T10:05")] * 4
    result = weekday_hour(times, date(2026, 11, 1), date(2026, 11, 30))
    assert result.counts[0, 10] == 5 and result.counts[4, 10] == 4
    assert result.per_day[0, 10] == result.per_day[4, 10] == 1.0


def test_monthly_index() -> None:
    days = np.arange(np.datetime64("2025-01-01"), np.datetime64("2026-01-01"))
    index = monthly_index(days, date(2025, 1, 1), date(2025, 12, 31))
    np.testing.assert_allclose(index, 1.0)


def test_easter_and_holidays() -> None:
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)
    holidays = swedish_holidays(2026)
    assert holidays[date(2026, 6, 19)] == "Midsommarafton"
    assert holidays[date(2026, 6, 20)] == "Midsommardagen"
    assert holidays[date(2026, 10, 31)] == "Alla helgons dag"
    assert holidays[date(2026, 5, 14)] == "Kristi himmelsfärdsdag"
    assert holidays[date(2026, 4, 30)] == "Valborgsmässoafton"
    assert len(swedish_holidays(2026, include_eves=False)) == 13


def test_weekly_index_uniform() -> None:
    from samtrygg.analysis.timepatterns import weekly_index

    days = np.arange(np.datetime64("2024-01-01"), np.datetime64("2026-01-01"))
    index = weekly_index(days, date(2024, 1, 1), date(2025, 12, 31))
    np.testing.assert_allclose(index[:52], 1.0)
    # 2024-12-30 … 2025-01-05 is ISO week 1 of 2025: no week 53 in these years.
    assert np.isnan(index[52])
