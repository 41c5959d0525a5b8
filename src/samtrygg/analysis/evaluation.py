"""Evaluating a measure: did crime fall in the treated area, and did it move next door?

Areas: R (treated), D (buffer around R, where crime could be displaced to, or where the benefits
could diffuse), C (comparison area, like R but untreated). Counts before (b) and after (a).

- Weighted Displacement Quotient and total net effect: Bowers & Johnson (2003).
- Weighted Displacement Difference with its standard error: Wheeler & Ratcliffe (2018).
- Relative effect size (odds ratio) with its confidence interval: Farrington et al. (2007).
- Difference-in-differences on counts per area and period: a Poisson GLM with area and period
  effects, errors clustered by area, and a check of parallel pre-trends.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

Z95 = stats.norm.ppf(0.975)
MIN_EVENTS = 20  # fewer events than this in R before and after: say the data are too few


@dataclass(frozen=True)
class Counts:
    before: float
    after: float


@dataclass(frozen=True)
class WdqResult:
    success_measure: float  # Ra/Ca − Rb/Cb; negative when crime fell relative to C
    buffer_displacement_measure: float | None  # Da/Ca − Db/Cb
    wdq: float | None  # BDM / SM: > 0 diffusion of benefits, < 0 displacement
    total_net_effect: float | None  # crimes prevented in R and D together (positive = fewer)


def wdq(treated: Counts, control: Counts, buffer: Counts | None = None) -> WdqResult:
    if min(control.before, control.after) <= 0:
        raise ValueError("the comparison area needs events in both periods")
    sm = treated.after / control.after - treated.before / control.before
    if buffer is None:
        return WdqResult(sm, None, None, None)
    bdm = buffer.after / control.after - buffer.before / control.before
    scale = control.after / control.before
    tne = (treated.before * scale - treated.after) + (buffer.before * scale - buffer.after)
    return WdqResult(sm, bdm, bdm / sm if sm != 0 else None, tne)


@dataclass(frozen=True)
class WddResult:
    wdd: float  # negative: fewer crimes than the comparison suggests
    se: float
    ci_low: float
    ci_high: float
    z: float
    p: float


def wdd(
    treated: Counts,
    control: Counts,
    buffer: Counts | None = None,
    buffer_control: Counts | None = None,
) -> WddResult:
    """WDD = ΔR − ΔC (+ ΔD − ΔC_D); counts taken as Poisson, so Var = the sum of all counts."""
    parts = [(treated, 1), (control, -1)]
    if buffer is not None:
        parts += [(buffer, 1), (buffer_control or control, -1)]
    value = sum(sign * (c.after - c.before) for c, sign in parts)
    variance = sum(c.after + c.before for c, _ in parts)
    se = math.sqrt(variance)
    z = value / se if se > 0 else float("nan")
    return WddResult(
        value,
        se,
        value - Z95 * se,
        value + Z95 * se,
        z,
        float(2 * stats.norm.sf(abs(z))) if se > 0 else float("nan"),
    )


@dataclass(frozen=True)
class ResResult:
    res: float  # (Rb · Ca) / (Ra · Cb): > 1 means a relative fall in R
    ci_low: float
    ci_high: float
    p: float
    percent_change: float  # (1/RES − 1) · 100: the change in R relative to C


def relative_effect_size(treated: Counts, control: Counts) -> ResResult:
    cells = [treated.before, treated.after, control.before, control.after]
    if min(cells) <= 0:
        raise ValueError("the relative effect size needs events in every cell")
    res = (treated.before * control.after) / (treated.after * control.before)
    se_log = math.sqrt(sum(1 / c for c in cells))
    z = math.log(res) / se_log
    return ResResult(
        res,
        math.exp(math.log(res) - Z95 * se_log),
        math.exp(math.log(res) + Z95 * se_log),
        float(2 * stats.norm.sf(abs(z))),
        (1 / res - 1) * 100,
    )


@dataclass(frozen=True)
class DidResult:
    rate_ratio: float  # exp(β) of treated × after: < 1 means fewer events than expected
    ci_low: float
    ci_high: float
    p: float
    pre_trend_p: float | None  # test of a different trend in R before the measure
    model: str


def difference_in_differences(
    counts: ArrayLike,
    treated: ArrayLike,
    after: ArrayLike,
    area: ArrayLike,
    period: ArrayLike,
    family: str = "poisson",
) -> DidResult:
    """Counts per (area, period) row; ``treated`` and ``after`` are 0/1 per row."""
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    frame = pd.DataFrame(
        {
            "y": np.asarray(counts, float),
            "treated": np.asarray(treated, int),
            "after": np.asarray(after, int),
            "area": np.asarray(area),
            "period": np.asarray(period),
        }
    )
    frame["effect"] = frame["treated"] * frame["after"]
    glm_family = sm.families.Poisson() if family == "poisson" else sm.families.NegativeBinomial()
    groups = pd.factorize(frame["area"])[0]
    fit = smf.glm("y ~ C(area) + C(period) + effect", data=frame, family=glm_family).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    beta, se = float(fit.params["effect"]), float(fit.bse["effect"])
    pre = frame[frame["after"] == 0].copy()
    pre_trend_p = None
    if pre["period"].nunique() > 2 and pre["treated"].nunique() == 2:
        pre["t"] = pd.factorize(pre["period"], sort=True)[0]
        pre["trend"] = pre["t"] * pre["treated"]
        pre_fit = smf.glm("y ~ C(area) + C(period) + trend", data=pre, family=glm_family).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(pre["area"])[0]}
        )
        pre_trend_p = float(pre_fit.pvalues["trend"])
    return DidResult(
        math.exp(beta),
        math.exp(beta - Z95 * se),
        math.exp(beta + Z95 * se),
        float(fit.pvalues["effect"]),
        pre_trend_p,
        family,
    )


@dataclass(frozen=True)
class Evaluation:
    treated: Counts
    control: Counts
    buffer: Counts | None
    wdq: WdqResult
    wdd: WddResult
    res: ResResult | None

    def summary(self, language: str = "sv") -> str:
        return summarise(self, language)


def evaluate(treated: Counts, control: Counts, buffer: Counts | None = None) -> Evaluation:
    res = None
    if min(treated.before, treated.after, control.before, control.after) > 0:
        res = relative_effect_size(treated, control)
    return Evaluation(
        treated, control, buffer, wdq(treated, control, buffer), wdd(treated, control, buffer), res
    )


_TEXT = {
    "sv": {
        "few": "Underlaget är för litet för att bedöma effekten: {n} händelser i åtgärdsområdet "
        "före och efter tillsammans (minst {min} behövs). Följ upp igen när mer data finns.",
        "change": "I åtgärdsområdet ändrades antalet händelser från {rb:g} till {ra:g} "
        "({rchange:+.0f} %), i jämförelseområdet från {cb:g} till {ca:g} "
        "({cchange:+.0f} %).",
        "sig_down": "Minskningen i förhållande till jämförelseområdet är statistiskt säkerställd "
        "(WDD {wdd:+.1f} händelser, 95 % konfidensintervall {lo:+.1f} till {hi:+.1f}).",
        "sig_up": "Ökningen i förhållande till jämförelseområdet är statistiskt säkerställd "
        "(WDD {wdd:+.1f} händelser, 95 % konfidensintervall {lo:+.1f} till {hi:+.1f}).",
        "not_sig": "Skillnaden mot jämförelseområdet är inte statistiskt säkerställd "
        "(WDD {wdd:+.1f} händelser, 95 % konfidensintervall {lo:+.1f} till {hi:+.1f}); "
        "det går inte att säga att åtgärden haft effekt.",
        "diffusion": "I buffertområdet tyder siffrorna på spridning av nytta (WDQ {wdq:.2f}), "
        "inte förflyttning av brott.",
        "displacement": "I buffertområdet tyder siffrorna på att brott kan ha flyttat dit "
        "(WDQ {wdq:.2f}).",
        "caveat": "Resultatet visar samvariation, inte orsak: andra förändringar under perioden "
        "kan ha påverkat.",
    },
    "en": {
        "few": "Too few events to judge the effect: {n} events in the treated area before and "
        "after together (at least {min} are needed). Follow up again when there is more.",
        "change": "In the treated area the number of events went from {rb:g} to {ra:g} "
        "({rchange:+.0f} %), in the comparison area from {cb:g} to {ca:g} "
        "({cchange:+.0f} %).",
        "sig_down": "The fall relative to the comparison area is statistically significant "
        "(WDD {wdd:+.1f} events, 95 % confidence interval {lo:+.1f} to {hi:+.1f}).",
        "sig_up": "The rise relative to the comparison area is statistically significant "
        "(WDD {wdd:+.1f} events, 95 % confidence interval {lo:+.1f} to {hi:+.1f}).",
        "not_sig": "The difference from the comparison area is not statistically significant "
        "(WDD {wdd:+.1f} events, 95 % confidence interval {lo:+.1f} to {hi:+.1f}); "
        "we cannot say the measure had an effect.",
        "diffusion": "In the buffer area the figures suggest a diffusion of benefits "
        "(WDQ {wdq:.2f}), not displacement.",
        "displacement": "In the buffer area the figures suggest crime may have been displaced "
        "there (WDQ {wdq:.2f}).",
        "caveat": "This shows association, not cause: other changes in the period may have "
        "played a part.",
    },
}


def _percent(before: float, after: float) -> float:
    return (after - before) / before * 100 if before else float("nan")


def summarise(evaluation: Evaluation, language: str = "sv") -> str:
    text = _TEXT["en" if language.startswith("en") else "sv"]
    t, c = evaluation.treated, evaluation.control
    n = t.before + t.after
    if n < MIN_EVENTS:
        return text["few"].format(n=f"{n:g}", min=MIN_EVENTS)
    parts = [
        text["change"].format(
            rb=t.before,
            ra=t.after,
            cb=c.before,
            ca=c.after,
            rchange=_percent(t.before, t.after),
            cchange=_percent(c.before, c.after),
        )
    ]
    w = evaluation.wdd
    values = {"wdd": w.wdd, "lo": w.ci_low, "hi": w.ci_high}
    if w.ci_high < 0:
        parts.append(text["sig_down"].format(**values))
    elif w.ci_low > 0:
        parts.append(text["sig_up"].format(**values))
    else:
        parts.append(text["not_sig"].format(**values))
    q = evaluation.wdq.wdq
    if q is not None and w.ci_high < 0 and evaluation.buffer is not None:
        parts.append(text["diffusion" if q > 0 else "displacement"].format(wdq=q))
    parts.append(text["caveat"])
    joined = " ".join(parts)
    if language.startswith("en"):
        return joined
    # Swedish: a decimal comma, and a true minus sign before a number.
    joined = re.sub(r"(?<=\d)\.(?=\d)", ",", joined)
    return re.sub(r"(?<![\w])-(?=\d)", "−", joined)
