from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samtrygg.analysis.kde import (
    arcgis_default_bandwidth,
    class_polygons,
    kde,
    quartic_kernel,
)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.floats(60, 500), st.integers(0, 10_000))
def test_mass_is_conserved(n: int, bandwidth: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 3000, n), rng.uniform(0, 3000, n)
    result = kde(x, y, cell=25, bandwidth=bandwidth)
    mass = result.density.sum() * (25**2) / 1e6
    assert mass == pytest.approx(n, rel=1e-9)


def test_single_point_matches_the_quartic_formula() -> None:
    # Cell centres at multiples of 10 m from the point; 3/(π h²)(1 - d²/h²)² per m².
    h = 200.0
    result = kde([5.0], [5.0], cell=10, bandwidth=h)
    xc, yc = result.grid.centres()
    d2 = (xc - 5.0) ** 2 + (yc - 5.0) ** 2
    analytic = np.where(d2 < h**2, 3 / (np.pi * h**2) * (1 - d2 / h**2) ** 2, 0) * 1e6
    # The discrete kernel is renormalised to sum to one: within 0.2 % of the continuous one.
    assert result.density.max() == pytest.approx(analytic.max(), rel=2e-3)
    np.testing.assert_allclose(result.density, analytic, atol=analytic.max() * 2e-3)


def test_weights_scale_the_density() -> None:
    plain = kde([0, 100], [0, 0], cell=20, bandwidth=100)
    weighted = kde([0, 100], [0, 0], cell=20, bandwidth=100, weights=[2, 2], grid=plain.grid)
    np.testing.assert_allclose(weighted.density, 2 * plain.density)


def test_kernel_is_symmetric_and_normalised() -> None:
    kernel = quartic_kernel(300, 50)
    assert kernel.sum() == pytest.approx(1)
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1])
    np.testing.assert_allclose(kernel, kernel.T)


def test_arcgis_rule_on_a_known_configuration() -> None:
    # Four points on a square of side 2: SD = √2, Dm = √2, n^-0.2 = 4^-0.2.
    bandwidth = arcgis_default_bandwidth([0, 2, 0, 2], [0, 0, 2, 2])
    assert bandwidth == pytest.approx(0.9 * np.sqrt(2) * 4**-0.2)


def test_class_polygons_cover_the_dense_cells() -> None:
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0, 50, 200), rng.uniform(-2000, 2000, 50)])
    y = np.concatenate([rng.normal(0, 50, 200), rng.uniform(-2000, 2000, 50)])
    result = kde(x, y, cell=50, bandwidth=300)
    (low, low_poly), (high, high_poly) = class_polygons(result, [10, 100])
    assert high_poly.area < low_poly.area
    assert high_poly.contains(__import__("shapely").Point(0, 0))


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        kde([0], [0], cell=0)
    with pytest.raises(ValueError):
        kde([0], [0], bandwidth=-1)
