"""One effect evaluation as a document (documents/model.py; issue 13, item 2): what the
evaluation page shows — the result in plain words, the measure, the design and the comparison,
the counts before and after, the statistical measures, the months — and the caveats. Built
once, through the translation system and the one formatter; the PDF and the Word file
(documents/render.py) only lay it out."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from samtrygg.core import formatting
from samtrygg.plans.models import Evaluation

from . import render as render_document
from .model import Document, Section


def _number(value: Any, decimals: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) and decimals == 0:
        return formatting.number(value)
    return formatting.number(float(value), decimals)


def _period(pair: list[str] | None) -> str:
    if not pair or len(pair) != 2:
        return "–"
    return formatting.period(date.fromisoformat(pair[0]), date.fromisoformat(pair[1]))


def _range(low: Any, high: Any, decimals: int) -> str:
    return f"{_number(low, decimals)}–{_number(high, decimals)}"


def _measure(evaluation: Evaluation) -> Section:
    measure = evaluation.measure
    heading = pgettext("plan", "The measure")
    if measure is None:
        return Section(heading, paragraphs=[_("The evaluation is not linked to a measure.")])
    paragraphs = [_("Measure: %(title)s.") % {"title": measure.title}]
    if measure.goal:
        paragraphs.append(_("Operational goal: %(goal)s") % {"goal": measure.goal})
    paragraphs.append(
        _("Responsible: %(organisation)s. Due %(date)s.")
        % {"organisation": measure.responsible.name, "date": formatting.day(measure.deadline)}
    )
    return Section(heading, paragraphs=paragraphs)


def _design(i: dict[str, Any]) -> Section:
    lines = [
        _("Categories: %(names)s.") % {"names": ", ".join(i.get("category_names", [])) or "–"},
        _(
            "The incidents in the area where the measure was taken (%(treated)s) are compared "
            "with those in a comparison area without it (%(control)s), before and after."
        )
        % {"treated": i.get("treated", "–"), "control": i.get("control", "–")},
        _("Before: %(before)s. After: %(after)s.")
        % {"before": _period(i.get("before")), "after": _period(i.get("after"))},
    ]
    if i.get("buffer_m"):
        lines.append(
            _(
                "A buffer ring of %(m)s m around the area shows whether incidents moved to the "
                "surroundings."
            )
            % {"m": formatting.number(i["buffer_m"])}
        )
    return Section(_("Design and comparison"), paragraphs=lines)


def _counts(i: dict[str, Any]) -> Section:
    counts = i.get("counts") or {}
    rows = [
        [f"{label}: {name}", _number(counts[key]["before"]), _number(counts[key]["after"])]
        for key, label, name in (
            ("treated", _("Treated"), i.get("treated", "–")),
            ("control", _("Comparison"), i.get("control", "–")),
        )
        if key in counts
    ]
    if "buffer" in counts:
        rows.append(
            [
                _("Buffer ring %(m)s m") % {"m": formatting.number(i.get("buffer_m") or 0)},
                _number(counts["buffer"]["before"]),
                _number(counts["buffer"]["after"]),
            ]
        )
    if not rows:
        return Section(_("Incidents before and after"), paragraphs=[_("No counts saved.")])
    return Section(
        _("Incidents before and after"),
        header=[
            pgettext("place", "Area"),
            f"{_('Before')} {_period(i.get('before'))}",
            f"{_('After')} {_period(i.get('after'))}",
        ],
        rows=rows,
    )


def _statistics(r: dict[str, Any]) -> Section:
    rows = []
    wdq, wdd, did, res = r.get("wdq"), r.get("wdd"), r.get("did"), r.get("res")
    if wdq:
        rows.append(
            [
                "WDQ",
                f"{_number(wdq.get('wdq'), 2)} ({_('total net effect')}: "
                f"{_number(wdq.get('total_net_effect'), 1)})",
            ]
        )
    if wdd:
        rows.append(
            [
                "WDD",
                f"{_number(wdd.get('wdd'), 1)} ("
                + _("95 %% confidence interval %(range)s")
                % {"range": _range(wdd.get("ci_low"), wdd.get("ci_high"), 1)}
                + (f", {formatting.p_value(wdd['p'])}" if wdd.get("p") is not None else "")
                + ")",
            ]
        )
    if did:
        text = (
            f"{_('rate ratio')} {_number(did.get('rate_ratio'), 2)} "
            f"({_range(did.get('ci_low'), did.get('ci_high'), 2)}"
            + (f", {formatting.p_value(did['p'])}" if did.get("p") is not None else "")
            + ")"
        )
        if did.get("pre_trend_p") is not None:
            text += f"; {_('pre-trend check')} {formatting.p_value(did['pre_trend_p'])}"
        rows.append([_("Difference-in-differences"), text])
    elif r:
        rows.append([_("Difference-in-differences"), _("too few months for the model")])
    if res:
        rows.append(
            [
                "RES",
                f"{_number(res.get('res'), 2)} "
                f"({_range(res.get('ci_low'), res.get('ci_high'), 2)})",
            ]
        )
    if not rows:
        return Section(_("Effect measures"), paragraphs=[_("No results saved.")])
    return Section(
        _("Effect measures"),
        header=[_("Measure of effect"), _("Value")],
        rows=rows,
        notes=[
            _(
                "WDQ: weighted displacement quotient; WDD: weighted displacement difference; "
                "RES: relative effect size."
            )
        ],
    )


def _months(i: dict[str, Any]) -> Section:
    series = i.get("series") or {}
    treated = dict(series.get("treated", []))
    control = dict(series.get("control", []))
    months = sorted({*treated, *control})
    if not months:
        return Section(_("Incidents per month"), paragraphs=[_("No months saved.")])
    return Section(
        _("Incidents per month"),
        header=[_("Month"), i.get("treated", "–"), i.get("control", "–")],
        rows=[[m, _number(treated.get(m)), _number(control.get(m))] for m in months],
    )


def _caveats(r: dict[str, Any], saved: str) -> Section:
    bullets = [
        _(
            "The figures are incidents reported in Samtrygg, not all crime: a change can also "
            "come from more or less reporting."
        ),
        _(
            "The comparison area was not chosen at random; other differences between the areas "
            "can explain part of the result."
        ),
    ]
    did = r.get("did")
    if did and did.get("pre_trend_p") is not None and did["pre_trend_p"] < 0.05:
        bullets.append(
            _("The areas did not move in parallel before the measure: read the result with care.")
        )
    if r and not did:
        bullets.append(_("Too few months for the difference-in-differences model."))
    bullets.append(
        _("The evaluation was saved on %(date)s: later incidents do not change it.")
        % {"date": saved}
    )
    return Section(_("Caveats"), bullets=bullets)


def document(evaluation: Evaluation) -> Document:
    with translation.override("sv"):
        i, r = evaluation.inputs or {}, evaluation.results or {}
        saved = formatting.moment(evaluation.created_at)
        return Document(
            title=evaluation.title,
            subject=_("Evaluation"),
            lead=[_("Effect evaluation, saved %(date)s.") % {"date": saved}],
            sections=[
                Section(
                    _("Result"),
                    paragraphs=[" ".join(evaluation.conclusion.split()) or _("No result saved.")],
                ),
                _measure(evaluation),
                _design(i),
                _counts(i),
                _statistics(r),
                _months(i),
                _caveats(r, saved),
            ],
            municipality=evaluation.municipality,
            keywords=[_("effect evaluation"), _("crime prevention")],
        )


def pdf_bytes(evaluation: Evaluation) -> bytes:
    return render_document.pdf(document(evaluation))


def docx_bytes(evaluation: Evaluation) -> bytes:
    return render_document.docx(document(evaluation))


def render(evaluation: Evaluation) -> dict[str, Any]:
    """The two renderings for documents.download."""
    return {"pdf": lambda: pdf_bytes(evaluation), "docx": lambda: docx_bytes(evaluation)}
