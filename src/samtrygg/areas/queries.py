"""Reads of areas, scoped by the access policy, and the cached point-in-area index."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from django.db.models import Count, Max, QuerySet
from numpy.typing import ArrayLike, NDArray

from samtrygg.analysis.geo import PolygonIndex, geometry_to_sweref
from samtrygg.tenancy.policy import Access, scope_for
from samtrygg.tenancy.roles import Permission

from .models import Area


@scope_for(Area)
def scope_areas(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    if not access.can(Permission.VIEW_AREAS):
        return queryset.none()
    return queryset.filter(municipality=access.municipality)


def areas(access: Access) -> QuerySet[Area]:
    return access.scope(Area.objects.all())


_indexes: dict[tuple[int, str | None], tuple[tuple[Any, ...], PolygonIndex]] = {}


def area_index(municipality_id: int, kind: str | None = None) -> PolygonIndex:
    """A point-in-area index for one municipality, rebuilt only when its areas change.

    Not user-facing (it returns area ids, which callers then read through the policy), so it
    takes a municipality id rather than an Access: imports and services use it too.
    """
    rows = Area.objects.filter(municipality_id=municipality_id)
    if kind:
        rows = rows.filter(kind=kind)
    version = tuple(rows.aggregate(n=Count("id"), changed=Max("updated_at")).values())
    key = (municipality_id, kind)
    cached = _indexes.get(key)
    if cached is None or cached[0] != version:
        # Smaller areas first, so that a point in a small custom area inside a district gets it.
        loaded = list(rows.order_by("area_m2").values_list("id", "geometry"))
        polygons = [geometry_to_sweref(shapely.geometry.shape(g)) for _, g in loaded]
        cached = (version, PolygonIndex([pk for pk, _ in loaded], polygons))
        _indexes[key] = cached
    return cached[1]


def assign_areas(
    municipality_id: int, x: ArrayLike, y: ArrayLike, kind: str | None = None
) -> NDArray[Any]:
    """Area id per SWEREF 99 TM point (None where no area holds it)."""
    return area_index(municipality_id, kind).assign(np.asarray(x), np.asarray(y), missing=None)
