"""Counting pieces shared by the map, the dashboard, the lägesbild documents, the weekly
picture and the public page: per area, per category and week, the mask for documents that go to
every actor, and emerging hot spots grouped by area."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samtrygg.analysis.emerging import emerging_hot_spots
from samtrygg.incidents.models import Category, Visibility
from samtrygg.tenancy.models import Municipality

from .geometry import MunicipalityGeometry
from .localtime import day_number
from .snapshot import Snapshot


def per_area(area_of: NDArray[np.int32], ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """How many of the incidents (their area ids) fall in each of the areas ``ids``."""
    if ids.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(ids)
    position = np.searchsorted(ids[order], area_of)
    position = np.clip(position, 0, ids.size - 1)
    hit = ids[order][position] == area_of
    counts = np.bincount(position[hit], minlength=ids.size)
    out = np.zeros(ids.size, dtype=np.int64)
    out[order] = counts
    return out


def restricted_ids(municipality: Municipality) -> list[int]:
    return list(
        Category.objects.filter(
            municipality=municipality, visibility=Visibility.RESTRICTED
        ).values_list("pk", flat=True)
    )


def shared_mask(snap: Snapshot, municipality: Municipality) -> NDArray[np.bool_]:
    """Counted incidents outside restricted categories: what goes to every actor and out."""
    return snap.counted & ~np.isin(snap["category"], restricted_ids(municipality))


def weekly_counts(
    categories: NDArray[np.int32], week: NDArray[np.int64], ids: list[int], weeks: int
) -> NDArray[np.float64]:
    """(category, week) counts for weeks 0 … weeks−1 (other weeks are ignored)."""
    counts = np.zeros((len(ids), weeks))
    inside = (week >= 0) & (week < weeks)
    for row, pk in enumerate(ids):
        chosen = inside & (categories == pk)
        counts[row] = np.bincount(week[chosen], minlength=weeks)[:weeks]
    return counts


def emerging_by_area(
    snap: Snapshot,
    mask: NDArray[np.bool_],
    days: NDArray[np.int64],
    geometry: MunicipalityGeometry,
    first: date,
    weeks: int,
    names: dict[int, str],
    min_active: int = 1,
) -> list[dict[str, Any]]:
    """Emerging hot-spot classes ("new", "persistent", …) of the 250 m squares over ``weeks``
    weeks from ``first``, counted per area: [{"kind", "area", "squares"}], most squares first.
    Nothing when fewer than ``min_active`` squares had an incident."""
    week = (days - day_number(first)) // 7
    valid = mask & (week >= 0) & (week < weeks) & ~np.isnan(snap["x"])
    cells = geometry.cell_of(snap["x"][valid], snap["y"][valid])
    position = np.full(geometry.grid.size, -1)
    position[geometry.inside] = np.arange(geometry.inside.size)
    local = position[np.where(cells >= 0, cells, 0)]
    ok = (cells >= 0) & (local >= 0)
    n = geometry.inside.size
    flat = np.bincount(week[valid][ok] * n + local[ok], minlength=weeks * n)
    cube = flat.reshape(weeks, n).astype(float)
    if cube.sum() == 0 or np.count_nonzero(cube.sum(axis=0)) < min_active:
        return []
    result = emerging_hot_spots(cube, geometry.weights)
    groups: dict[tuple[str, str], int] = {}
    for k, label in enumerate(result.category):
        if label.endswith("hot spot"):
            area = geometry.cell_area[k]
            key = (
                label.replace(" hot spot", ""),
                names.get(area, "–") if area is not None else "–",
            )
            groups[key] = groups.get(key, 0) + 1
    return [
        {"kind": kind, "area": area, "squares": squares}
        for (kind, area), squares in sorted(groups.items(), key=lambda item: -item[1])
    ]
