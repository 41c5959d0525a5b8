from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from samtrygg.analysis.geo import PolygonIndex, sweref_to_wgs84, wgs84_to_sweref


def gauss_kruger(lon: float, lat: float) -> tuple[float, float]:
    """SWEREF 99 TM by Lantmäteriet's published Gauss–Krüger formulas (GRS 80, central
    meridian 15°, scale 0.9996, false easting 500 000 m): an independent reference for PROJ."""
    a, f = 6378137.0, 1 / 298.257222101
    k0, lon0, false_easting = 0.9996, math.radians(15.0), 500000.0
    e2 = f * (2 - f)
    n = f / (2 - f)
    a_hat = a / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    big_a = e2
    big_b = (5 * e2**2 - e2**3) / 6
    big_c = (104 * e2**3 - 45 * e2**4) / 120
    big_d = 1237 * e2**4 / 1260
    beta = [
        n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16 + 41 * n**4 / 180,
        13 * n**2 / 48 - 3 * n**3 / 5 + 557 * n**4 / 1440,
        61 * n**3 / 240 - 103 * n**4 / 140,
        49561 * n**4 / 161280,
    ]
    phi, lam = math.radians(lat), math.radians(lon)
    s = math.sin(phi)
    phi_star = phi - s * math.cos(phi) * (big_a + big_b * s**2 + big_c * s**4 + big_d * s**6)
    d_lam = lam - lon0
    xi = math.atan(math.tan(phi_star) / math.cos(d_lam))
    eta = math.atanh(math.cos(phi_star) * math.sin(d_lam))
    north = (
        k0
        * a_hat
        * (
            xi
            + sum(
                b * math.sin(2 * (i + 1) * xi) * math.cosh(2 * (i + 1) * eta)
                for i, b in enumerate(beta)
            )
        )
    )
    east = (
        k0
        * a_hat
        * (
            eta
            + sum(
                b * math.cos(2 * (i + 1) * xi) * math.sinh(2 * (i + 1) * eta)
                for i, b in enumerate(beta)
            )
        )
        + false_easting
    )
    return east, north


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(12.857, 56.674), (16.3616, 56.6634), (18.0686, 59.3293), (20.2253, 67.8558), (15.0, 62.0)],
)
def test_matches_the_gauss_kruger_formulas(lon: float, lat: float) -> None:
    x, y = wgs84_to_sweref([lon], [lat])
    east, north = gauss_kruger(lon, lat)
    assert float(x[0]) == pytest.approx(east, abs=0.001)
    assert float(y[0]) == pytest.approx(north, abs=0.001)


@settings(max_examples=50, deadline=None)
@given(st.floats(11.0, 24.0), st.floats(55.0, 69.0))
def test_round_trip(lon: float, lat: float) -> None:
    x, y = wgs84_to_sweref([lon], [lat])
    back_lon, back_lat = sweref_to_wgs84(x, y)
    assert back_lon[0] == pytest.approx(lon, abs=1e-9)
    assert back_lat[0] == pytest.approx(lat, abs=1e-9)


def test_polygon_index_first_polygon_wins_and_misses_are_missing() -> None:
    index = PolygonIndex(["small", "big"], [box(0, 0, 1, 1), box(0, 0, 10, 10)])
    result = index.assign(np.array([0.5, 5, 20]), np.array([0.5, 5, 20]), missing=None)
    assert list(result) == ["small", "big", None]


def test_polygon_index_vectorised_on_many_points() -> None:
    rng = np.random.default_rng(1)
    cells = [box(i, j, i + 1, j + 1) for i in range(10) for j in range(10)]
    index = PolygonIndex(list(range(100)), cells)
    x, y = rng.uniform(0, 10, 100_000), rng.uniform(0, 10, 100_000)
    result = index.assign(x, y).astype(int)
    assert np.array_equal(result, np.floor(x).astype(int) * 10 + np.floor(y).astype(int))
