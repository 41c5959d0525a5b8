"""Local (Europe/Stockholm) time for millions of timestamps at once.

Sweden follows the EU rule since 1996: summer time (UTC+2) from the last Sunday of March 01:00
UTC to the last Sunday of October 01:00 UTC, otherwise UTC+1. Applying the rule with numpy is
exact and thousands of times faster than converting each timestamp with zoneinfo (the tests
compare the two)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def local_minutes(utc_minutes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Minutes since 1970-01-01 00:00 local wall-clock time."""
    minutes = np.asarray(utc_minutes, dtype=np.int64)
    if minutes.size == 0:
        return minutes
    years = range(
        int(np.datetime64(int(minutes.min()), "m").astype("datetime64[Y]").astype(int)) + 1969,
        int(np.datetime64(int(minutes.max()), "m").astype("datetime64[Y]").astype(int)) + 1972,
    )
    summer = np.zeros(minutes.shape, dtype=bool)
    for year in years:
        begin = _utc_minute(_last_sunday(year, 3))
        end = _utc_minute(_last_sunday(year, 10))
        summer |= (minutes >= begin) & (minutes < end)
    return minutes + np.where(summer, 120, 60)


def _utc_minute(day: date) -> int:
    return int((np.datetime64(day, "m") - np.datetime64("1970-01-01T00:00", "m")).astype(int)) + 60


def local_days(utc_minutes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Local calendar day as days since 1970-01-01."""
    return local_minutes(utc_minutes) // 1440


def day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days
