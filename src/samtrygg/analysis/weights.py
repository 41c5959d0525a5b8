"""Binary spatial weights as scipy sparse matrices (CSR), the self-weight included for Gi*."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.spatial import cKDTree


def grid_queen(rows: int, cols: int, include_self: bool = True, order: int = 1) -> sparse.csr_array:
    """Queen contiguity of a rows × cols grid (cells numbered row by row), ``order`` rings."""
    index = np.arange(rows * cols).reshape(rows, cols)
    sources, targets = [], []
    for dr in range(-order, order + 1):
        for dc in range(-order, order + 1):
            if dr == 0 and dc == 0 and not include_self:
                continue
            r0, r1 = max(0, -dr), rows - max(0, dr)
            c0, c1 = max(0, -dc), cols - max(0, dc)
            sources.append(index[r0:r1, c0:c1].ravel())
            targets.append(index[r0 + dr : r1 + dr, c0 + dc : c1 + dc].ravel())
    i, j = np.concatenate(sources), np.concatenate(targets)
    n = rows * cols
    return sparse.csr_array((np.ones(len(i)), (i, j)), shape=(n, n))


def distance_band(
    x: ArrayLike, y: ArrayLike, threshold: float, include_self: bool = True, p: float = 2.0
) -> sparse.csr_array:
    """1 where two points are within ``threshold`` (Minkowski p: 2 Euclidean, 1 Manhattan)."""
    points = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    pairs = cKDTree(points).query_pairs(threshold, p=p, output_type="ndarray")
    n = len(points)
    i = np.concatenate([pairs[:, 0], pairs[:, 1]])
    j = np.concatenate([pairs[:, 1], pairs[:, 0]])
    if include_self:
        i, j = np.concatenate([i, np.arange(n)]), np.concatenate([j, np.arange(n)])
    return sparse.csr_array((np.ones(len(i)), (i, j)), shape=(n, n))


def from_neighbours(
    neighbours: Sequence[Iterable[int]], include_self: bool = True
) -> sparse.csr_array:
    """From adjacency lists (e.g. areas that share a border); made symmetric."""
    n = len(neighbours)
    i = np.array([a for a, ns in enumerate(neighbours) for _ in ns], dtype=np.int64)
    j = np.array([b for ns in neighbours for b in ns], dtype=np.int64)
    i, j = np.concatenate([i, j]), np.concatenate([j, i])
    if include_self:
        i, j = np.concatenate([i, np.arange(n)]), np.concatenate([j, np.arange(n)])
    matrix = sparse.csr_array((np.ones(len(i)), (i, j)), shape=(n, n))
    matrix.data[:] = 1.0  # duplicates summed above; binary weights
    return matrix


def polygon_contiguity(
    polygons: Sequence[object], include_self: bool = True, queen: bool = True
) -> sparse.csr_array:
    """Areas that touch (queen: a shared point suffices; rook: a shared edge)."""
    import shapely
    from shapely.strtree import STRtree

    tree = STRtree(list(polygons))
    left, right = tree.query(list(polygons), predicate="intersects")
    keep = left != right
    left, right = left[keep], right[keep]
    if not queen:
        shared = shapely.intersection(
            np.asarray(polygons, dtype=object)[left], np.asarray(polygons, dtype=object)[right]
        )
        edge = shapely.length(shared) > 0
        left, right = left[edge], right[edge]
    neighbours: list[list[int]] = [[] for _ in polygons]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        neighbours[a].append(b)
    return from_neighbours(neighbours, include_self=include_self)


def h3_rings(cells: Sequence[str], k: int = 1, include_self: bool = True) -> sparse.csr_array:
    """H3 cells within ``k`` rings of each other (among the given cells)."""
    import h3

    position = {cell: i for i, cell in enumerate(cells)}
    neighbours = [
        [position[c] for c in h3.grid_disk(cell, k) if c in position and c != cell]
        for cell in cells
    ]
    return from_neighbours(neighbours, include_self=include_self)
