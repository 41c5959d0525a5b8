"""Square grids in projected metres: binning points into cells, and cell geometry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Grid:
    """A regular grid: ``shape`` = (rows, cols); row 0 is the southern edge, col 0 the western.

    Cell (r, c) spans x in [x0 + c·cell, x0 + (c+1)·cell) and y in [y0 + r·cell, y0 + (r+1)·cell).
    """

    x0: float
    y0: float
    cell: float
    shape: tuple[int, int]

    @classmethod
    def covering(cls, x: ArrayLike, y: ArrayLike, cell: float, pad: int = 0) -> Grid:
        """The smallest grid aligned to multiples of ``cell`` that holds every point."""
        if cell <= 0:
            raise ValueError("cell size must be positive")
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.size == 0:
            raise ValueError("no points")
        x0 = (np.floor(x.min() / cell) - pad) * cell
        y0 = (np.floor(y.min() / cell) - pad) * cell
        cols = int(np.floor((x.max() - x0) / cell)) + 1 + pad
        rows = int(np.floor((y.max() - y0) / cell)) + 1 + pad
        return cls(float(x0), float(y0), float(cell), (rows, cols))

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    def cell_index(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        col = np.floor((np.asarray(x, dtype=float) - self.x0) / self.cell).astype(np.int64)
        row = np.floor((np.asarray(y, dtype=float) - self.y0) / self.cell).astype(np.int64)
        return row, col

    def counts(
        self, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """Points (or weights) per cell, as a (rows, cols) array; points outside are ignored."""
        row, col = self.cell_index(x, y)
        inside = (row >= 0) & (row < self.shape[0]) & (col >= 0) & (col < self.shape[1])
        flat = row[inside] * self.shape[1] + col[inside]
        w = None if weights is None else np.asarray(weights, dtype=float)[inside]
        return np.bincount(flat, weights=w, minlength=self.size).reshape(self.shape).astype(float)

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell centre coordinates, each of shape (rows, cols)."""
        xs = self.x0 + (np.arange(self.shape[1]) + 0.5) * self.cell
        ys = self.y0 + (np.arange(self.shape[0]) + 0.5) * self.cell
        return np.meshgrid(xs, ys)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (
            self.x0,
            self.y0,
            self.x0 + self.shape[1] * self.cell,
            self.y0 + self.shape[0] * self.cell,
        )
