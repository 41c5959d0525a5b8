from __future__ import annotations

import math

import numpy as np
import pytest

from samtrygg.analysis.evaluation import (
    Counts,
    difference_in_differences,
    evaluate,
    relative_effect_size,
    wdd,
    wdq,
)


def test_wdd_worked_example() -> None:
    # Wheeler & Ratcliffe (2018): treated 100 → 80, control 100 → 90.
    result = wdd(Counts(100, 80), Counts(100, 90))
    assert result.wdd == -10
    assert result.se == pytest.approx(math.sqrt(370))  # 19.24
    assert round(result.se, 1) == 19.2
    assert result.ci_low < 0 < result.ci_high


def test_wdd_with_displacement_area() -> None:
    result = wdd(Counts(100, 80), Counts(100, 90), Counts(50, 55), Counts(60, 60))
    assert result.wdd == -10 + 5 - 0
    assert result.se == pytest.approx(math.sqrt(100 + 80 + 100 + 90 + 50 + 55 + 60 + 60))


def test_wdq_by_the_definitions() -> None:
    # Bowers & Johnson (2003) definitions, computed by hand:
    # SM = 60/180 − 100/200 = −1/6; BDM = 70/180 − 80/200 = −1/90; WDQ = BDM/SM = 1/15;
    # TNE = (100·0.9 − 60) + (80·0.9 − 70) = 32.
    result = wdq(Counts(100, 60), Counts(200, 180), Counts(80, 70))
    assert result.success_measure == pytest.approx(-1 / 6)
    assert result.buffer_displacement_measure == pytest.approx(-1 / 90)
    assert result.wdq == pytest.approx(1 / 15)
    assert result.total_net_effect == pytest.approx(32)


def test_relative_effect_size() -> None:
    result = relative_effect_size(Counts(100, 80), Counts(100, 90))
    assert result.res == pytest.approx(1.125)
    se = math.sqrt(1 / 100 + 1 / 80 + 1 / 100 + 1 / 90)
    assert result.ci_low == pytest.approx(1.125 * math.exp(-1.959964 * se), rel=1e-6)
    assert result.percent_change == pytest.approx((1 / 1.125 - 1) * 100)


def test_summary_never_claims_too_much() -> None:
    few = evaluate(Counts(6, 2), Counts(40, 45)).summary("sv")
    assert "för litet" in few and "effekt" in few
    unclear = evaluate(Counts(100, 80), Counts(100, 90)).summary("sv")
    assert "inte statistiskt säkerställd" in unclear
    clear = evaluate(Counts(300, 150), Counts(300, 310), Counts(100, 80)).summary("en")
    assert "statistically significant" in clear and "not statistically" not in clear
    assert "association, not cause" in clear
    assert "diffusion of benefits" in clear


def test_difference_in_differences_recovers_a_known_effect() -> None:
    rng = np.random.default_rng(12)
    rows = []
    for area in range(20):
        treated = area < 10
        level = rng.uniform(20, 60)
        for period in range(8):
            after = period >= 4
            rate = level * (1 + 0.03 * period) * (0.6 if treated and after else 1.0)
            rows.append((rng.poisson(rate), int(treated), int(after), area, period))
    y, treated, after, area, period = map(np.array, zip(*rows, strict=True))
    result = difference_in_differences(y, treated, after, area, period)
    assert result.ci_low < 0.6 < result.ci_high
    assert result.p < 0.001
    assert result.pre_trend_p is not None and result.pre_trend_p > 0.01
