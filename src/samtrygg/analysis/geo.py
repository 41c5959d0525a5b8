"""Coordinates and polygons: WGS 84 ⇄ SWEREF 99 TM, and fast point-in-polygon assignment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

WGS84 = "EPSG:4326"
SWEREF99TM = "EPSG:3006"


@cache
def _transformer(source: str, target: str) -> Transformer:
    # always_xy: (lon, lat) and (easting, northing) in, whatever the CRS's own axis order.
    return Transformer.from_crs(source, target, always_xy=True)


def wgs84_to_sweref(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised WGS 84 (lon, lat in degrees) to SWEREF 99 TM (x east, y north in metres)."""
    x, y = _transformer(WGS84, SWEREF99TM).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def sweref_to_wgs84(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised SWEREF 99 TM (x, y in metres) to WGS 84 (lon, lat in degrees)."""
    lon, lat = _transformer(SWEREF99TM, WGS84).transform(
        np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def geometry_to_sweref(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(
        geometry, lambda xy: np.column_stack(wgs84_to_sweref(xy[:, 0], xy[:, 1]))
    )


def geometry_to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(
        geometry, lambda xy: np.column_stack(sweref_to_wgs84(xy[:, 0], xy[:, 1]))
    )


def looks_projected(geometry: BaseGeometry) -> bool:
    """True when coordinates cannot be degrees (SWEREF 99 TM eastings and northings are large)."""
    minx, miny, maxx, maxy = geometry.bounds
    return max(abs(minx), abs(miny), abs(maxx), abs(maxy)) > 360


@dataclass
class PolygonIndex:
    """Assign points to polygons with a shapely STRtree (one vectorised query for all points).

    ``keys[i]`` names polygon ``i``; a point in no polygon gets ``missing``. Where polygons
    overlap, the first polygon in the given order wins, so callers can order by priority.
    """

    keys: Sequence[Any]
    polygons: Sequence[BaseGeometry]
    tree: STRtree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.polygons):
            raise ValueError("keys and polygons differ in length")
        self.tree = STRtree(list(self.polygons))

    def assign(self, x: ArrayLike, y: ArrayLike, missing: Any = -1) -> NDArray[Any]:
        points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        result = np.full(len(points), missing, dtype=object)
        if len(points) == 0 or len(self.polygons) == 0:
            return result
        point_idx, polygon_idx = self.tree.query(points, predicate="intersects")
        # Keep the lowest polygon index per point: sort by (point, polygon), take first of each.
        order = np.lexsort((polygon_idx, point_idx))
        point_idx, polygon_idx = point_idx[order], polygon_idx[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        keys = np.asarray(list(self.keys), dtype=object)
        result[point_idx[first]] = keys[polygon_idx[first]]
        return result
