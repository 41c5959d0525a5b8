"""Per municipality, what every map layer needs and nothing changes often: the boundary in
SWEREF 99 TM, a 250 m grid over it with the cells inside, their neighbours for Gi*, the area
each cell's centre lies in, and a finer grid for the density surface. Built once per process
and municipality (a municipality's boundary does not change while it runs)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse
from shapely.geometry import shape

from samtrygg.analysis.geo import geometry_to_sweref, sweref_to_wgs84
from samtrygg.analysis.grid import Grid
from samtrygg.analysis.weights import grid_queen
from samtrygg.areas.queries import assign_areas
from samtrygg.tenancy.models import Municipality

GRID_CELL_M = 250.0
HEAT_CELL_M = 100.0
HEAT_BANDWIDTH_M = 300.0


@dataclass(frozen=True)
class MunicipalityGeometry:
    grid: Grid  # 250 m cells over the boundary's bounding box
    inside: NDArray[np.int64]  # flat indices of the cells whose centre is in the municipality
    weights: sparse.csr_array  # queen neighbours (cell itself included) among the inside cells
    cell_area: NDArray[Any]  # area id (or None) per inside cell
    heat_grid: Grid
    # [south, west, north, east] in WGS 84 per inside cell (the order of ``inside``).
    cell_bounds: NDArray[np.float64]

    def cell_of(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Flat 250 m cell index per point (−1 outside the grid or without a point)."""
        row, col = self.grid.cell_index(np.nan_to_num(x, nan=-1e12), np.nan_to_num(y, nan=-1e12))
        rows, cols = self.grid.shape
        ok = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        return np.where(ok, row * cols + col, -1)

    def inside_counts(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        """Points per 250 m square inside the municipality (in the order of ``inside``)."""
        cells = self.cell_of(x, y)
        full = np.bincount(cells[cells >= 0], minlength=self.grid.size)
        return full[self.inside].astype(float)

    def cell_polygons(self, flat: NDArray[np.int64]) -> list[list[list[float]]]:
        """WGS 84 rings ([lon, lat] × 5) of the given 250 m cells."""
        return cell_rings(self.grid, flat)


def cell_rings(grid: Grid, flat: NDArray[np.int64]) -> list[list[list[float]]]:
    rows, cols = np.divmod(np.asarray(flat, dtype=np.int64), grid.shape[1])
    x0 = grid.x0 + cols * grid.cell
    y0 = grid.y0 + rows * grid.cell
    xs = np.stack([x0, x0 + grid.cell, x0 + grid.cell, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + grid.cell, y0 + grid.cell, y0], axis=1)
    lon, lat = sweref_to_wgs84(xs.ravel(), ys.ravel())
    lon, lat = np.round(lon.reshape(xs.shape), 6), np.round(lat.reshape(xs.shape), 6)
    return [np.stack([lo, la], axis=1).tolist() for lo, la in zip(lon, lat, strict=True)]


_CACHE: dict[int, MunicipalityGeometry] = {}
_LOCK = threading.Lock()


def geometry_for(municipality: Municipality) -> MunicipalityGeometry | None:
    if not municipality.boundary:
        return None
    with _LOCK:
        cached = _CACHE.get(municipality.pk)
        if cached is None:
            cached = _build(municipality)
            _CACHE[municipality.pk] = cached
    return cached


def forget(municipality_id: int | None = None) -> None:
    with _LOCK:
        if municipality_id is None:
            _CACHE.clear()
        else:
            _CACHE.pop(municipality_id, None)


def _build(municipality: Municipality) -> MunicipalityGeometry:
    boundary = geometry_to_sweref(shape(municipality.boundary))
    minx, miny, maxx, maxy = boundary.bounds
    grid = Grid.covering([minx, maxx], [miny, maxy], GRID_CELL_M)
    cx, cy = grid.centres()
    shapely.prepare(boundary)
    inside = np.flatnonzero(shapely.contains_xy(boundary, cx.ravel(), cy.ravel()))
    full = grid_queen(*grid.shape)
    weights = sparse.csr_array(full[inside][:, inside])
    areas = assign_areas(municipality.pk, cx.ravel()[inside], cy.ravel()[inside])
    heat_grid = Grid.covering([minx, maxx], [miny, maxy], HEAT_CELL_M, pad=3)
    return MunicipalityGeometry(grid, inside, weights, areas, heat_grid, _bounds(grid, inside))


def _bounds(grid: Grid, flat: NDArray[np.int64]) -> NDArray[np.float64]:
    rows, cols = np.divmod(flat, grid.shape[1])
    west, south = grid.x0 + cols * grid.cell, grid.y0 + rows * grid.cell
    lon0, lat0 = sweref_to_wgs84(west, south)
    lon1, lat1 = sweref_to_wgs84(west + grid.cell, south + grid.cell)
    return np.round(np.column_stack([lat0, lon0, lat1, lon1]), 6)
