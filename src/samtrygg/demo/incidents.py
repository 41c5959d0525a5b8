"""Generated but realistic incidents for the demo and for benchmarks.

About two years of EST reports for one municipality: more in the evening and at weekends, a
summer peak and peaks on Valborg, midsommar and New Year's Eve; most reports in the town; a few
persistent hot spots and a few that emerge in the last months; near-repeat bursts after fires
and vandalism; the same event now and then reported by two organisations (merged as
duplicates); cases in every status; weekly reports from the demo reporter with some weeks
missing. Deterministic for a seed. Written with the importer's bulk path, so a million rows
take about a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from django.db import connection, transaction
from django.utils import timezone
from shapely.geometry import shape

from samtrygg.analysis.geo import geometry_to_sweref, sweref_to_wgs84, wgs84_to_sweref
from samtrygg.areas.models import Area
from samtrygg.areas.queries import assign_areas
from samtrygg.exchange.incident_import import (
    adapt_cost,
    adapt_times,
    insert_rows,
    reserve_references,
)
from samtrygg.incidents.models import (
    AreaAssessment,
    AssessmentLevel,
    Category,
    Incident,
    PlaceType,
    Precision,
    Source,
    Status,
    WeeklyReport,
)
from samtrygg.tenancy.models import Municipality, Organisation, User

# Town centres (WGS 84 lon, lat): most reports come from the town, not the forest.
TOWN_CENTRES = {"1380": (12.857, 56.674), "0880": (16.356, 56.663)}

CATEGORY_SHARES = {
    "skadegorelse": 0.20,
    "klotter": 0.17,
    "nedskrapning": 0.12,
    "ordningsstorning": 0.12,
    "ansamling": 0.08,
    "otrygg-plats": 0.07,
    "brand": 0.06,
    "narkotika": 0.05,
    "fordon": 0.05,
    "hot-vald-personal": 0.03,
    "sociala-medier": 0.02,
    "evenemang": 0.02,
    "ovrigt": 0.01,
}
DESCRIPTIONS = {
    "skadegorelse": [
        "Krossad ruta i entrén.",
        "Sönderslagen lampa vid gångvägen.",
        "Skadad bänk i parken.",
        "Uppbrutet förråd i källaren.",
    ],
    "klotter": [
        "Klotter på fasaden.",
        "Klotter i tunneln under vägen.",
        "Taggar på elskåpet.",
        "Klotter på busskuren.",
    ],
    "nedskrapning": [
        "Mycket skräp vid återvinningen.",
        "Nedskräpat på lekplatsen.",
        "Dumpade möbler vid garagen.",
    ],
    "ordningsstorning": [
        "Hög musik och bråk sent på kvällen.",
        "Stök vid busshållplatsen.",
        "Fyrverkerier mot fasad.",
    ],
    "ansamling": [
        "Grupp ungdomar samlas i trapphuset.",
        "Större grupp vid torget, otrygg stämning.",
    ],
    "otrygg-plats": [
        "Trasig belysning på gångvägen.",
        "Igenväxt buskage skymmer sikten.",
        "Mörk passage vid parkeringen.",
    ],
    "brand": ["Brand i soptunna.", "Anlagd brand i container.", "Brand i bil på parkeringen."],
    "narkotika": ["Misstänkt langning vid skolan.", "Sprutor hittade i parken."],
    "fordon": ["Mopeder kör på gångbanan.", "Vårdslös körning med A-traktor."],
    "hot-vald-personal": [
        "Personal hotad vid entrén.",
        "Personal utsatt för våld under kvällspass.",
    ],
    "sociala-medier": ["Rykten om slagsmål sprids i sociala medier."],
    "evenemang": ["Stort evenemang, mycket folk i centrum."],
    "ovrigt": ["Övrig iakttagelse."],
}
PLACE_NAMES = [
    "Stortorget",
    "Busstationen",
    "Centrumgaraget",
    "Lekplatsen",
    "Idrottsplatsen",
    "Skolgården",
    "Gångtunneln",
    "Återvinningsstationen",
    "Parken",
    "Strandpromenaden",
]
# Hours of the day (0–23): evening and night dominate.
HOUR_WEIGHTS = np.array(
    [5, 4, 3, 2, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7], dtype=float
)
WEEKDAY_WEIGHTS = np.array([0.85, 0.85, 0.9, 0.95, 1.25, 1.4, 1.0])  # Monday … Sunday


@dataclass
class DemoIncidents:
    created: int
    duplicates: int
    weekly_reports: int


def _holidays(year: int) -> list[date]:
    midsummer = next(date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4)
    return [date(year, 4, 30), midsummer, date(year, 12, 31), date(year, 1, 1)]


def _day_weights(days: list[date], rng: np.random.Generator) -> np.ndarray:
    months = np.array([d.month for d in days])
    weights = WEEKDAY_WEIGHTS[[d.weekday() for d in days]]
    weights = weights * np.where(np.isin(months, [6, 7, 8]), 1.35, 1.0)
    weights = weights * np.where(np.isin(months, [1, 2]), 0.8, 1.0)
    holidays = {h for year in {d.year for d in days} for h in _holidays(year)}
    weights = weights * np.array([3.0 if d in holidays else 1.0 for d in days])
    return weights * rng.uniform(0.85, 1.15, len(days))  # day-to-day noise


def _inside(boundary: Any, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return shapely.contains_xy(boundary, xs, ys)


def _places(
    boundary: Any,
    centre: tuple[float, float],
    n: int,
    rng: np.random.Generator,
    spots: np.ndarray,
    spot_share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """n points inside the boundary: a share around the hot spots (σ 120 m), most around the
    town (σ 2.5 km), a few anywhere in the municipality."""
    xs, ys = np.empty(n), np.empty(n)
    todo = np.arange(n)
    minx, miny, maxx, maxy = boundary.bounds
    while todo.size:
        k = todo.size
        kind = rng.random(k)
        spot = spots[rng.integers(0, len(spots), k)]
        near_spot = kind < spot_share
        rural = kind > 0.94
        x = np.where(
            near_spot, spot[:, 0] + rng.normal(0, 120, k), centre[0] + rng.normal(0, 2500, k)
        )
        y = np.where(
            near_spot, spot[:, 1] + rng.normal(0, 120, k), centre[1] + rng.normal(0, 2500, k)
        )
        x = np.where(rural, rng.uniform(minx, maxx, k), x)
        y = np.where(rural, rng.uniform(miny, maxy, k), y)
        ok = shapely.contains_xy(boundary, x, y)
        xs[todo[ok]], ys[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    return xs, ys


def _near_repeats(
    rng: np.random.Generator,
    boundary: Any,
    xs: np.ndarray,
    ys: np.ndarray,
    day: np.ndarray,
    category: np.ndarray,
    burst_categories: list[int],
    last_day: int,
) -> None:
    """Turn about 5 % of the reports into followers of a fire or vandalism: within ~200 m and a
    week after it (what the Knox test finds)."""
    n = len(xs)
    sources = np.nonzero(np.isin(category, burst_categories))[0]
    count = min(len(sources), n // 20)
    if count == 0:
        return
    leaders = rng.choice(sources, count)
    followers = rng.choice(np.setdiff1d(np.arange(n), leaders), count, replace=False)
    fx = xs[leaders] + rng.normal(0, 80, count)
    fy = ys[leaders] + rng.normal(0, 80, count)
    ok = shapely.contains_xy(boundary, fx, fy)
    followers, leaders, fx, fy = followers[ok], leaders[ok], fx[ok], fy[ok]
    xs[followers], ys[followers] = fx, fy
    day[followers] = np.minimum(day[leaders] + rng.integers(0, 8, len(leaders)), last_day)
    category[followers] = category[leaders]


def generate(
    municipality: Municipality,
    n: int,
    *,
    days: int = 730,
    seed: int = 2026,
    reporter: User | None = None,
    progress: Any = None,
) -> DemoIncidents:
    """Add n generated incidents (and their duplicates) to the municipality, ending today."""
    rng = np.random.default_rng(seed + int(municipality.scb_code or 0))
    boundary = geometry_to_sweref(shape(municipality.boundary))
    shapely.prepare(boundary)
    if municipality.scb_code in TOWN_CENTRES:
        lon0, lat0 = TOWN_CENTRES[municipality.scb_code]
    else:
        lon0, lat0 = shape(municipality.boundary).representative_point().coords[0]
    centre_x, centre_y = wgs84_to_sweref([lon0], [lat0])
    cx, cy = float(centre_x[0]), float(centre_y[0])
    persistent = np.column_stack([cx + rng.normal(0, 1800, 5), cy + rng.normal(0, 1800, 5)])
    emerging = np.column_stack([cx + rng.normal(0, 2500, 2), cy + rng.normal(0, 2500, 2)])

    today = timezone.localdate()
    day_list = [today - timedelta(days=d) for d in range(days - 1, -1, -1)]
    weights = _day_weights(day_list, rng)
    day = rng.choice(len(day_list), n, p=weights / weights.sum())
    xs, ys = _places(boundary, (cx, cy), n, rng, persistent, 0.3)
    emerging_pick = (day > len(day_list) - 150) & (rng.random(n) < 0.12)
    xs[emerging_pick], ys[emerging_pick] = _places(
        boundary, (cx, cy), int(emerging_pick.sum()), rng, emerging, 1.0
    )

    categories = {c.code: c for c in Category.objects.filter(municipality=municipality)}
    codes = [c for c in CATEGORY_SHARES if c in categories]
    shares = np.array([CATEGORY_SHARES[c] for c in codes])
    category = rng.choice(len(codes), n, p=shares / shares.sum())
    bursty = [codes.index(c) for c in ("brand", "skadegorelse") if c in codes]
    _near_repeats(rng, boundary, xs, ys, day, category, bursty, len(day_list) - 1)

    hours = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minutes = rng.integers(0, 60, n)
    zone = timezone.get_current_timezone()
    latest = timezone.now() - timedelta(minutes=5)
    times = [
        min(datetime(d.year, d.month, d.day, int(h), int(m), tzinfo=zone), latest)
        for d, h, m in zip((day_list[i] for i in day.tolist()), hours, minutes, strict=True)
    ]
    order = sorted(range(n), key=times.__getitem__)
    plan = _Plan(
        municipality=municipality,
        rng=rng,
        times=[times[i] for i in order],
        xs=xs[order],
        ys=ys[order],
        categories=[categories[codes[c]] for c in category[order].tolist()],
        reporter=reporter,
    )
    return plan.write(progress)


STATUS_BY_AGE = [
    # (older than days, statuses, probabilities)
    (
        60,
        ["closed", "resolved", "rejected", "in_progress", "assigned", "triaged", "new"],
        [0.62, 0.14, 0.05, 0.05, 0.05, 0.05, 0.04],
    ),
    (
        14,
        ["closed", "resolved", "in_progress", "assigned", "triaged", "new", "rejected"],
        [0.25, 0.25, 0.2, 0.15, 0.05, 0.05, 0.05],
    ),
    (-1, ["new", "triaged", "assigned", "in_progress", "resolved"], [0.35, 0.15, 0.25, 0.15, 0.10]),
]
HANDLED = {"assigned", "in_progress", "resolved", "closed"}
DUPLICATE_SHARE = 0.03
AORISTIC_SHARE = 0.10  # found afterwards: only a window is known


@dataclass
class _Plan:
    municipality: Municipality
    rng: np.random.Generator
    times: list[datetime]
    xs: np.ndarray
    ys: np.ndarray
    categories: list[Category]
    reporter: User | None

    def _organisations(self) -> tuple[list[Organisation], list[Organisation]]:
        """(reporting organisations, handling organisations) of the municipality."""
        all_orgs = list(Organisation.objects.filter(municipality=self.municipality, is_active=True))
        reporting = [o for o in all_orgs if o.kind != "county_board"] or all_orgs
        handling = [
            o
            for o in all_orgs
            if o.kind in ("municipal_department", "municipal_company", "housing_company")
        ] or all_orgs
        return reporting, handling

    def _statuses(self) -> list[str]:
        now = timezone.now()
        ages = np.array([(now - t).days for t in self.times])
        out = np.empty(len(ages), dtype=object)
        for older_than, statuses, probabilities in STATUS_BY_AGE:
            pick = (ages > older_than) & (out == None)  # noqa: E711  (numpy: elementwise)
            out[pick] = self.rng.choice(statuses, int(pick.sum()), p=probabilities)
        return out.tolist()

    def _weekly_reports(self, organisation: Organisation) -> dict[tuple[int, int], int]:
        """The demo reporter's weekly reports (about 85 % of weeks), with assessments."""
        if self.reporter is None:
            return {}
        weeks = sorted({t.isocalendar()[:2] for t in self.times})
        kept = [w for w in weeks if self.rng.random() < 0.85]
        existing = set(
            WeeklyReport.objects.filter(
                reporter=self.reporter, organisation=organisation
            ).values_list("iso_year", "iso_week")
        )
        WeeklyReport.objects.bulk_create(
            [
                WeeklyReport(
                    municipality=self.municipality,
                    organisation=organisation,
                    reporter=self.reporter,
                    iso_year=y,
                    iso_week=w,
                )
                for y, w in kept
                if (y, w) not in existing
            ]
        )
        reports = {
            (r.iso_year, r.iso_week): r.pk
            for r in WeeklyReport.objects.filter(reporter=self.reporter, organisation=organisation)
        }
        areas = list(Area.objects.filter(municipality=self.municipality).order_by("code")[:4])
        levels = [AssessmentLevel.GREEN, AssessmentLevel.YELLOW, AssessmentLevel.RED]
        AreaAssessment.objects.bulk_create(
            [
                AreaAssessment(
                    weekly_report_id=pk,
                    area=area,
                    level=self.rng.choice(levels, p=[0.7, 0.22, 0.08]),
                )
                for key, pk in reports.items()
                if key not in existing
                for area in areas
            ],
            ignore_conflicts=True,
        )
        return reports

    def write(self, progress: Any = None) -> DemoIncidents:
        n = len(self.times)
        rng = self.rng
        reporting, handling = self._organisations()
        reporter_org = next(
            (
                o
                for o in reporting
                if self.reporter and o.memberships.filter(user=self.reporter).exists()
            ),
            None,
        )
        with transaction.atomic():
            weekly = self._weekly_reports(reporter_org) if reporter_org else {}
            organisation = [reporting[i] for i in rng.integers(0, len(reporting), n)]
            if reporter_org is not None:
                for i in np.nonzero(rng.random(n) < 0.25)[0].tolist():
                    organisation[i] = reporter_org
            statuses = self._statuses()
            rows = self._rows(organisation, statuses, handling, reporter_org, weekly)
            insert_rows(rows, progress)
            duplicates = self._duplicates(rows, reporting)
            insert_rows(duplicates)
        return DemoIncidents(created=n, duplicates=len(duplicates), weekly_reports=len(weekly))

    def _rows(
        self,
        organisation: list[Organisation],
        statuses: list[str],
        handling: list[Organisation],
        reporter_org: Organisation | None,
        weekly: dict[tuple[int, int], int],
    ) -> list[tuple[Any, ...]]:
        rng, n = self.rng, len(self.times)
        ops = connection.ops
        lon, lat = sweref_to_wgs84(self.xs, self.ys)
        area_ids = assign_areas(self.municipality.pk, self.xs, self.ys)
        references = reserve_references(self.municipality, self.times)
        aoristic = rng.random(n) < AORISTIC_SHARE
        starts = [
            t - timedelta(hours=int(h))
            for t, h in zip(self.times, rng.integers(4, 14, n), strict=True)
        ]
        at = adapt_times(
            connection.vendor, [None if a else t for t, a in zip(self.times, aoristic, strict=True)]
        )
        frm = adapt_times(
            connection.vendor, [s if a else None for s, a in zip(starts, aoristic, strict=True)]
        )
        to = adapt_times(
            connection.vendor, [t if a else None for t, a in zip(self.times, aoristic, strict=True)]
        )
        created = adapt_times(connection.vendor, [t + timedelta(hours=2) for t in self.times])
        handler_pick = rng.integers(0, len(handling), n)
        severity = rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1]).tolist()
        police = rng.random(n)
        cost = np.round(rng.lognormal(8, 1, n), -2)
        place_type = rng.choice(
            [PlaceType.PUBLIC, PlaceType.SEMI_PUBLIC, PlaceType.INDOOR], n, p=[0.7, 0.2, 0.1]
        ).tolist()
        text_pick = rng.integers(0, 100, n).tolist()
        place_pick = rng.integers(0, len(PLACE_NAMES), n).tolist()
        rows = []
        for i in range(n):
            category = self.categories[i]
            status = statuses[i]
            org = organisation[i]
            handler = (
                (category.default_handler or handling[handler_pick[i]])
                if status in HANDLED
                else None
            )
            texts = DESCRIPTIONS.get(category.code, ["Iakttagelse."])
            costly = category.code in ("skadegorelse", "klotter", "brand")
            week = self.times[i].isocalendar()[:2]
            rows.append(
                (
                    self.municipality.pk,
                    references[i],
                    category.pk,
                    at[i],
                    frm[i],
                    to[i],
                    float(lat[i]),
                    float(lon[i]),
                    float(self.xs[i]),
                    float(self.ys[i]),
                    Precision.EXACT,
                    area_ids[i],
                    PLACE_NAMES[place_pick[i]],
                    texts[text_pick[i] % len(texts)],
                    severity[i],
                    place_type[i],
                    bool(police[i] < 0.4) if police[i] < 0.9 else None,
                    adapt_cost(ops, Decimal(int(cost[i]))) if costly else None,
                    org.pk,
                    self.reporter.pk if self.reporter and org == reporter_org else None,
                    Source.FORM,
                    "",
                    status,
                    handler.pk if handler else None,
                    None,
                    ops.adapt_datefield_value(self.times[i].date() + timedelta(days=14))
                    if status in ("assigned", "in_progress")
                    else None,
                    weekly.get(week) if org == reporter_org else None,
                    None,
                    1,
                    created[i],
                    created[i],
                    None,
                )
            )
        return rows

    def _duplicates(
        self, rows: list[tuple[Any, ...]], reporting: list[Organisation]
    ) -> list[tuple[Any, ...]]:
        """The same event reported again by another organisation, already merged."""
        rng = self.rng
        picks = np.nonzero(rng.random(len(rows)) < DUPLICATE_SHARE)[0].tolist()
        if not picks:
            return []
        wanted = {rows[i][1] for i in picks}
        ids = dict(
            Incident.objects.filter(
                municipality=self.municipality, reference__in=wanted
            ).values_list("reference", "pk")
            if len(wanted) < 50_000
            else Incident.objects.filter(municipality=self.municipality).values_list(
                "reference", "pk"
            )
        )
        references = reserve_references(self.municipality, [self.times[i] for i in picks])
        out = []
        for new_reference, i in zip(references, picks, strict=True):
            row = list(rows[i])
            others = [o for o in reporting if o.pk != row[18]]
            row[1] = new_reference
            row[18] = others[int(rng.integers(0, len(others)))].pk
            row[19] = None
            row[22] = Status.DUPLICATE
            row[23] = row[25] = row[26] = None
            row[27] = ids[rows[i][1]]
            out.append(tuple(row))
        return out
