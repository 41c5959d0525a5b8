"""The situation map's layers, computed from the in-memory snapshot with numpy.

Every layer answers from the same filters and the same two masks: the incidents that count in
this user's aggregates, and those the user may see one by one. Aggregates shown to a viewer
(politicians, managers) suppress any count under the small-count threshold, and a viewer gets
no single incidents and no density made from fewer incidents than the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone
from numpy.typing import NDArray

from samtrygg.analysis.geo import sweref_to_wgs84
from samtrygg.analysis.hotspots import gi_star
from samtrygg.analysis.kde import kde
from samtrygg.areas.models import Area
from samtrygg.areas.population import day_population_note, many_by_day
from samtrygg.core import formatting
from samtrygg.incidents.models import AreaAssessment, Category
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import aggregates_only

from . import disclosure
from .aggregates import per_area
from .filters import SituationFilters, filter_mask, points_mask, statistics_mask
from .geometry import HEAT_BANDWIDTH_M, MunicipalityGeometry, geometry_for
from .release import Release, release_for
from .snapshot import PRECISIONS, STATUSES, Snapshot, snapshot

MAX_POINTS = 3000
MAX_HEAT_CELLS = 8000
MAP_PRECISIONS = [PRECISIONS.index("exact"), PRECISIONS.index("approximate")]
CONFIDENCE = {3: "99", 2: "95", 1: "90"}


@dataclass
class View:
    """One user's filtered view of one municipality's incidents."""

    access: Access
    filters: SituationFilters

    def __post_init__(self) -> None:
        if self.aggregates_only:
            # Fixed calendar periods and units, so that two questions cannot be subtracted.
            self.filters = disclosure.fixed_for_aggregates(self.filters)

    @cached_property
    def snap(self) -> Snapshot:
        return snapshot(self.access.municipality.pk)

    @cached_property
    def geometry(self) -> MunicipalityGeometry | None:
        return geometry_for(self.access.municipality)

    @property
    def aggregates_only(self) -> bool:
        """Viewers see aggregates with small counts suppressed, never single incidents."""
        return aggregates_only(self.access.role)

    @property
    def threshold(self) -> int:
        return int(settings.SMALL_COUNT_THRESHOLD)

    @cached_property
    def selected(self) -> NDArray[np.bool_]:
        return statistics_mask(self.snap, self.access) & filter_mask(self.snap, self.filters)

    @cached_property
    def mapped(self) -> NDArray[np.bool_]:
        """Selected incidents with a place on a street (never a municipality centre)."""
        return self.selected & np.isin(self.snap["precision"], MAP_PRECISIONS)

    def suppress(self, count: int) -> int | None:
        return None if self.aggregates_only and 0 < count < self.threshold else count

    @cached_property
    def release(self) -> Release:
        """The protected tables aggregates-only users read (situation/release.py)."""
        return release_for(self.access.municipality)

    @cached_property
    def published(self) -> disclosure.Period:
        return self.release.period(self.filters.period)

    @cached_property
    def cells(self) -> NDArray[np.int64]:
        assert self.geometry is not None  # noqa: S101  (callers check)
        return self.geometry.cell_of(self.snap["x"][self.mapped], self.snap["y"][self.mapped])

    @cached_property
    def cell_counts(self) -> NDArray[np.float64]:
        """Counts per 250 m cell inside the municipality (the order of geometry.inside); for
        aggregates-only users the released counts, a hidden square as 0, so that the grid, the
        hot spots and the density are made from what may be shown and tell nothing more."""
        assert self.geometry is not None  # noqa: S101
        if self.aggregates_only:
            table = self.published.tables["cell"]
            return np.where(table.hidden, 0, table.counts).astype(float)
        return self.geometry.inside_counts(self.snap["x"][self.mapped], self.snap["y"][self.mapped])


def total(view: View) -> dict[str, Any]:
    n = view.published.shown_total() if view.aggregates_only else int(view.selected.sum())
    return {"count": n, "suppressed": n is None}


def _category_labels(view: View) -> dict[int, str]:
    return {
        c.pk: c.label
        for c in Category.objects.filter(municipality=view.access.municipality).only(
            "label_sv", "label_en"
        )
    }


def points(view: View, limit: int = MAX_POINTS) -> dict[str, Any]:
    """The newest incidents the user may see one by one, as GeoJSON (none for viewers)."""
    if view.aggregates_only:
        return {"type": "FeatureCollection", "features": [], "total": 0, "shown": 0}
    chosen = np.flatnonzero(view.mapped & points_mask(view.snap, view.access))
    newest = chosen[np.argsort(view.snap["start"][chosen], kind="stable")[::-1][:limit]]
    lon, lat = sweref_to_wgs84(view.snap["x"][newest], view.snap["y"][newest])
    labels = _category_labels(view)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lo, 6), round(la, 6)]},
            "properties": {
                "id": int(view.snap["id"][i]),
                "category": labels.get(int(view.snap["category"][i]), ""),
                "when": _local(int(view.snap["start"][i])),
                "status": STATUSES[int(view.snap["status"][i])],
            },
        }
        for i, lo, la in zip(newest.tolist(), lon.tolist(), lat.tolist(), strict=True)
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": int(chosen.size),
        "shown": len(features),
    }


def _local(minutes: int) -> str:
    moment = datetime.fromtimestamp(minutes * 60, tz=UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def heat(view: View) -> dict[str, Any]:
    """Quartic kernel density (events per km²) as weighted points for the heat layer."""
    if view.geometry is None or not view.mapped.any():
        return {"points": [], "max": 0}
    if view.aggregates_only:
        # Made from the released squares only (each at its centre): it tells nothing the grid
        # does not, and no blob comes from a square with fewer incidents than the threshold.
        counts = view.cell_counts.astype(np.int64)
        if not counts.any():
            return {"points": [], "max": 0}
        cx, cy = view.geometry.grid.centres()
        flat_cells = view.geometry.inside
        x = np.repeat(cx.ravel()[flat_cells], counts)
        y = np.repeat(cy.ravel()[flat_cells], counts)
    else:
        x, y = view.snap["x"][view.mapped], view.snap["y"][view.mapped]
    result = kde(x, y, grid=view.geometry.heat_grid, bandwidth=HEAT_BANDWIDTH_M)
    density = result.density
    flat = np.flatnonzero(density.ravel() > 0)
    if flat.size > MAX_HEAT_CELLS:
        flat = flat[np.argsort(density.ravel()[flat])[-MAX_HEAT_CELLS:]]
    grid = view.geometry.heat_grid
    cx, cy = grid.centres()
    lon, lat = sweref_to_wgs84(cx.ravel()[flat], cy.ravel()[flat])
    values = density.ravel()[flat]
    peak = float(values.max()) if values.size else 0.0
    return {
        "points": [
            [round(la, 5), round(lo, 5), round(float(v / peak), 3)]
            for la, lo, v in zip(lat.tolist(), lon.tolist(), values.tolist(), strict=True)
        ],
        "max": round(peak, 2),
        "unit": "händelser/km²",
    }


def grid(view: View) -> dict[str, Any]:
    """Counts per 250 m cell with incidents, compactly: [south, west, north, east, count].
    Thousands of cells stay small and quick this way."""
    if view.geometry is None:
        return {"cell_m": 250, "cells": []}
    counts = view.cell_counts
    # A viewer gets no square with fewer incidents than the threshold: not even its place.
    least = view.threshold if view.aggregates_only else 1
    shown = np.flatnonzero(counts >= least)
    bounds = view.geometry.cell_bounds[shown].tolist()
    values = counts[shown].astype(int).tolist()
    cells = [[*b, v] for b, v in zip(bounds, values, strict=True)]
    return {"cell_m": 250, "cells": cells}


def grid_table(view: View, limit: int = 50) -> list[dict[str, Any]]:
    """The squares with most incidents, with their area (the grid layer as a table)."""
    if view.geometry is None:
        return []
    counts = view.cell_counts
    order = np.argsort(counts)[::-1][:limit]
    names = _area_names(view)
    rows = []
    least = view.threshold if view.aggregates_only else 1
    for k in order.tolist():
        if counts[k] < least:
            break
        south, west, north, east = view.geometry.cell_bounds[k].tolist()
        area = view.geometry.cell_area[k]
        rows.append(
            {
                "area": names.get(area, "") if area is not None else "",
                "count": view.suppress(int(counts[k])),
                "lat": round((south + north) / 2, 5),
                "lon": round((west + east) / 2, 5),
            }
        )
    return rows


def hotspots(view: View) -> dict[str, Any]:
    """Getis-Ord Gi* on the 250 m cells (queen neighbours, the cell itself included) with the
    false discovery rate held: hot and cold spots at 99, 95 and 90 % confidence."""
    if view.geometry is None or view.cell_counts.sum() == 0:
        return {"type": "FeatureCollection", "features": []}
    result = gi_star(view.cell_counts, view.geometry.weights, fdr=True)
    significant = np.flatnonzero(result.bins != 0)
    rings = view.geometry.cell_polygons(view.geometry.inside[significant])
    names = _area_names(view)
    features = []
    for k, ring in zip(significant.tolist(), rings, strict=True):
        level = int(result.bins[k])
        area_id = view.geometry.cell_area[k]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": int(view.geometry.inside[k]),
                    "kind": "hot" if level > 0 else "cold",
                    "confidence": CONFIDENCE[abs(level)],
                    "z": round(float(result.z[k]), 2),
                    "count": view.suppress(int(view.cell_counts[k])),
                    "area": names.get(area_id, "") if area_id is not None else "",
                    "area_id": area_id,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _area_names(view: View) -> dict[int, str]:
    return dict(
        Area.objects.filter(municipality=view.access.municipality).values_list("pk", "name")
    )


def areas(view: View) -> dict[str, Any]:
    """Count and rate per 1 000 inhabitants per area, with the change against the period
    before."""
    rows = list(
        Area.objects.filter(municipality=view.access.municipality).values_list(
            "pk", "name", "population", "day_population"
        )
    )
    current, previous = area_counts(view, [row[0] for row in rows])
    out = []
    for (pk, name, population, day), count, earlier in zip(rows, current, previous, strict=True):
        rate = round(count / population * 1000, 2) if count is not None and population else None
        out.append(
            {
                "id": pk,
                "name": name,
                "count": count,
                "previous": earlier,
                "population": population,
                "rate": rate,
                # For the popup: JavaScript would write "2.5"; the one formatter writes "2,5".
                "rate_text": formatting.number(rate, 1) if rate is not None else None,
                # Many more here by day than live here: the rate overstates the residents' risk.
                "day_note": day_population_note(population, day)
                if rate is not None and population and day and many_by_day(population, day)
                else None,
            }
        )
    return {"areas": out, "total": total(view)["count"], "previous_total": _previous_total(view)}


def _previous_total(view: View) -> int | None:
    if view.aggregates_only:
        return view.release.period(f"previous:{view.filters.period}").shown_total()
    previous = statistics_mask(view.snap, view.access) & filter_mask(
        view.snap, view.filters, view.filters.previous_dates()
    )
    return int(previous.sum())


def area_counts(view: View, ids: list[int]) -> tuple[list[int | None], list[int | None]]:
    """Incidents per area in the period and in the period before, as this user may see them."""
    if view.aggregates_only:
        released = view.release
        now = dict(zip(released.area_ids, view.published.tables["area"].shown(), strict=True))
        earlier = released.period(f"previous:{view.filters.period}").tables["area"].shown()
        before = dict(zip(released.area_ids, earlier, strict=True))
        return [now.get(pk) for pk in ids], [before.get(pk) for pk in ids]
    array = np.array(ids, dtype=np.int64)
    current = per_area(view.snap["area"][view.selected], array)
    previous_mask = statistics_mask(view.snap, view.access) & filter_mask(
        view.snap, view.filters, view.filters.previous_dates()
    )
    previous = per_area(view.snap["area"][previous_mask], array)
    return [int(n) for n in current], [int(n) for n in previous]


def assessments(view: View) -> dict[str, Any]:
    """This week's assessments: the most serious level given to each area."""
    year, week, _day = timezone.localdate().isocalendar()
    rank = {"green": 0, "yellow": 1, "red": 2}
    worst: dict[int, str] = {}
    rows = AreaAssessment.objects.filter(
        weekly_report__municipality=view.access.municipality,
        weekly_report__iso_year=year,
        weekly_report__iso_week=week,
    ).values_list("area_id", "level")
    for area_id, level in rows:
        if rank[level] > rank.get(worst.get(area_id, "green"), 0) or area_id not in worst:
            worst[area_id] = level
    return {"week": week, "areas": {str(k): v for k, v in worst.items()}}


LAYER_FUNCTIONS = {
    "points": points,
    "heat": heat,
    "grid": grid,
    "hotspots": hotspots,
    "areas": areas,
    "assessments": assessments,
}
