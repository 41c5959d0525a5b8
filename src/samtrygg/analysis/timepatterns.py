"""Time patterns: weekday × hour, aoristic weights, seasonality, Swedish public holidays.

Times are naive local times (Europe/Stockholm wall clock) as numpy datetime64; callers convert
from aware datetimes first, so that "Friday 23:00" means what people in the municipality mean.

Aoristic rules (events known only to have happened between ``start`` and ``end``):
- the window is spread minute by minute over the 168 hours of the week, so every event's
  weights sum to one; a window of several weeks puts a whole week's share on every hour and
  spreads the remainder by the minute;
- a missing end (NaT) or an empty window puts the whole weight on the start's hour; a missing
  start puts it on the end's hour; both missing: the event is left out (reported);
- a reversed window (end before start) is read with its ends swapped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

MINUTES_PER_WEEK = 7 * 24 * 60
# 1970-01-05 was a Monday: minutes are counted from there so that bin 0 is Monday 00–01.
_MONDAY = np.datetime64("1970-01-05T00:00", "m")


def _minutes(times: ArrayLike) -> NDArray[np.float64]:
    values = np.asarray(times, dtype="datetime64[m]")
    minutes = (values - _MONDAY).astype("timedelta64[m]").astype(float)
    minutes[np.isnat(values)] = np.nan
    return minutes


def days_per_weekday(first: date, last: date) -> NDArray[np.int64]:
    """How many Mondays … Sundays the period [first, last] holds."""
    days = (last - first).days + 1
    if days <= 0:
        raise ValueError("the period ends before it starts")
    counts = np.full(7, days // 7)
    for k in range(days % 7):
        counts[(first.weekday() + k) % 7] += 1
    return counts


@dataclass(frozen=True)
class WeekdayHour:
    counts: NDArray[np.float64]  # (7, 24) events, Monday first
    per_day: NDArray[np.float64]  # (7, 24) events per occurrence of that weekday


def weekday_hour(
    times: ArrayLike, first: date, last: date, weights: ArrayLike | None = None
) -> WeekdayHour:
    """Weekday × hour counts, and the same divided by how many of each weekday the period has
    (a period with five Fridays and four Saturdays would otherwise favour Fridays)."""
    minutes = _minutes(times)
    valid = ~np.isnan(minutes)
    hour_of_week = (minutes[valid] % MINUTES_PER_WEEK // 60).astype(int)
    w = None if weights is None else np.asarray(weights, float)[valid]
    counts = np.bincount(hour_of_week, weights=w, minlength=168).reshape(7, 24).astype(float)
    return WeekdayHour(counts, counts / days_per_weekday(first, last)[:, None])


@dataclass(frozen=True)
class AoristicResult:
    weights: NDArray[np.float64]  # (events, 168): each row sums to 1 (0 for left-out events)
    left_out: int

    @property
    def weekday_hour(self) -> NDArray[np.float64]:
        return self.weights.sum(axis=0).reshape(7, 24)


def _minutes_in_bins(edge: NDArray[np.float64]) -> NDArray[np.float64]:
    """For each time (minutes since a Monday), minutes since that Monday spent in each of the
    168 hour bins, cumulatively: G_b(x) = ⌊x / week⌋ · 60 + clip(x mod week − 60 b, 0, 60)."""
    starts = np.arange(168) * 60.0
    weeks = np.floor(edge / MINUTES_PER_WEEK)
    within = edge - weeks * MINUTES_PER_WEEK
    return weeks[:, None] * 60 + np.clip(within[:, None] - starts[None, :], 0, 60)


def aoristic(start: ArrayLike, end: ArrayLike, chunk: int = 20_000) -> AoristicResult:
    s, e = _minutes(start), _minutes(end)
    s, e = np.where(np.isnan(s), e, s), np.where(np.isnan(e), s, e)
    s, e = np.fmin(s, e), np.fmax(s, e)
    out = np.zeros((s.size, 168))
    known = ~np.isnan(s)
    point = known & (e - s < 1)
    bins = (s[point] % MINUTES_PER_WEEK // 60).astype(int)
    out[np.nonzero(point)[0], bins] = 1.0
    window = np.nonzero(known & ~point)[0]
    for begin in range(0, window.size, chunk):
        rows = window[begin : begin + chunk]
        spread = _minutes_in_bins(e[rows]) - _minutes_in_bins(s[rows])
        out[rows] = spread / (e[rows] - s[rows])[:, None]
    return AoristicResult(out, int((~known).sum()))


def monthly_index(dates: ArrayLike, first: date, last: date) -> NDArray[np.float64]:
    """Events per day in each calendar month (Jan … Dec) relative to the period's mean per day;
    1.0 is an average month. Months the period does not cover are NaN."""
    values = np.asarray(dates, dtype="datetime64[D]")
    months = values.astype("datetime64[M]").astype(int) % 12
    counts = np.bincount(months, minlength=12).astype(float)
    all_days = np.arange(
        np.datetime64(first, "D"), np.datetime64(last, "D") + np.timedelta64(1, "D")
    )
    exposure = np.bincount(all_days.astype("datetime64[M]").astype(int) % 12, minlength=12)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_day = counts / exposure
        return per_day / (counts.sum() / exposure.sum())


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _weekday_between(year: int, month: int, first_day: int, weekday: int) -> date:
    start = date(year, month, first_day)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def swedish_holidays(year: int, include_eves: bool = True) -> dict[date, str]:
    """Public holidays (Lag 1989:253), and the eves that matter as much for crime patterns."""
    easter = easter_sunday(year)
    midsummer = _weekday_between(year, 6, 20, 5)  # Saturday 20–26 June
    all_saints = _weekday_between(year, 10, 31, 5)  # Saturday 31 Oct – 6 Nov
    days = {
        date(year, 1, 1): "Nyårsdagen",
        date(year, 1, 6): "Trettondedag jul",
        easter - timedelta(days=2): "Långfredagen",
        easter: "Påskdagen",
        easter + timedelta(days=1): "Annandag påsk",
        date(year, 5, 1): "Första maj",
        easter + timedelta(days=39): "Kristi himmelsfärdsdag",
        easter + timedelta(days=49): "Pingstdagen",
        date(year, 6, 6): "Sveriges nationaldag",
        midsummer: "Midsommardagen",
        all_saints: "Alla helgons dag",
        date(year, 12, 25): "Juldagen",
        date(year, 12, 26): "Annandag jul",
    }
    if include_eves:
        days |= {
            easter - timedelta(days=1): "Påskafton",
            date(year, 4, 30): "Valborgsmässoafton",
            midsummer - timedelta(days=1): "Midsommarafton",
            date(year, 12, 24): "Julafton",
            date(year, 12, 31): "Nyårsafton",
        }
    return dict(sorted(days.items()))


def weekly_index(dates: ArrayLike, first: date, last: date) -> NDArray[np.float64]:
    """Events per day in each ISO week (index 0 = week 1 … 52 = week 53) relative to the
    period's mean per day; weeks the period does not cover are NaN."""

    def iso_weeks(days: NDArray[np.datetime64]) -> NDArray[np.int64]:
        # ISO week of each day: the week of its Thursday.
        weekday = (days.astype("datetime64[D]").astype(int) - 4) % 7  # 0 = Monday
        thursday = days + (3 - weekday).astype("timedelta64[D]")
        jan1 = thursday.astype("datetime64[Y]").astype("datetime64[D]")
        return ((thursday - jan1).astype(int) // 7).astype(np.int64)

    values = np.asarray(dates, dtype="datetime64[D]")
    span = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + np.timedelta64(1, "D"))
    counts = np.bincount(iso_weeks(values), minlength=53).astype(float)
    exposure = np.bincount(iso_weeks(span), minlength=53)
    with np.errstate(divide="ignore", invalid="ignore"):
        return counts / exposure / (counts.sum() / exposure.sum())
