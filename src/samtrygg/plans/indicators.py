"""Indicators computed from the incidents (categories × areas × period → count), and the
counts an effect evaluation needs (treated area, comparison area, buffer ring)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

from samtrygg.analysis.geo import geometry_to_sweref
from samtrygg.areas.models import Area
from samtrygg.situation.localtime import day_number, local_days
from samtrygg.situation.snapshot import snapshot
from samtrygg.tenancy.models import Municipality


def _base(
    municipality: Municipality, categories: Iterable[int], first: date, last: date
) -> tuple[NDArray[np.bool_], object]:
    snap = snapshot(municipality.pk)
    days = local_days(snap["start"])
    mask = snap.counted & (days >= day_number(first)) & (days <= day_number(last))
    chosen = list(categories)
    if chosen:
        mask &= np.isin(snap["category"], chosen)
    return mask, snap


def count(
    municipality: Municipality,
    categories: Iterable[int],
    areas: Iterable[int],
    first: date,
    last: date,
) -> int:
    """Counted incidents (duplicates once) of the categories in the areas and period."""
    mask, snap = _base(municipality, categories, first, last)
    chosen = list(areas)
    if chosen:
        mask &= np.isin(snap["area"], chosen)  # type: ignore[index]
    return int(mask.sum())


def evaluation_counts(
    municipality: Municipality,
    categories: Iterable[int],
    treated: Area,
    control: Area,
    buffer_m: float,
    before: tuple[date, date],
    after: tuple[date, date],
) -> dict[str, dict[str, int]]:
    """Counts before and after in the treated area, the comparison area and a buffer ring of
    ``buffer_m`` around the treated area (outside it), by the incidents' places."""
    cats = list(categories)
    polygon_r = geometry_to_sweref(shape(treated.geometry))
    polygon_c = geometry_to_sweref(shape(control.geometry))
    ring = polygon_r.buffer(buffer_m).difference(polygon_r) if buffer_m > 0 else None
    out: dict[str, dict[str, int]] = {}
    for label, (first, last) in (("before", before), ("after", after)):
        mask, snap = _base(municipality, cats, first, last)
        x, y = snap["x"][mask], snap["y"][mask]  # type: ignore[index]
        known = ~np.isnan(x)
        x, y = x[known], y[known]
        out.setdefault("treated", {})[label] = int(shapely.contains_xy(polygon_r, x, y).sum())
        out.setdefault("control", {})[label] = int(shapely.contains_xy(polygon_c, x, y).sum())
        if ring is not None:
            out.setdefault("buffer", {})[label] = int(shapely.contains_xy(ring, x, y).sum())
    return out


def monthly_series(
    municipality: Municipality,
    categories: Iterable[int],
    area: Area,
    first: date,
    last: date,
) -> list[tuple[str, int]]:
    """(YYYY-MM, count) per calendar month of the incidents inside the area's polygon."""
    mask, snap = _base(municipality, categories, first, last)
    polygon = geometry_to_sweref(shape(area.geometry))
    x, y = snap["x"][mask], snap["y"][mask]  # type: ignore[index]
    known = ~np.isnan(x)
    inside = np.zeros(x.size, dtype=bool)
    inside[known] = shapely.contains_xy(polygon, x[known], y[known])
    days = local_days(snap["start"][mask][inside])  # type: ignore[index]
    months = (np.datetime64("1970-01-01") + days.astype("timedelta64[D]")).astype("datetime64[M]")
    first_month = np.datetime64(first, "M")
    last_month = np.datetime64(last, "M")
    index = (months - first_month).astype(int)
    length = int((last_month - first_month).astype(int)) + 1
    counts = np.bincount(index[(index >= 0) & (index < length)], minlength=length)
    return [(str(first_month + np.timedelta64(k, "M")), int(counts[k])) for k in range(length)]


def suggest_controls(
    municipality: Municipality,
    treated: Area,
    categories: Iterable[int],
    first: date,
    last: date,
    limit: int = 3,
) -> list[dict[str, object]]:
    """Comparison areas like the treated one before the measure: a similar count in the before
    period and a similar trend (the change from its first half to its second half)."""
    cats = list(categories)
    middle = first + (last - first) / 2
    areas = list(Area.objects.filter(municipality=municipality).exclude(pk=treated.pk))

    def profile(area: Area) -> tuple[int, int]:
        return (
            count(municipality, cats, [area.pk], first, middle),
            count(municipality, cats, [area.pk], middle + timedelta(days=1), last),
        )

    early, late = profile(treated)
    scored = []
    for area in areas:
        a_early, a_late = profile(area)
        level = abs((a_early + a_late) - (early + late)) / max(early + late, 1)
        trend = abs((a_late - a_early) / max(a_early, 1) - (late - early) / max(early, 1))
        scored.append({"area": area, "before": a_early + a_late, "score": round(level + trend, 3)})
    return sorted(scored, key=lambda row: row["score"])[:limit]  # type: ignore[arg-type,return-value]
