"""The dashboard's figures, from the same snapshot and filters as the map (categories, areas,
organisations, status and source apply; each block has its own time window, stated with it).
Every number a viewer sees is suppressed under the small-count threshold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import numpy as np
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from numpy.typing import NDArray

from samtrygg.analysis.alerts import farrington
from samtrygg.analysis.counts import change, concentration
from samtrygg.areas.models import Area
from samtrygg.incidents.models import Category
from samtrygg.incidents.weekly import missing_reporters
from samtrygg.tenancy.roles import Role

from .aggregates import emerging_by_area, weekly_counts
from .filters import SituationFilters, filter_mask, statistics_mask
from .layers import View, area_counts
from .localtime import day_number, local_days, local_minutes
from .near_repeat import CATEGORIES as NEAR_REPEAT_CATEGORIES
from .near_repeat import near_repeat
from .release import BANDS

TREND_WEEKS = 52
HISTORY_WEEKS = 3 * 52 + 4  # for the seasonal baseline of the 52 weeks shown
TOP_CATEGORIES = 6
EMERGING_WEEKS = 12

EMERGING_LABELS = {
    "new": gettext_lazy("new hot spot"),
    "consecutive": gettext_lazy("consecutive hot spot"),
    "intensifying": gettext_lazy("intensifying hot spot"),
    "persistent": gettext_lazy("persistent hot spot"),
    "diminishing": gettext_lazy("diminishing hot spot"),
    "sporadic": gettext_lazy("sporadic hot spot"),
    "oscillating": gettext_lazy("oscillating hot spot"),
    "historical": gettext_lazy("historical hot spot"),
}


@dataclass
class Dashboard:
    view: View

    @property
    def today(self) -> date:
        return timezone.localdate()

    @cached_property
    def _base(self) -> NDArray[np.bool_]:
        return self._compute_base()

    def base(self) -> NDArray[np.bool_]:
        return self._base

    @cached_property
    def _days(self) -> NDArray[np.int64]:
        return local_days(self.view.snap["start"])

    def _compute_base(self) -> NDArray[np.bool_]:
        """Counted incidents the user's aggregates include, with every filter except time."""
        wide = SituationFilters(
            categories=self.view.filters.categories,
            areas=self.view.filters.areas,
            organisations=self.view.filters.organisations,
            statuses=self.view.filters.statuses,
            sources=self.view.filters.sources,
        )
        snap = self.view.snap
        every_time = (date(1970, 1, 2), date(9999, 12, 30))
        return statistics_mask(snap, self.view.access) & filter_mask(snap, wide, every_time)

    def days(self) -> NDArray[np.int64]:
        return self._days

    def _count(
        self, mask: NDArray[np.bool_], days: NDArray[np.int64], first: date, last: date
    ) -> int:
        return int((mask & (days >= day_number(first)) & (days <= day_number(last))).sum())

    def key_figures(self) -> list[dict[str, Any]]:
        """This week so far against last week, the 4 weeks before, and the same week last year."""
        if self.view.aggregates_only:
            return self._released_key_figures()
        mask, days = self.base(), self.days()
        monday = self.today - timedelta(days=self.today.weekday())
        elapsed = (self.today - monday).days  # compare like with like: the same weekdays
        this_week = self._count(mask, days, monday, self.today)
        last_week = self._count(mask, days, monday - timedelta(7), self.today - timedelta(7))
        four = [
            self._count(
                mask,
                days,
                monday - timedelta(7 * k),
                monday - timedelta(7 * k) + timedelta(elapsed),
            )
            for k in range(1, 5)
        ]
        year_ago = monday - timedelta(days=364)
        last_year = self._count(mask, days, year_ago, year_ago + timedelta(elapsed))
        suppress = self.view.suppress
        rows = [
            (_("This week so far"), this_week, None),
            (_("The same days last week"), last_week, this_week),
            (_("Average of the 4 weeks before"), round(sum(four) / 4, 1), this_week),
            (_("The same week last year"), last_year, this_week),
        ]
        out = []
        for label, value, current in rows:
            shown = (
                suppress(int(round(value)))
                if isinstance(value, int)
                else (None if self.view.aggregates_only and value < self.view.threshold else value)
            )
            percent = None
            if (
                current is not None
                and value
                and shown is not None
                and suppress(current) is not None
            ):
                percent = round((current - value) / value * 100)
            out.append({"label": label, "value": shown, "change_percent": percent})
        return out

    def _released_key_figures(self) -> list[dict[str, Any]]:
        """For aggregates-only users: completed weeks only (a week in progress grows day by day,
        and two days' figures would tell the day between), from the release."""
        release = self.view.release
        weeks = [release.week(k).shown_total() for k in range(len(release.weeks))]
        last, before, year_ago = weeks[-1], weeks[-2], weeks[0]
        four = weeks[-5:-1]
        # An average of four weeks is their sum: shown only when each week may be shown.
        average = None if None in four else round(sum(w or 0 for w in four) / 4, 1)
        rows = [
            (_("Last week"), last, None),
            (_("The week before"), before, last),
            (_("Average of the 4 weeks before"), average, last),
            (_("The same week last year"), year_ago, last),
        ]
        return [
            {
                "label": label,
                "value": value,
                "change_percent": round((current - value) / value * 100)
                if current is not None and value
                else None,
            }
            for label, value, current in rows
        ]

    def weekly_trend(self) -> dict[str, Any]:
        """Weekly counts per category over 52 weeks, the seasonal baseline band (previous
        years' same weeks ± 3) and Farrington alerts."""
        if self.view.aggregates_only:
            return self._released_trend()
        mask, days = self.base(), self.days()
        monday = self.today - timedelta(days=self.today.weekday())
        first_monday = monday - timedelta(weeks=HISTORY_WEEKS - 1)
        week = (days - day_number(first_monday)) // 7
        valid = mask & (week >= 0) & (week < HISTORY_WEEKS)
        categories = self.view.snap["category"][valid]
        labels = dict(
            Category.objects.filter(municipality=self.view.access.municipality).values_list(
                "pk", "label_sv"
            )
        )
        recent = week[valid] >= HISTORY_WEEKS - TREND_WEEKS
        totals = np.bincount(categories[recent], minlength=max(labels, default=0) + 1)
        top = [int(c) for c in np.argsort(totals)[::-1][:TOP_CATEGORIES] if totals[c] > 0]
        series_ids = top
        counts = weekly_counts(categories, week[valid], series_ids, HISTORY_WEEKS)
        alerts = farrington(counts) if len(series_ids) else None
        shown = slice(HISTORY_WEEKS - TREND_WEEKS, HISTORY_WEEKS)
        week_starts = [first_monday + timedelta(weeks=k) for k in range(HISTORY_WEEKS)][shown]
        out = []
        for row, category in enumerate(series_ids):
            baseline = alerts.baseline[row, shown] if alerts else np.full(TREND_WEEKS, np.nan)
            upper = (
                alerts.threshold[row, shown]
                if alerts is not None and not isinstance(alerts.threshold, float)
                else np.full(TREND_WEEKS, np.nan)
            )
            values = counts[row, shown]
            out.append(
                {
                    "category": labels.get(category, ""),
                    "counts": [self.view.suppress(int(v)) for v in values],
                    "baseline": [None if np.isnan(b) else round(float(b), 1) for b in baseline],
                    "upper": [None if not np.isfinite(u) else round(float(u), 1) for u in upper],
                    "alerts": [int(k) for k in np.flatnonzero(alerts.alert[row, shown])]
                    if alerts
                    else [],
                }
            )
        return {
            "weeks": [f"{d.isocalendar()[0]}-v{d.isocalendar()[1]:02d}" for d in week_starts],
            "series": out,
        }

    def _released_trend(self) -> dict[str, Any]:
        """For aggregates-only users: the total of each of the last 52 completed weeks from the
        release; no split by category (each split is one more table to subtract) and no
        baseline band (its values are averages of weeks that are not shown)."""
        release = self.view.release
        weeks = [
            release.weeks[k] for k in range(len(release.weeks) - TREND_WEEKS, len(release.weeks))
        ]
        return {
            "weeks": [f"{w[0].isocalendar()[0]}-v{w[0].isocalendar()[1]:02d}" for w in weeks],
            "series": [
                {
                    "category": _("All categories"),
                    "counts": [release.periods[w].shown_total() for w in weeks],
                    "baseline": [None] * len(weeks),
                    "upper": [None] * len(weeks),
                    "alerts": [],
                }
            ],
        }

    def weekday_hour(self) -> dict[str, Any]:
        """Weekday × hour over the chosen period (the time an incident happened, or the start of
        its window); for aggregates-only users weekday × four broad time bands, released."""
        view = self.view
        if view.aggregates_only:
            cells = view.published.tables["when"].shown()
            bands = len(BANDS)
            return {
                "columns": [str(b) for b in BANDS],
                "matrix": [cells[day * bands : (day + 1) * bands] for day in range(7)],
            }
        local = local_minutes(view.snap["start"][view.selected])
        weekday = ((local // 1440) + 3) % 7  # 1970-01-01 was a Thursday (3)
        hour = (local % 1440) // 60
        matrix = np.bincount(weekday * 24 + hour, minlength=168).reshape(7, 24)
        return {
            "columns": [f"{h:02d}" for h in range(24)],
            "matrix": [[int(v) for v in row] for row in matrix],
        }

    def top_areas(self) -> list[dict[str, Any]]:
        """Areas with the most incidents in the period, the change against the period before
        and whether it is significant (exact Poisson test)."""
        view = self.view
        rows = list(
            Area.objects.filter(municipality=view.access.municipality).values_list("pk", "name")
        )
        current, previous = area_counts(view, [pk for pk, _name in rows])
        out: list[dict[str, Any]] = []
        for (pk, name), now, then in zip(rows, current, previous, strict=True):
            # A test of two counts of which one is hidden would tell it: both shown, or none.
            test = change(now, then) if now is not None and then is not None else None
            out.append(
                {
                    "id": pk,
                    "name": name,
                    "count": now,
                    "previous": then,
                    "change_percent": round(test.percent_change) if test and then else None,
                    "p": round(test.p, 3) if test else None,
                    "significant": bool(test and test.p < 0.05),
                }
            )
        out.sort(key=lambda r: -(r["count"] or 0))
        return out[:10]

    def concentration(self) -> dict[str, Any]:
        """Share of the period's incidents in the 10 % of 250 m squares with most incidents,
        among the squares with any incident in the last 12 months."""
        view = self.view
        if view.geometry is None:
            return {"share_top10": None, "places": 0}
        if view.aggregates_only:
            # The released squares of the period only: nothing the grid does not show.
            released = view.cell_counts[view.cell_counts > 0].astype(np.int64)
            if released.size == 0:
                return {"share_top10": None, "places": 0}
            shares = concentration(released, (0.10,))
            return {"share_top10": round(shares[0.10] * 100), "places": int(released.size)}
        year_mask = self.base() & (self.days() >= day_number(self.today - timedelta(days=365)))
        snap = view.snap
        cells_year = view.geometry.cell_of(snap["x"][year_mask], snap["y"][year_mask])
        places = np.unique(cells_year[cells_year >= 0])
        if places.size == 0:
            return {"share_top10": None, "places": 0}
        cells = view.cells[view.cells >= 0]
        counts = np.bincount(
            np.searchsorted(places, cells[np.isin(cells, places)]), minlength=places.size
        )
        shares = concentration(counts, (0.10,))
        return {"share_top10": round(shares[0.10] * 100), "places": int(places.size)}

    def near_repeat(self) -> dict[str, Any] | None:
        """The Knox test on fires, vandalism and graffiti of the last 12 months: is the risk of
        another within 200 m raised in the following 7 days? Cached for the day."""
        view = self.view
        if view.aggregates_only:
            return None  # a test over a rolling year of single incidents' times and places
        coordinator = int(view.access.role or 0) >= Role.COORDINATOR
        # Once a day: a test over a year of incidents does not change with today's reports.
        key = f"near-repeat:{view.access.municipality.pk}:{self.today}:{coordinator}"
        cached = cache.get(key)
        if cached is not None:
            return cached or None
        codes = dict(
            Category.objects.filter(
                municipality=view.access.municipality, code__in=NEAR_REPEAT_CATEGORIES
            ).values_list("pk", "label_sv")
        )
        snap = view.snap
        days = self.days()
        mask = (
            statistics_mask(snap, view.access)
            & np.isin(snap["category"], list(codes))
            & (days >= day_number(self.today - timedelta(days=365)))
            & ~np.isnan(snap["x"])
        )
        chosen = np.flatnonzero(mask)
        result: dict[str, Any] = (
            near_repeat(snap["x"][chosen], snap["y"][chosen], days[chosen]) or {}
        )
        if result:
            result["categories"] = sorted(codes.values())
        cache.set(key, result, 60 * 60 * 24)
        return result or None

    def emerging(self) -> list[dict[str, Any]]:
        """Emerging hot-spot classes of the 250 m squares over the last 12 weeks, by area.
        Cached until the incidents change (any new or changed incident invalidates it)."""
        view = self.view
        key = "emerging:" + ":".join(
            str(part)
            for part in (
                view.access.municipality.pk,
                self.today,
                view.filters.query(),
                view.access.role,
                sorted(view.access.organisation_ids),
                view.snap.size,
                view.snap.last_change,
            )
        )
        cached = cache.get(key)
        if cached is None:
            cached = self._emerging()
            cache.set(key, cached, 60 * 60)
        return list(cached)

    def _emerging(self) -> list[dict[str, Any]]:
        view = self.view
        if view.geometry is None:
            return []
        monday = self.today - timedelta(days=self.today.weekday())
        if view.aggregates_only:
            monday -= timedelta(weeks=1)  # completed weeks only: no class changes by the day
        first = monday - timedelta(weeks=EMERGING_WEEKS - 1)
        names = dict(
            Area.objects.filter(municipality=view.access.municipality).values_list("pk", "name")
        )
        rows = emerging_by_area(
            view.snap,
            self.base(),
            self.days(),
            view.geometry,
            first,
            EMERGING_WEEKS,
            names,
            min_active=3,
        )
        return [{**row, "kind": str(EMERGING_LABELS.get(row["kind"], row["kind"]))} for row in rows]

    def missing_reports(self) -> list[str] | None:
        """Reporters without a report for last week (coordinators only)."""
        access = self.view.access
        if access.role is None or access.role < Role.COORDINATOR:
            return None
        year, week, _day = (self.today - timedelta(days=7)).isocalendar()
        return [
            f"{m.user.full_name or m.user.email} ({m.organisation.name})"
            for m in missing_reporters(access.municipality, year, week)
        ]
