"""The near-repeat finding shared by the dashboard and the lägesbild: the Knox test on fires,
vandalism and graffiti — is another within 200 m more likely in the 7 days after one?"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from samtrygg.analysis.knox import knox

CATEGORIES = ("brand", "skadegorelse", "klotter")
MAX_EVENTS = 10_000  # the most recent; the test's cost grows with the pairs within reach
PERMUTATIONS = 99
DISTANCE_M = 200
DAYS = 7


def near_repeat(
    x: NDArray[np.float64], y: NDArray[np.float64], days: NDArray[np.int64]
) -> dict[str, Any] | None:
    """Observed / expected pairs within 200 m and 7 days, with the Monte Carlo p-value, for
    the last MAX_EVENTS events (in id order, which is report order)."""
    x, y, days = x[-MAX_EVENTS:], y[-MAX_EVENTS:], days[-MAX_EVENTS:]
    if x.size < 30:
        return None
    test = knox(
        x,
        y,
        days.astype(float),
        [0, DISTANCE_M],
        [0, DAYS + 1],
        permutations=PERMUTATIONS,
        seed=1,
    )
    ratio, p = float(test.ratio[0, 0]), float(test.p_value[0, 0])
    return {
        "ratio": round(ratio, 2),
        "p": round(p, 3),
        "events": int(x.size),
        "raised": ratio > 1 and p < 0.05,
    }
