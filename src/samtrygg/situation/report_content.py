"""What the statutory lägesbild says, computed from the data for a period.

The document is meant for every actor and for the public (allmän handling): restricted
categories are left out and every count under the small-count threshold is suppressed. The
result is plain JSON, so an approved version can be frozen and printed again unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Q
from django.utils import translation
from numpy.typing import NDArray

from samtrygg.analysis.alerts import farrington
from samtrygg.analysis.counts import change, concentration
from samtrygg.analysis.hotspots import gi_star
from samtrygg.areas.models import Area
from samtrygg.areas.population import many_by_day
from samtrygg.exchange.police_types import counts_by_category, events_for
from samtrygg.incidents.models import Category
from samtrygg.tenancy.models import Municipality, Organisation

from .aggregates import emerging_by_area, per_area, shared_mask, weekly_counts
from .disclosure import hide, protect_areas, protect_breakdown
from .geometry import MunicipalityGeometry, geometry_for
from .localtime import day_number, local_days, local_minutes
from .models import ImportedTable
from .near_repeat import near_repeat
from .release import BAND_HOURS, BANDS
from .snapshot import Snapshot, snapshot

MONTHS_SV = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
CONFIDENCE = {3: 99, 2: 95, 1: 90}


@dataclass
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period before, of equal length: the same number of calendar months back when the
        period is whole months (2024 before 2025, not 2 January–31 December 2024), else as
        many days back."""
        if self.first.day == 1 and (self.last + timedelta(days=1)).day == 1:
            start = self.first.year * 12 + self.first.month - 1
            months = self.last.year * 12 + self.last.month - start
            earlier = start - months
            return Period(date(earlier // 12, earlier % 12 + 1, 1), self.first - timedelta(days=1))
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))


def _mask(snap: Snapshot, municipality: Municipality, period: Period) -> NDArray[np.bool_]:
    days = local_days(snap["start"])
    return (
        shared_mask(snap, municipality)
        & (days >= day_number(period.first))
        & (days <= day_number(period.last))
    )


def build(municipality: Municipality, first: date, last: date) -> dict[str, Any]:
    return build_for(municipality, Period(first, last))


def build_for(municipality: Municipality, period: Period) -> dict[str, Any]:
    """The content for ``period``, compared with ``period.previous()`` (the period before, or
    for a tertial analysis the same period a year earlier: situation/period_analysis.py)."""
    first, last = period.first, period.last
    snap = snapshot(municipality.pk)
    now_mask = _mask(snap, municipality, period)
    before_mask = _mask(snap, municipality, period.previous())
    geometry = geometry_for(municipality)
    categories = {c.pk: c.label_sv for c in Category.objects.filter(municipality=municipality)}
    total, previous = int(now_mask.sum()), int(before_mask.sum())
    comparison = _comparison(snap, now_mask, before_mask, period)
    test = change(total, previous) if comparison["comparable"] else None
    content: dict[str, Any] = {
        "municipality": municipality.name,
        "period": [first.isoformat(), last.isoformat()],
        "previous_period": [
            period.previous().first.isoformat(),
            period.previous().last.isoformat(),
        ],
        "threshold": settings.SMALL_COUNT_THRESHOLD,
        "total": hide(total),
        "previous_total": hide(previous),
        "change_percent": round(test.percent_change) if test and previous else None,
        "change_p": round(test.p, 4) if test else None,
        "comparison": comparison,
        "by_category": _by_category(snap, now_mask, before_mask, categories),
        "by_area": _by_area(snap, municipality, now_mask, before_mask),
        "monthly": _monthly(snap, now_mask, period),
        "weekday_hour": _weekday_hour(snap, now_mask),
        "consequences": _consequences(snap, now_mask, categories),
        "reported_crime": reported_crime(municipality, period),
        "surveys": surveys(municipality, period),
        "fires": fires(municipality, period),
        "police": _police(municipality, period),
        "tables": _tables(municipality),
        "sources": _sources(snap, municipality, now_mask, period),
    }
    if geometry is not None:
        content.update(_spatial(snap, municipality, geometry, now_mask, period, categories))
    content["alerts"] = _alerts(snap, municipality, period, categories)
    return content


# A change in how many organisations report is a change in coverage, not in crime.
COVERAGE_CHANGE = 0.25
# The first incident may come a few days after the comparison period begins without the data
# being incomplete (nothing may have happened on 1 January).
DATA_START_GRACE = timedelta(days=14)


def _comparison(
    snap: Snapshot, now: NDArray[np.bool_], before: NDArray[np.bool_], period: Period
) -> dict[str, Any]:
    """Whether the period may be compared with the one before: only when the municipality's
    data cover the whole comparison period and about as many organisations reported in both.
    Otherwise no change and no significance is claimed, and the reason is said."""
    days = local_days(snap["start"][snap.counted])
    since = date(1970, 1, 1) + timedelta(days=int(days.min())) if days.size else None
    organisations = (
        len(set(snap["organisation"][now].tolist()) - {-1}),
        len(set(snap["organisation"][before].tolist()) - {-1}),
    )
    previous = period.previous()
    reason = None
    if since is None or since > previous.first + DATA_START_GRACE:
        reason = "incomplete"
    elif not organisations[1] or abs(organisations[0] - organisations[1]) > (
        COVERAGE_CHANGE * organisations[1]
    ):
        reason = "coverage"
    return {
        "comparable": reason is None,
        "reason": reason,
        "since": since.isoformat() if since else None,
        "organisations": organisations,
        "per_organisation": [
            round(int(mask.sum()) / n, 1) if n else None
            for mask, n in ((now, organisations[0]), (before, organisations[1]))
        ],
    }


SMALL_POPULATION = 1000  # as areas.population.SMALL_POPULATION
REPORTED_CRIME_YEARS = 10
# What each crime group's count does and does not say (Brå's standard caveats, in short).
CRIME_CAVEATS = {
    "bostadsinbrott": "anmäls nästan alltid, eftersom försäkringen kräver det",
    "skadegorelse": "mycket skadegörelse anmäls inte; klotter anmäls ofta i stora omgångar",
    "misshandel": "stort mörkertal, särskilt i nära relationer",
    "narkotikabrott": "upptäcks främst genom polisens egna insatser: fler anmälda brott kan "
    "betyda mer polisarbete, inte mer narkotika",
    "bedrageri": "anmäls där den drabbade bor, även när gärningspersonen finns långt bort",
    "stold": "anmälningsbenägenheten beror på värdet och på försäkringen",
}


def reported_crime(municipality: Municipality, period: Period) -> dict[str, Any]:
    """Reported crime per 100 000 inhabitants (Brå's counts, SCB's population) for the
    municipality, its county and the country, over up to ten years to the period's year: what
    a lägesbild compares with reference data (Brå's definition of a lägesbild)."""
    from samtrygg.exchange.reference_stats import crime_rates

    years = range(period.last.year - REPORTED_CRIME_YEARS + 1, period.last.year + 1)
    rates = [r for r in crime_rates(municipality.scb_code, years) if r.kommun is not None]
    if not rates:
        return {"groups": [], "years": []}
    shown_years = sorted({r.year for r in rates})
    latest = shown_years[-1]
    groups = []
    for group in dict.fromkeys(r.crime_group for r in rates):
        mine = {r.year: r for r in rates if r.crime_group == group}
        now = mine.get(latest)
        first = mine[min(mine)]
        groups.append(
            {
                "label": first.crime_group_label,
                "kommun": now.kommun if now else None,
                "county": now.county if now else None,
                "country": now.country if now else None,
                "group": now.group if now else None,
                "first_year": min(mine),
                "first": first.kommun,
                "series": [
                    [
                        year,
                        mine[year].kommun,
                        mine[year].county,
                        mine[year].country,
                        mine[year].group,
                    ]
                    for year in sorted(mine)
                ],
                "caveat": CRIME_CAVEATS.get(group, ""),
            }
        )
    from samtrygg.exchange.models import ReportedCrime
    from samtrygg.exchange.municipality_groups import group_of

    skr = group_of(municipality.scb_code)
    sources = sorted(
        set(
            ReportedCrime.objects.filter(
                region_code=municipality.scb_code, year__in=list(years)
            ).values_list("source", flat=True)
        )
    )
    return {
        "groups": groups,
        "years": [shown_years[0], latest],
        "latest": latest,
        "sources": [s for s in sources if s],
        # The SKR group's name and size, also when its rate cannot be computed (the note says why).
        "municipality_group": (
            {"code": skr.code, "label": skr.label, "size": len(skr.members)} if skr else None
        ),
    }


SURVEY_YEARS = 6


def surveys(municipality: Municipality, period: Period) -> list[dict[str, Any]]:
    """Trygghet and victimisation from surveys, for the whole municipality and everybody: each
    question's latest figure up to the period's year with its 95 % interval and number
    answering, and its first figure of the last six years (the trend)."""
    from samtrygg.exchange.surveys import survey_trends

    years = range(period.last.year - SURVEY_YEARS + 1, period.last.year + 1)
    out = []
    for trend in survey_trends(municipality, years):
        if trend.area or trend.group or not trend.points:
            continue
        latest, first = trend.points[-1], trend.points[0]
        out.append(
            {
                "survey": trend.survey,
                "question": trend.question,
                "year": latest.year,
                "share": latest.share,
                "low": latest.low,
                "high": latest.high,
                "respondents": latest.respondents,
                "first_year": first.year,
                "first_share": first.share,
            }
        )
    return out


def fires(municipality: Municipality, period: Period) -> dict[str, Any]:
    """The räddningstjänst's fires (MSB's statistics) per category: the latest year up to the
    period's with a count, per 100 000 inhabitants, and the count five years before."""
    from samtrygg.exchange.surveys import fire_rates

    years = fire_rates(municipality.scb_code, range(period.last.year - 9, period.last.year + 1))
    counted = [y for y in years if any(c.count is not None for c in y.categories)]
    if not counted:
        return {"rows": []}
    latest = counted[-1]
    earlier = {y.year: y for y in counted}.get(latest.year - 5)
    rows = []
    for index, category in enumerate(latest.categories):
        before = earlier.categories[index].count if earlier else None
        rows.append(
            {
                "category": category.category_label,
                "count": category.count,
                "per_100k": category.per_100k,
                "earlier": before,
            }
        )
    return {"rows": rows, "year": latest.year, "earlier_year": latest.year - 5}


def _by_category(
    snap: Snapshot, now: NDArray[np.bool_], before: NDArray[np.bool_], labels: dict[int, str]
) -> list[dict[str, Any]]:
    """Counts per category, the period and the one before, each column protected against its
    total (situation/disclosure.py: a hidden category cannot be worked out by subtraction)."""
    found = []
    for pk, label in labels.items():
        mine = now & (snap["category"] == pk)
        n, p = int(mine.sum()), int((before & (snap["category"] == pk)).sum())
        if n or p:
            found.append((label, mine, n, p))
    counts, _total = protect_breakdown([n for *_rest, n, _p in found], int(now.sum()))
    previous, _before = protect_breakdown([p for *_rest, p in found], int(before.sum()))
    rows = []
    for (label, mine, _n, _p), shown, earlier in zip(found, counts, previous, strict=True):
        police = snap["police"][mine]
        known = police >= 0
        rows.append(
            {
                "category": label,
                "count": shown,
                "previous": earlier,
                "cost": round(float(np.nansum(snap["cost"][mine]))) if shown is not None else None,
                "police_share": round(float((police[known] == 1).mean()) * 100)
                if known.sum() >= settings.SMALL_COUNT_THRESHOLD
                else None,
            }
        )
    return sorted(rows, key=lambda r: -(r["count"] or 0))


def _by_area(
    snap: Snapshot,
    municipality: Municipality,
    now: NDArray[np.bool_],
    before: NDArray[np.bool_],
) -> list[dict[str, Any]]:
    areas = list(
        Area.objects.filter(municipality=municipality).values_list(
            "pk", "name", "population", "day_population"
        )
    )
    ids = np.array([a[0] for a in areas], dtype=np.int64)
    current = protect_areas(per_area(snap["area"][now], ids).tolist(), int(now.sum()))
    previous = protect_areas(per_area(snap["area"][before], ids).tolist(), int(before.sum()))
    rows = []
    for (_pk, name, population, day), shown, earlier in zip(areas, current, previous, strict=True):
        rows.append(
            {
                "area": name,
                "count": shown,
                "previous": earlier,
                "population": population,
                "day_population": day,
                "rate": round(shown / population * 1000, 1) if shown and population else None,
                # A rate over few inhabitants moves far with a few incidents (areas/population).
                "small_population": population is not None and population < SMALL_POPULATION,
                # Many more here by day than live here: the rate overstates the residents' risk.
                "many_by_day": many_by_day(population, day),
            }
        )
    return sorted(rows, key=lambda r: r["area"])


def _monthly(snap: Snapshot, now: NDArray[np.bool_], period: Period) -> list[dict[str, Any]]:
    local = local_minutes(snap["start"][now]) // 1440
    months = np.datetime64("1970-01-01") + local.astype("timedelta64[D]")
    month_index = months.astype("datetime64[M]").astype(int)
    first_m = np.datetime64(period.first, "M").astype(int)
    last_m = np.datetime64(period.last, "M").astype(int)
    counts = np.bincount(month_index - first_m, minlength=last_m - first_m + 1)
    shown, _total = protect_breakdown([int(c) for c in counts], int(counts.sum()))
    out = []
    for k in range(last_m - first_m + 1):
        year, month = divmod(first_m + k, 12)
        out.append({"month": f"{MONTHS_SV[month]} {1970 + year}", "count": shown[k]})
    return out


def _weekday_hour(snap: Snapshot, now: NDArray[np.bool_]) -> list[list[int | None]]:
    """Weekday × four broad time bands (an hour would place a single incident in time), the
    28 cells protected against the period's total."""
    local = local_minutes(snap["start"][now])
    weekday = ((local // 1440) + 3) % 7
    band = (local % 1440) // 60 // BAND_HOURS
    cells = np.bincount(weekday * len(BANDS) + band, minlength=7 * len(BANDS))
    shown, _total = protect_breakdown([int(v) for v in cells], int(cells.sum()))
    return [shown[day * len(BANDS) : (day + 1) * len(BANDS)] for day in range(7)]


def _consequences(snap: Snapshot, now: NDArray[np.bool_], labels: dict[int, str]) -> dict[str, Any]:
    cost = snap["cost"][now]
    police = snap["police"][now]
    known = police >= 0
    by_category = {}
    for pk, label in labels.items():
        total = float(np.nansum(cost[snap["category"][now] == pk]))
        if total > 0:
            by_category[label] = round(total)
    top = sorted(by_category.items(), key=lambda item: -item[1])[:5]
    return {
        "cost_total": round(float(np.nansum(cost))),
        "with_cost": int((~np.isnan(cost)).sum()),
        "police_share": round(float((police[known] == 1).mean()) * 100) if known.any() else None,
        "police_known": int(known.sum()),
        "costliest": [{"category": c, "cost": v} for c, v in top],
        "severe_share": round(float((snap["severity"][now] == 3).mean()) * 100)
        if now.any()
        else None,
    }


def _spatial(
    snap: Snapshot,
    municipality: Municipality,
    geometry: MunicipalityGeometry,
    now: NDArray[np.bool_],
    period: Period,
    labels: dict[int, str],
) -> dict[str, Any]:
    mapped = now & ~np.isnan(snap["x"])
    counts = geometry.inside_counts(snap["x"][mapped], snap["y"][mapped])
    names = dict(Area.objects.filter(municipality=municipality).values_list("pk", "name"))
    hot: list[dict[str, Any]] = []
    hot_cells: list[int] = []
    if counts.sum() > 0:
        result = gi_star(counts, geometry.weights, fdr=True)
        hot_cells = np.flatnonzero(result.bins > 0).tolist()
        for k in hot_cells:
            area = geometry.cell_area[k]
            hot.append(
                {
                    "cell": int(geometry.inside[k]),
                    "area": names.get(area, "–") if area is not None else "–",
                    "confidence": CONFIDENCE[int(result.bins[k])],
                    "count": hide(int(counts[k])),
                }
            )
    by_area: dict[str, int] = {}
    incidents_by_area: dict[str, float] = {}
    for spot, k in zip(hot, hot_cells, strict=True):
        by_area[spot["area"]] = by_area.get(spot["area"], 0) + 1
        incidents_by_area[spot["area"]] = incidents_by_area.get(spot["area"], 0) + counts[k]
    # Each area's hot spots as shares of the municipality's surface and of the incidents with a
    # place ("Centrum: 0,4 % av ytan, 23 % av händelserna"): the plain way to say it.
    shares = [
        {
            "area": area,
            "squares": n,
            "surface_percent": n / len(geometry.inside) * 100,
            "incident_percent": float(incidents_by_area[area] / counts.sum() * 100),
        }
        for area, n in sorted(by_area.items(), key=lambda item: -item[1])
    ]
    places = counts[counts > 0]
    share = concentration(places, (0.10,))[0.10] if places.size else None
    return {
        "hotspots": hot,
        "hotspot_areas": sorted(by_area.items(), key=lambda item: -item[1]),
        "hotspot_shares": shares,
        "concentration_top10": round(share * 100) if share is not None else None,
        "places_with_incidents": int(places.size),
        "near_repeat": _near_repeat(snap, municipality, now),
        "emerging": _emerging(snap, municipality, geometry, period, names),
    }


def _near_repeat(
    snap: Snapshot, municipality: Municipality, now: NDArray[np.bool_]
) -> dict[str, Any] | None:
    """Knox test on fires, vandalism and graffiti: raised risk within 200 m and 7 days?"""
    wanted = list(
        Category.objects.filter(
            municipality=municipality, code__in=("brand", "skadegorelse", "klotter")
        ).values_list("pk", flat=True)
    )
    chosen = np.flatnonzero(now & np.isin(snap["category"], wanted) & ~np.isnan(snap["x"]))
    return near_repeat(snap["x"][chosen], snap["y"][chosen], local_days(snap["start"][chosen]))


def _emerging(
    snap: Snapshot,
    municipality: Municipality,
    geometry: MunicipalityGeometry,
    period: Period,
    names: dict[int, str],
) -> list[dict[str, Any]]:
    weeks = max(4, min(26, period.days // 7))
    first = period.last - timedelta(weeks=weeks) + timedelta(days=1)
    days = local_days(snap["start"])
    return emerging_by_area(
        snap, shared_mask(snap, municipality), days, geometry, first, weeks, names
    )


def _alerts(
    snap: Snapshot, municipality: Municipality, period: Period, labels: dict[int, str]
) -> list[dict[str, Any]]:
    """Categories with unusually many incidents in some week of the period (Farrington)."""
    history = Period(period.last - timedelta(weeks=3 * 52 + 4), period.last)
    mask = _mask(snap, municipality, history)
    week = (local_days(snap["start"][mask]) - day_number(history.first)) // 7
    n_weeks = int(week.max()) + 1 if week.size else 0
    out: list[dict[str, Any]] = []
    if n_weeks < 10:
        return out
    ids = list(labels)
    result = farrington(weekly_counts(snap["category"][mask], week, ids, n_weeks))
    first_week = (day_number(period.first) - day_number(history.first)) // 7
    # An alert compares a week with the same weeks of earlier years: none before a year of data.
    started = int(local_days(snap["start"][snap.counted]).min())
    first_week = max(first_week, (started + 364 - day_number(history.first)) // 7)
    for row, pk in enumerate(ids):
        weeks = [int(w) for w in np.flatnonzero(result.alert[row, first_week:])]
        if weeks:
            out.append({"category": labels[pk], "weeks": len(weeks)})
    return out


def _police(municipality: Municipality, period: Period) -> dict[str, Any]:
    events = events_for(municipality).filter(
        occurred_at__date__gte=period.first, occurred_at__date__lte=period.last
    )
    own = events.filter(municipality_code=municipality.scb_code)
    rows = sorted(counts_by_category(municipality, own).items(), key=lambda r: -r[1])
    return {
        "municipality": [{"category": c, "count": n} for c, n in rows[:12]],
        "total": own.count(),
        "county": events.count() - own.count(),
    }


def _tables(municipality: Municipality) -> list[dict[str, Any]]:
    return [
        {"kind": t.kind, "title": t.title, "source": t.source, "columns": t.columns, "rows": t.rows}
        for t in ImportedTable.objects.filter(municipality=municipality)
    ]


def _sources(
    snap: Snapshot, municipality: Municipality, now: NDArray[np.bool_], period: Period
) -> list[str]:
    organisations = np.unique(snap["organisation"][now])
    names = dict(Organisation.objects.filter(municipality=municipality).values_list("pk", "name"))
    reporting = ", ".join(sorted(names.get(int(o), "?") for o in organisations)[:12])
    sources = [
        f"Samtryggs händelserapporter: {int(now.sum())} händelser från "
        f"{len(organisations)} organisationer ({reporting})"
    ]
    police = (
        events_for(municipality)
        .filter(occurred_at__date__gte=period.first, occurred_at__date__lte=period.last)
        .aggregate(n=Count("id"))["n"]
    )
    if police:
        sources.append(f"Polisens öppna händelser (polisen.se): {police} händelser")
    sources.append(_coverage(municipality, period))
    crime = reported_crime(municipality, period)
    if crime["groups"]:
        years = f"{crime['years'][0]}–{crime['years'][1]}"
        origin = f" ({'; '.join(crime['sources'])})" if crime["sources"] else ""
        sources.append(
            f"Brås statistik över anmälda brott och SCB:s befolkningsstatistik, {years}{origin}"
        )
    for table in ImportedTable.objects.filter(municipality=municipality):
        sources.append(f"{table.title} ({table.source})")
    return sources


def _coverage(municipality: Municipality, period: Period) -> str:
    """How well the period is covered by the EST reporters: weekly reports received and the
    organisations and reporters behind them, per week on average (the basis every comparison
    of counts rests on)."""
    from django.db.models import Count as CountOf

    from samtrygg.core import formatting
    from samtrygg.incidents.models import WeeklyReport

    first_year, first_week, _d = period.first.isocalendar()
    last_year, last_week, _d = period.last.isocalendar()
    reports = (
        WeeklyReport.objects.filter(municipality=municipality)
        .filter(Q(iso_year__gt=first_year) | Q(iso_year=first_year, iso_week__gte=first_week))
        .filter(Q(iso_year__lt=last_year) | Q(iso_year=last_year, iso_week__lte=last_week))
    )
    totals = reports.aggregate(
        n=CountOf("id"),
        organisations=CountOf("organisation", distinct=True),
        reporters=CountOf("reporter", distinct=True),
    )
    weeks = max(1, round(period.days / 7))
    with translation.override("sv"):
        return (
            f"Veckorapporter (EST): {formatting.number(totals['n'])} rapporter från "
            f"{formatting.number(totals['organisations'])} organisationer och "
            f"{formatting.number(totals['reporters'])} rapportörer, i genomsnitt "
            f"{formatting.number(totals['n'] / weeks, 1)} rapporter i veckan"
        )
