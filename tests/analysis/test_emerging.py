from __future__ import annotations

import numpy as np
import pytest

from samtrygg.analysis import weights
from samtrygg.analysis.emerging import categorise_series, emerging_hot_spots
from samtrygg.analysis.trend import mann_kendall


def test_mann_kendall_hand_computed() -> None:
    # 1, 2, 3, 4, 5: S = 10, Var = 5·4·15/18 = 16.667, Z = (10 − 1)/4.082 = 2.205.
    result = mann_kendall([1, 2, 3, 4, 5])
    assert result.s[0] == 10
    assert result.variance[0] == pytest.approx(50 / 3)
    assert result.z[0] == pytest.approx(9 / np.sqrt(50 / 3))
    assert result.p[0] == pytest.approx(0.02747, abs=1e-4)


def test_mann_kendall_tie_correction() -> None:
    # 1, 2, 2, 3: S = 5 (one tied pair scores 0); ties: one group of 2 → 2·1·9 = 18;
    # Var = (4·3·13 − 18)/18 = 7.667.
    result = mann_kendall([1, 2, 2, 3])
    assert result.s[0] == 5
    assert result.variance[0] == pytest.approx((156 - 18) / 18)


def test_mann_kendall_vectorised_equals_one_by_one() -> None:
    rng = np.random.default_rng(0)
    many = rng.integers(0, 5, size=(100, 20)).astype(float)
    together = mann_kendall(many)
    for row in (0, 17, 99):
        single = mann_kendall(many[row])
        assert together.z[row] == pytest.approx(single.z[0])
        assert together.variance[row] == pytest.approx(single.variance[0])


H, C, N = 1, -1, 0  # hot, cold, not significant
CASES = {
    "new hot spot": ([N] * 9 + [H], 0),
    "consecutive hot spot": ([N] * 6 + [H] * 4, 0),
    "intensifying hot spot": ([H] * 10, 1),
    "persistent hot spot": ([H] * 10, 0),
    "diminishing hot spot": ([H] * 10, -1),
    "sporadic hot spot": ([N, H, N, N, H, N, H, N, N, H], 0),
    "oscillating hot spot": ([N, C, N, H, N, C, N, N, N, H], 0),
    "historical hot spot": ([H] * 9 + [N], 0),
    "new cold spot": ([N] * 9 + [C], 0),
    "consecutive cold spot": ([N] * 7 + [C] * 3, 0),
    "intensifying cold spot": ([C] * 10, -1),
    "persistent cold spot": ([C] * 10, 0),
    "diminishing cold spot": ([C] * 10, 1),
    "sporadic cold spot": ([C, N, N, C, N, N, N, C, N, C], 0),
    "oscillating cold spot": ([N, H, N, N, C, N, N, N, N, C], 0),
    "historical cold spot": ([C] * 9 + [N], 0),
    "no pattern": ([N, H, N, N, N, N, N, N, N, N], 0),
}


@pytest.mark.parametrize("expected", list(CASES))
def test_each_category_from_a_hand_built_series(expected: str) -> None:
    series, trend = CASES[expected]
    assert categorise_series(series, trend) == expected


def test_cube_finds_a_new_and_a_persistent_hot_spot() -> None:
    rng = np.random.default_rng(1)
    rows, cols, steps = 12, 12, 12
    cube = rng.poisson(2, size=(steps, rows, cols)).astype(float)
    cube[:, 2:4, 2:4] += 12  # persistent
    cube[-1, 8:10, 8:10] += 30  # new in the last step
    result = emerging_hot_spots(cube.reshape(steps, -1), weights.grid_queen(rows, cols))
    category = np.array(result.category).reshape(rows, cols)
    assert category[2, 2] in {
        "persistent hot spot",
        "intensifying hot spot",
        "diminishing hot spot",
    }
    assert category[8, 8] == "new hot spot"
    assert (category == "no pattern").mean() > 0.7


def test_space_time_cube_counts_by_week_and_cell() -> None:
    from samtrygg.analysis.emerging import space_time_cube
    from samtrygg.analysis.grid import Grid

    grid = Grid(0, 0, 100, (2, 2))
    dates = np.array(
        ["2026-11-23", "2026-11-29", "2026-11-30", "2026-12-08"], dtype="datetime64[D]"
    )
    cube, starts = space_time_cube([10, 150, 10, 150], [10, 10, 150, 150], dates, grid)
    assert list(starts) == list(
        np.array(["2026-11-23", "2026-11-30", "2026-12-07"], dtype="datetime64[D]")
    )
    assert cube.tolist() == [[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    monthly, month_starts = space_time_cube([10] * 4, [10] * 4, dates, grid, step="M")
    assert monthly[:, 0].tolist() == [3, 1]  # three in November, one in December
