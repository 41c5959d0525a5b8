"""An automated adversary against disclosure control (issue 11).

A viewer (a politician) asks every question the product lets a viewer ask — each completed
calendar period, with category and area filters it tries to add — and collects every number the
answers hold: the areas layer (with the period before and both totals), the 250 m grid, the
dashboard's weekday × time band table, areas table, weekly trend and key figures, and the
public page's quarters. Then, for every pair of published tables whose periods overlap, it
solves the linear programme an attacker would: what is the least and the most each unknown
(every combination of period part, area, square, weekday and band the two tables distinguish,
every hidden cell, and the part of a longer period outside a shorter one) can be, given the
numbers shown and that counts are never negative? A count under the threshold is recovered when
the bounds fall within 1 … 2. None may be.

The attacker knows nothing of the product's code; its bounds come from scipy's LP solver. The
test also checks that every number shown is the true count (computed here from the incidents
the test made, not by the product): suppression hides, it never alters.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone
from scipy.optimize import linprog

from samtrygg.areas.services import import_areas
from samtrygg.incidents.categories import seed_categories
from samtrygg.plans.models import ComplianceSettings
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from ..incidents.test_incidents import report

THRESHOLD = 3
KINDS = ("week", "4weeks", "quarter", "year")
OTHER = "other"  # incidents in no published cell of a table (no area, not on the map)
ALL = "all"
STOCKHOLM = timezone.get_default_timezone()
LON, LAT = factories.HALMSTAD_LON, factories.HALMSTAD_LAT
# Three districts besides the world's "Centrum" (±0.02° around the centre).
DISTRICTS = {
    "Norr": (LON, LAT + 0.05),
    "Väster": (LON - 0.06, LAT),
    "Öster": (LON + 0.06, LAT),
}


# --- The calendar, computed here (not by the product) ------------------------------------------


def last_completed(kind: str, today: date) -> tuple[date, date]:
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if kind == "year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    months = 3 if kind == "quarter" else 1
    month_index = today.year * 12 + today.month - 1  # the current month
    start_index = (month_index // months) * months - months
    first = date(start_index // 12, start_index % 12 + 1, 1)
    end_index = start_index + months
    return first, date(end_index // 12, end_index % 12 + 1, 1) - timedelta(days=1)


def before(kind: str, period: tuple[date, date]) -> tuple[date, date]:
    return last_completed(kind, period[0])


# --- What the viewer collects ------------------------------------------------------------------


@dataclass
class Published:
    """One table as the viewer read it: its period, what it breaks down by, the cells shown
    (None = hidden; a cell absent from the grid is unknown), and the total if shown."""

    source: str
    first: date
    last: date
    dim: str  # "area", "cell", "when", or "total"
    cells: dict[Any, int | None] = field(default_factory=dict)
    total: int | None = None
    partition: bool = False  # the cells cover every incident of the period

    def days(self) -> set[int]:
        return set(range(self.first.toordinal(), self.last.toordinal() + 1))


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _number(text: str) -> int | None:
    return int(text) if text.strip() else None


def collect(client: Client, slug: str, today: date, ids: dict[str, int]) -> list[Published]:
    base = f"/k/{slug}"
    out: list[Published] = []
    # The filters a viewer tries to add; each must be ignored (the tables are the same).
    tries = ({}, {"category": "1", "area": str(next(iter(ids.values())))})
    for kind, extra in itertools.product(KINDS, tries):
        query = {"period": kind, **extra}
        period = last_completed(kind, today)
        previous = before(kind, period)
        areas = json.loads(client.get(base + "/situation/areas.json", query).content)
        out.append(
            Published(
                f"areas.json {kind}",
                *period,
                "area",
                {a["id"]: a["count"] for a in areas["areas"]},
                areas["total"],
            )
        )
        out.append(
            Published(
                f"areas.json {kind} (before)",
                *previous,
                "area",
                {a["id"]: a["previous"] for a in areas["areas"]},
                areas["previous_total"],
            )
        )
        grid = json.loads(client.get(base + "/situation/grid.json", query).content)
        out.append(
            Published(
                f"grid.json {kind}",
                *period,
                "cell",
                {tuple(c[:4]): c[4] for c in grid["cells"]},
            )
        )
        rows = _csv(client.get(base + "/dashboard/weekday-hour.csv", query))
        assert len(rows[0]) == 5, "a viewer gets four broad time bands, never the hour"
        when = {(d, b): _number(v) for d, row in enumerate(rows[1:]) for b, v in enumerate(row[1:])}
        out.append(Published(f"weekday-hour.csv {kind}", *period, "when", when, partition=True))
        rows = _csv(client.get(base + "/dashboard/areas.csv", query))
        out.append(
            Published(
                f"areas.csv {kind}",
                *period,
                "area",
                {ids[r[0]]: _number(r[1]) for r in rows[1:]},
            )
        )
        out.append(
            Published(
                f"areas.csv {kind} (before)",
                *previous,
                "area",
                {ids[r[0]]: _number(r[2]) for r in rows[1:]},
            )
        )
    trend = _csv(client.get(base + "/dashboard/trend.csv"))
    # One series of all categories (a split by category is one more table to subtract), and
    # completed weeks only: the last row is last week.
    assert len(trend[0]) == 2, trend[0]
    last_week = last_completed("week", today)[0].isocalendar()
    assert trend[-1][0] == f"{last_week[0]}-v{last_week[1]:02d}", trend[-1]
    for row in trend[1:]:
        year, week = (int(p) for p in row[0].split("-v"))
        monday = date.fromisocalendar(year, week, 1)
        out.append(
            Published(
                f"trend.csv {row[0]}",
                monday,
                monday + timedelta(days=6),
                "total",
                {},
                _number(row[1]),
            )
        )
    figures = _csv(client.get(base + "/dashboard/key-figures.csv"))[1:]
    monday = today - timedelta(days=today.weekday())
    weeks = {0: 1, 1: 2, 3: 53}  # row → weeks back
    for row, back in weeks.items():
        first = monday - timedelta(weeks=back)
        value = _number(figures[row][1])
        out.append(
            Published(f"key figure {row}", first, first + timedelta(days=6), "total", {}, value)
        )
    average = figures[2][1]
    if average.strip():
        total = round(float(average) * 4)
        first = monday - timedelta(weeks=5)
        out.append(
            Published("key figure 4 weeks", first, first + timedelta(days=27), "total", {}, total)
        )
    page = client.get(f"/public/{slug}/").content.decode()
    header = re.findall(r"<th scope=\"col\">(\d{4}) K(\d)</th>", page)
    body = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", page)
    for column, (year, quarter) in enumerate(header):
        first = date(int(year), 3 * int(quarter) - 2, 1)
        last = last_completed("quarter", first + timedelta(days=100))[1]
        cells = {}
        for name, rest in body:
            value = re.findall(r"<td>([^<]*)</td>", rest)[column]
            cells[ids[name]] = int(value) if value.isdigit() else None
        out.append(Published(f"public {year} K{quarter}", first, last, "area", cells))
    return out


# --- The attacker --------------------------------------------------------------------------------


def _segments(a: Published, b: Published) -> list[set[int]]:
    da, db = a.days(), b.days()
    return [s for s in (da & db, da - db, db - da) if s]


def _keys(table: Published) -> list[Any]:
    return [ALL] if table.dim == "total" else [*table.cells, OTHER]


def attack(a: Published, b: Published) -> list[str]:
    """What the two tables together give away: the sets whose count must lie in 1 … 2."""
    segments = _segments(a, b)
    same = a.dim == b.dim
    if same:
        keys = list(dict.fromkeys([*_keys(a), *_keys(b)]))
        atoms = [(s, k, k) for s in range(len(segments)) for k in keys]
    else:
        atoms = [(s, k1, k2) for s in range(len(segments)) for k1 in _keys(a) for k2 in _keys(b)]

    def inside(table: Published, atom: tuple[int, Any, Any]) -> bool:
        return segments[atom[0]] <= table.days()

    rows, values = [], []
    for position, table in ((1, a), (2, b)):
        covered = [inside(table, atom) for atom in atoms]
        if table.total is not None:
            rows.append([1.0 if c else 0.0 for c in covered])
            values.append(table.total)
        for key, value in table.cells.items():
            if value is None:
                continue
            rows.append(
                [
                    1.0 if c and atom[position] == key else 0.0
                    for c, atom in zip(covered, atoms, strict=True)
                ]
            )
            values.append(value)
        if table.partition:
            rows.append(
                [
                    1.0 if c and atom[position] == OTHER else 0.0
                    for c, atom in zip(covered, atoms, strict=True)
                ]
            )
            values.append(0)
    if not rows:
        return []
    matrix, target = np.array(rows), np.array(values, dtype=float)
    targets: dict[str, np.ndarray] = {}
    for position, table in ((1, a), (2, b)):
        for key in _keys(table):
            for s in range(len(segments)):
                vector = np.array(
                    [1.0 if atom[0] == s and atom[position] == key else 0.0 for atom in atoms]
                )
                targets[f"{table.source} [{key}] part {s}"] = vector
            vector = np.array(
                [1.0 if inside(table, atom) and atom[position] == key else 0.0 for atom in atoms]
            )
            targets[f"{table.source} [{key}]"] = vector
    if len(atoms) <= 150:
        for index, atom in enumerate(atoms):
            vector = np.zeros(len(atoms))
            vector[index] = 1.0
            targets[f"atom {atom}"] = vector
    found = []
    for name, vector in targets.items():
        if not vector.any():
            continue
        low = linprog(vector, A_eq=matrix, b_eq=target, bounds=(0, None), method="highs")
        assert low.status == 0, f"{a.source} and {b.source} contradict each other"
        if math.ceil(low.fun - 1e-6) < 1:
            continue
        high = linprog(-vector, A_eq=matrix, b_eq=target, bounds=(0, None), method="highs")
        if high.status == 0 and math.floor(-high.fun + 1e-6) < THRESHOLD:
            found.append(f"{name}: {low.fun:g} … {-high.fun:g} ({a.source} × {b.source})")
    return found


def adversary(tables: list[Published]) -> list[str]:
    unique: dict[tuple[Any, ...], Published] = {}
    for table in tables:
        key = (table.first, table.last, table.dim, tuple(sorted(table.cells.items(), key=str)))
        unique.setdefault((*key, table.total), table)
    distinct = list(unique.values())
    leaks = []
    for table in distinct:  # one table alone, then every pair of overlapping tables
        leaks += [
            f"shown: {table.source} {v}"
            for v in [table.total, *table.cells.values()]
            if v is not None and 0 < v < THRESHOLD
        ]
    for a, b in itertools.combinations_with_replacement(distinct, 2):
        if a.days() & b.days():
            leaks += attack(a, b)
    return leaks


# --- The world the viewer looks at ---------------------------------------------------------------


def _when(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), STOCKHOLM).replace(hour=hour)


def build_world(world: World) -> list[tuple[date, str, int, tuple[float, float]]]:
    """Incidents made for the attack: scattered singles and pairs everywhere (small cells in every
    table), a few busy places, a week of "5 = 3 in one area + 2 in another", and a period that
    differs from a longer one by two incidents in one area."""
    seed_categories(world.a)
    import_areas(
        world.a,
        factories.feature_collection(
            *[
                factories.feature(name, factories.square(lon, lat, 0.02), population=3000)
                for name, (lon, lat) in DISTRICTS.items()
            ]
        ),
        kind="district",
    )
    ComplianceSettings.objects.create(municipality=world.a, public_page=True)
    today = timezone.localdate()
    rng = random.Random(11)
    places = [(LON, LAT), *DISTRICTS.values()]
    made = []

    def make(day: date, hour: int, place: tuple[float, float], code: str = "klotter") -> None:
        report(
            world,
            world.bob,
            world.a_org,
            code=code,
            occurred_at=_when(day, hour),
            lat=place[1],
            lon=place[0],
        )
        made.append((day, code, hour, place))

    for _ in range(70):  # singles over two years, anywhere, at any hour
        lon = LON + rng.uniform(-0.09, 0.09)
        lat = LAT + rng.uniform(-0.09, 0.09)
        make(
            today - timedelta(days=rng.randint(1, 760)),
            rng.randint(0, 23),
            (lon, lat),
            rng.choice(["klotter", "nedskrapning", "skadegorelse"]),
        )
    for period in (last_completed(k, today) for k in KINDS):
        for place in places[:2]:  # busy places: cells and areas above the threshold
            for k in range(4):
                make(period[0] + timedelta(days=k % 3), 10 + k, place)
    week = last_completed("week", today)
    for k in range(3):
        make(week[0] + timedelta(days=k), 14, places[2])
    for k in range(2):
        make(week[0] + timedelta(days=k), 21, places[3])
    # A shorter period inside a longer one, differing by two incidents in one area.
    short = before("4weeks", last_completed("4weeks", today))
    longer = last_completed("quarter", today)
    if not (longer[0] <= short[0] and short[1] <= longer[1]):
        short, longer = last_completed("4weeks", today), last_completed("year", today)
        if not (longer[0] <= short[0] and short[1] <= longer[1]):
            short, longer = last_completed("week", today), before("4weeks", (today, today))
    for k in range(3):
        make(short[0] + timedelta(days=k), 9, places[3])
    outside = longer[0] if longer[0] < short[0] else longer[1]
    for k in range(2):
        make(outside, 9 + k, places[3])
    return made


@pytest.fixture
def attacked(world: World, client: Client) -> tuple[list[Published], list[Any]]:
    made = build_world(world)
    viewer = factories.member(world.a_org, Role.VIEWER, "politiker@example.se")
    client.force_login(viewer)
    from samtrygg.areas.models import Area

    ids = dict(Area.objects.filter(municipality=world.a).values_list("name", "pk"))
    return collect(client, world.a.slug, timezone.localdate(), ids), made


def test_the_adversary_recovers_no_count_under_three(attacked: Any) -> None:
    tables, _made = attacked
    assert len(tables) > 60
    leaks = adversary(tables)
    assert not leaks, "\n".join(leaks[:40])


def test_what_is_shown_is_true(attacked: Any) -> None:
    """Suppression hides and never alters: each shown total is the count of the incidents made
    in its period (counted here from what the test made)."""
    tables, made = attacked
    checked = 0
    for table in tables:
        if table.total is None or (table.dim != "total" and "areas.json" not in table.source):
            continue
        true = sum(1 for day, *_rest in made if table.first <= day <= table.last)
        assert table.total == true, table.source
        checked += 1
    assert checked > 40


WEEK = (date(2026, 11, 16), date(2026, 11, 22))
MONTH = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(
    "tables",
    [
        # The weekly picture's case: 5 in all, 3 in one area, the other hidden.
        [Published("week", *WEEK, "area", {1: 3, 2: None}, 5, partition=True)],
        # A week in its month: an area shown in both, 2 apart.
        [
            Published("week", *WEEK, "area", {1: 4}),
            Published("month", *MONTH, "area", {1: 6}),
        ],
        # Two breakdowns of one period: one hidden weekday-band cell left, the total known.
        [
            Published("when", *WEEK, "when", {(0, 0): 4, (0, 1): None}, partition=True),
            Published("areas", *WEEK, "area", {1: 4}, 6),
        ],
    ],
)
def test_the_adversary_finds_what_it_should(tables: list[Published]) -> None:
    """The attacker itself must work: each planted leak is found (hand-made tables, one count of
    two recoverable by subtraction)."""
    assert adversary(tables)


def test_the_adversary_accepts_what_is_safe() -> None:
    safe = [
        Published("week", *WEEK, "area", {1: 3, 2: None, 3: None}, 7, partition=True),
        Published("month", *MONTH, "area", {1: 6, 2: 5}),
    ]
    assert adversary(safe) == []
