"""Gi* against PySAL (esda.G_Local, binary weights with the self-weight), FDR, Local Moran."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from samtrygg.analysis import weights
from samtrygg.analysis.hotspots import (
    benjamini_hochberg,
    confidence_bins,
    gi_star,
    gi_star_grid,
    local_moran,
)

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")


def esda_gi_star_z(y: np.ndarray, w_sparse) -> np.ndarray:
    w = libpysal.weights.WSP(w_sparse).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, w, transform="B", star=True, permutations=0).Zs


def test_grid_equals_pysal_to_1e9() -> None:
    rng = np.random.default_rng(3)
    rows, cols = 30, 40
    counts = rng.poisson(2.0, size=(rows, cols)).astype(float)
    counts[10:14, 20:25] += 9  # a hot spot
    w = weights.grid_queen(rows, cols)
    reference = esda_gi_star_z(counts.ravel(), w)
    ours_sparse = gi_star(counts.ravel(), w).z
    ours_grid = gi_star_grid(counts).z.ravel()
    np.testing.assert_allclose(ours_sparse, reference, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours_grid, reference, rtol=0, atol=1e-9)
    assert gi_star_grid(counts).bins[11, 22] == 3


def test_irregular_areas_equal_pysal_to_1e9() -> None:
    from shapely import voronoi_polygons
    from shapely.geometry import MultiPoint, box

    rng = np.random.default_rng(5)
    points = rng.uniform(0, 1000, size=(60, 2))
    frame = box(0, 0, 1000, 1000)
    cells = [
        c.intersection(frame) for c in voronoi_polygons(MultiPoint(points), extend_to=frame).geoms
    ]
    w = weights.polygon_contiguity(cells)
    y = rng.poisson(5, size=len(cells)).astype(float)
    np.testing.assert_allclose(gi_star(y, w).z, esda_gi_star_z(y, w), rtol=0, atol=1e-9)


def test_distance_band_equals_pysal() -> None:
    rng = np.random.default_rng(8)
    x, y = rng.uniform(0, 500, 200), rng.uniform(0, 500, 200)
    values = rng.poisson(3, 200).astype(float)
    w = weights.distance_band(x, y, 80)
    np.testing.assert_allclose(gi_star(values, w).z, esda_gi_star_z(values, w), atol=1e-9)


def test_h3_ring_weights_are_symmetric_with_self() -> None:
    import h3

    centre = h3.latlng_to_cell(56.67, 12.86, 9)
    cells = sorted(h3.grid_disk(centre, 2))
    w = weights.h3_rings(cells, k=1)
    assert (w != w.T).nnz == 0
    assert w.diagonal().sum() == len(cells)
    assert w[[cells.index(centre)], :].sum() == 7  # itself and six neighbours


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (8, 9), elements=st.floats(0, 50, allow_nan=False)))
def test_gi_star_mirror_symmetry(counts: np.ndarray) -> None:
    """Mirroring the grid mirrors the z-scores; negating the values negates them."""
    if counts.std() < 1e-6:
        return
    z = gi_star_grid(counts).z
    np.testing.assert_allclose(gi_star_grid(counts[:, ::-1]).z, z[:, ::-1], atol=1e-9)
    np.testing.assert_allclose(gi_star_grid(counts[::-1, :]).z, z[::-1, :], atol=1e-9)
    np.testing.assert_allclose(gi_star_grid(counts.T).z, z.T, atol=1e-9)
    np.testing.assert_allclose(gi_star_grid(-counts).z, -z, atol=1e-9)


def test_benjamini_hochberg_textbook_example() -> None:
    # Benjamini & Hochberg (1995), the 15 p-values of their example: 4 rejected at q = 0.05.
    p = [
        0.0001,
        0.0004,
        0.0019,
        0.0095,
        0.0201,
        0.0278,
        0.0298,
        0.0344,
        0.0459,
        0.3240,
        0.4262,
        0.5719,
        0.6528,
        0.7590,
        1.000,
    ]
    assert benjamini_hochberg(p, 0.05).sum() == 4
    assert list(np.nonzero(benjamini_hochberg(p[::-1], 0.05))[0]) == [11, 12, 13, 14]


def test_confidence_bins() -> None:
    z = np.array([3.0, 2.0, 1.7, 0.5, -2.7])
    p = np.array([0.002, 0.04, 0.08, 0.6, 0.007])
    assert list(confidence_bins(z, p, fdr=False)) == [3, 2, 1, 0, -3]


def test_conditional_permutation_p_agrees_with_analytic_on_a_clear_hot_spot() -> None:
    counts = np.ones((20, 20))
    counts[5:8, 5:8] = 15
    w = weights.grid_queen(20, 20)
    result = gi_star(counts.ravel(), w, permutations=199, seed=1)
    assert result.p_sim is not None
    assert result.p_sim.reshape(20, 20)[6, 6] == pytest.approx(1 / 200)
    again = gi_star(counts.ravel(), w, permutations=199, seed=1)
    np.testing.assert_array_equal(result.p_sim, again.p_sim)


def test_local_moran_matches_pysal() -> None:
    rng = np.random.default_rng(11)
    counts = rng.poisson(3, size=(12, 12)).astype(float)
    counts[:4, :4] += 6
    w = weights.grid_queen(12, 12, include_self=False)
    ours = local_moran(counts.ravel(), w, permutations=99, seed=2)
    wp = libpysal.weights.WSP(w).to_W(silence_warnings=True)
    wp.transform = "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = esda.Moran_Local(counts.ravel(), wp, permutations=99, seed=2)
    np.testing.assert_allclose(ours.i, reference.Is, atol=1e-9)
    np.testing.assert_array_equal(ours.quadrant, reference.q)
