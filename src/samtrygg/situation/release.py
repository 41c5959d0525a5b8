"""The release: every number that aggregates-only users (viewers, the regional role) and the
public page may read about one municipality on one day, protected once and together.

Why one release and not suppression where each number is shown: two outputs that count the
same incidents differently protected can be subtracted (the map's "5 in all" against the weekly
picture's "3 and a hidden area"), and two periods of which one holds the other can be subtracted
(last quarter against its last month). So the release holds one set of tables per period, each
period a completed calendar period, and the decisions what to hide are made over all of them
(situation/disclosure.py: ``protect``), before any page, layer, CSV or document reads them.

What is in it, for the municipality's shared incidents (counted, restricted categories left
out — the same for every aggregates-only audience):

* the four completed calendar periods a viewer chooses among (ISO week, month, quarter, year)
  and the period before each: total, by area, by category, by weekday and time band (one table
  of 7 × 4 cells), and for the four themselves by 250 m square;
* the 53 completed ISO weeks (a year, and the same week a year earlier): totals;
* the last four calendar quarters: by area (the public page).

Built in well under a second from the in-memory snapshot; cached until the incidents change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from numpy.typing import NDArray

from samtrygg.areas.models import Area
from samtrygg.incidents.models import Category
from samtrygg.tenancy.models import Municipality

from . import disclosure
from .aggregates import per_area, shared_mask
from .disclosure import CALENDAR_PERIODS, Period, Table, calendar_dates
from .geometry import geometry_for
from .localtime import day_number, local_days, local_minutes
from .snapshot import PRECISIONS, snapshot

SERIES_WEEKS = 53
PUBLIC_QUARTERS = 4
# Time of day only in broad bands: an hour would place a single incident in time.
BANDS = (_("00–06"), _("06–12"), _("12–18"), _("18–24"))
BAND_HOURS = 6
MAPPED = [PRECISIONS.index("exact"), PRECISIONS.index("approximate")]
DETAILED = ("area", "category", "when")


@dataclass
class Release:
    """The protected tables of one municipality on one day."""

    today: date
    periods: dict[tuple[date, date], Period] = field(default_factory=dict)
    kinds: dict[str, tuple[date, date]] = field(default_factory=dict)
    weeks: list[tuple[date, date]] = field(default_factory=list)
    quarters: list[tuple[str, tuple[date, date]]] = field(default_factory=list)
    area_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)

    def period(self, kind: str) -> Period:
        """'week', '4weeks' (the calendar month), 'quarter', 'year', or 'previous:' + one."""
        return self.periods[self.kinds[kind]]

    def week(self, index: int) -> Period:
        return self.periods[self.weeks[index]]


def previous_dates(kind: str, today: date) -> tuple[date, date]:
    first, _last = calendar_dates(kind, today)
    return calendar_dates(kind, first)


def quarter_dates(today: date) -> list[tuple[str, tuple[date, date]]]:
    """The last four completed calendar quarters, oldest first, with labels like "2026 K3"."""
    out = []
    day = today
    for _quarter in range(PUBLIC_QUARTERS):
        first, last = calendar_dates("quarter", day)
        out.append((f"{first.year} K{(first.month - 1) // 3 + 1}", (first, last)))
        day = first
    return out[::-1]


def release_for(municipality: Municipality, today: date | None = None) -> Release:
    """The municipality's release for today, cached until an incident changes."""
    today = today or timezone.localdate()
    snap = snapshot(municipality.pk)
    key = f"release:{municipality.pk}:{today}:{snap.size}:{snap.last_change}:{snap.max_id}"
    release = cache.get(key)
    if release is None:
        release = build(municipality, today)
        cache.set(key, release, 60 * 60)
    return release


def build(municipality: Municipality, today: date) -> Release:
    snap = snapshot(municipality.pk)
    shared = shared_mask(snap, municipality)
    days = local_days(snap["start"][shared])
    minutes = local_minutes(snap["start"][shared])
    weekday = ((minutes // 1440) + 3) % 7  # 1970-01-01 was a Thursday (3)
    when = weekday * len(BANDS) + (minutes % 1440) // 60 // BAND_HOURS
    release = Release(
        today=today,
        area_ids=list(Area.objects.filter(municipality=municipality).values_list("pk", flat=True)),
        category_ids=list(
            Category.objects.filter(municipality=municipality)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
    )
    areas = np.array(release.area_ids, dtype=np.int64)
    categories = np.array(release.category_ids, dtype=np.int64)
    geometry = geometry_for(municipality)
    mapped = np.isin(snap["precision"][shared], MAPPED) & ~np.isnan(snap["x"][shared])

    def add(dates: tuple[date, date], dims: tuple[str, ...]) -> tuple[date, date]:
        inside = (days >= day_number(dates[0])) & (days <= day_number(dates[1]))
        period = release.periods.setdefault(
            dates, Period(first=dates[0], last=dates[1], total=int(inside.sum()))
        )
        for dim in dims:
            if dim in period.tables:
                continue
            counts: NDArray[Any]
            if dim == "area":
                counts = per_area(snap["area"][shared][inside], areas)
            elif dim == "category":
                found = snap["category"][shared][inside]
                counts = np.array([(found == pk).sum() for pk in categories.tolist()])
            elif dim == "when":
                counts = np.bincount(when[inside], minlength=7 * len(BANDS))
            else:  # "cell": 250 m squares, in the order of geometry.inside
                chosen = inside & mapped
                assert geometry is not None  # noqa: S101  (only added with a geometry)
                counts = geometry.inside_counts(
                    snap["x"][shared][chosen], snap["y"][shared][chosen]
                )
            period.tables[dim] = Table(np.asarray(counts, dtype=np.int64))
        return dates

    for kind in CALENDAR_PERIODS:
        cells = ("cell",) if geometry is not None else ()
        release.kinds[kind] = add(calendar_dates(kind, today), (*DETAILED, *cells))
        release.kinds[f"previous:{kind}"] = add(previous_dates(kind, today), DETAILED)
    monday = today - timedelta(days=today.weekday())
    for k in range(SERIES_WEEKS, 0, -1):
        first = monday - timedelta(weeks=k)
        release.weeks.append(add((first, first + timedelta(days=6)), ()))
    release.quarters = [(label, add(dates, ("area",))) for label, dates in quarter_dates(today)]
    disclosure.protect(list(release.periods.values()))
    return release
