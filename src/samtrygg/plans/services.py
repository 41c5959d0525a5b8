"""Every change to problems, plans, follow-up, evaluations and cooperation (DESIGN.md rule 2):
check, write in one transaction, log."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.analysis.evaluation import Counts, evaluate, summarise
from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.core import formatting
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from . import indicators
from .models import (
    ActionPlan,
    Agreement,
    Cause,
    CauseGroup,
    Evaluation,
    FollowUp,
    IndicatorKind,
    Measure,
    PlanFollowUp,
    PlanStatus,
    Problem,
    Removable,
)


def _log(access: Access, action: AuditAction, obj: Model, **changes: Any) -> None:
    """One typed event per service action; ``changes`` as ``{"field": [old, new]}`` (a bare
    value is something set where nothing was)."""
    record(
        action,
        actor=access.user,
        municipality=access.municipality,
        obj=obj,
        changes=changes,
    )


def _same_municipality(access: Access, objects: list[Any], field: str) -> None:
    if any(
        getattr(o, "municipality_id", access.municipality.pk) != access.municipality.pk
        for o in objects
    ):
        raise ValidationError({field: _("Choose from your own municipality.")})


def not_in_future(day: date | None, field: str) -> None:
    """A decision, approval or follow-up happened on a day that has come: one dated ahead would
    make compliance green for years (a lägesbild "approved" in 2030)."""
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _texts(values: dict[str, str]) -> None:
    errors = check_free_text(values, confirm_flagged=False)
    if errors:
        raise ValidationError(errors)


def _check_problem(access: Access, data: dict[str, Any]) -> dict[str, Any]:
    """The one validator of a problem, for creation and for edits: the values to store."""
    title, description = data.get("title", ""), data.get("description", "") or ""
    if not title.strip():
        raise ValidationError({"title": _("Give the problem a title.")})
    _texts({"title": title, "description": description})
    areas, categories = list(data.get("areas") or []), list(data.get("categories") or [])
    _same_municipality(access, [*areas, *categories], "areas")
    return {
        "title": title.strip(),
        "description": description.strip(),
        "period_start": data.get("period_start"),
        "period_end": data.get("period_end"),
        "priority": data.get("priority", 2),
        "evidence": (data.get("evidence") or "")[:1000],
        "areas": areas,
        "categories": categories,
    }


def create_problem(
    access: Access,
    *,
    title: str,
    description: str = "",
    areas: list[Area] | None = None,
    categories: list[Any] | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    priority: int = 2,
    evidence: str = "",
) -> Problem:
    access.require(Permission.EDIT_PLANS)
    values = _check_problem(
        access,
        {
            "title": title,
            "description": description,
            "areas": areas,
            "categories": categories,
            "period_start": period_start,
            "period_end": period_end,
            "priority": priority,
            "evidence": evidence,
        },
    )
    areas, categories = values.pop("areas"), values.pop("categories")
    with transaction.atomic():
        problem = Problem.objects.create(
            municipality=access.municipality, created_by=access.user, **values
        )
        problem.areas.set(areas)
        problem.categories.set(categories)
        _log(
            access,
            AuditAction.PROBLEM_CREATED,
            problem,
            title=problem.title,
            priority=problem.priority,
            areas=[a.name for a in areas],
        )
    return problem


def _check_cause(group: str, text: str, chain: str) -> dict[str, str]:
    """The one validator of a cause, for adding and for edits."""
    if not text.strip():
        raise ValidationError({"text": _("Describe the cause.")})
    if group not in CauseGroup.values:
        raise ValidationError({"group": _("Choose a group from the list.")})
    _texts({"text": text, "chain": chain})
    return {"group": group, "text": text.strip(), "chain": chain.strip()}


def add_cause(access: Access, problem: Problem, *, group: str, text: str, chain: str = "") -> Cause:
    access.require(Permission.EDIT_PLANS)
    values = _check_cause(group, text, chain)
    with transaction.atomic():
        cause = Cause.objects.create(problem=problem, **values)
        _log(
            access,
            AuditAction.CAUSE_ADDED,
            cause,
            problem=problem.title,
            group=cause.group,
            text=cause.text,
        )
    return cause


def create_plan(
    access: Access,
    *,
    title: str,
    period_start: date,
    period_end: date,
    situation_report: Any = None,
) -> ActionPlan:
    access.require(Permission.EDIT_PLANS)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it begins.")})
    if situation_report is not None:
        _same_municipality(access, [situation_report], "situation_report")
    with transaction.atomic():
        plan = ActionPlan.objects.create(
            municipality=access.municipality,
            title=title.strip(),
            period_start=period_start,
            period_end=period_end,
            situation_report=situation_report,
            created_by=access.user,
        )
        _log(
            access,
            AuditAction.PLAN_CREATED,
            plan,
            title=plan.title,
            period=f"{plan.period_start.isoformat()} – {plan.period_end.isoformat()}",
        )
    return plan


def _check_measure(access: Access, data: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The one validator of a measure, for adding and for edits. It must name its problem and
    cause, or say why it does not. Takes the indicator's categories and areas out of ``data``."""
    categories = list(data.pop("indicator_categories", []) or [])
    areas = list(data.pop("indicator_areas", []) or [])
    problem, cause = data.get("problem"), data.get("cause")
    errors: dict[str, list[str]] = {}
    if not (problem and cause) and not (data.get("unlinked_reason") or "").strip():
        errors["unlinked_reason"] = [
            _("Link the measure to a problem and a cause, or say why it is not linked.")
        ]
    if cause is not None and problem is not None and cause.problem_id != problem.pk:
        errors["cause"] = [_("The cause belongs to another problem.")]
    if data.get("indicator_kind") == IndicatorKind.COMPUTED and not (
        data.get("baseline_start") and data.get("baseline_end")
    ):
        errors["baseline_start"] = [_("Give the baseline period for the computed indicator.")]
    if errors:
        raise ValidationError(errors)
    _texts({"title": data.get("title", ""), "goal": data.get("goal", "")})
    _same_municipality(access, [*categories, *areas, data["responsible"]], "responsible")
    if problem is not None:
        _same_municipality(access, [problem], "problem")
    return categories, areas


def _computed_baseline(access: Access, measure: Measure) -> None:
    """A computed indicator gets its baseline from the incidents."""
    start, end = measure.baseline_start, measure.baseline_end
    if measure.indicator_kind == IndicatorKind.COMPUTED and start and end:
        measure.baseline_value = indicators.count(
            access.municipality,
            list(measure.indicator_categories.values_list("pk", flat=True)),
            list(measure.indicator_areas.values_list("pk", flat=True)),
            start,
            end,
        )
        measure.save(update_fields=["baseline_value"])


def add_measure(access: Access, plan: ActionPlan, **data: Any) -> Measure:
    """A row of the plan; a computed indicator gets its baseline from the incidents."""
    access.require(Permission.EDIT_PLANS)
    categories, areas = _check_measure(access, data)
    with transaction.atomic():
        measure = Measure.objects.create(plan=plan, **data)
        measure.indicator_categories.set(categories)
        measure.indicator_areas.set(areas)
        _computed_baseline(access, measure)
        _log(
            access,
            AuditAction.MEASURE_ADDED,
            measure,
            plan=plan.title,
            title=measure.title,
            responsible=measure.responsible,
            deadline=measure.deadline.isoformat() if measure.deadline else None,
        )
    return measure


def indicator_now(measure: Measure, until: date) -> float | None:
    """The computed indicator over a period as long as the baseline, ending ``until``."""
    if (
        measure.indicator_kind != IndicatorKind.COMPUTED
        or not measure.baseline_start
        or not measure.baseline_end
    ):
        return None
    length = measure.baseline_end - measure.baseline_start
    return indicators.count(
        measure.plan.municipality,
        list(measure.indicator_categories.values_list("pk", flat=True)),
        list(measure.indicator_areas.values_list("pk", flat=True)),
        until - length,
        until,
    )


def new_plan_version(access: Access, plan: ActionPlan) -> ActionPlan:
    """A new draft of a decided plan (e.g. after the follow-up): the measures carry over with
    their links and indicators; the decided version stays as it was."""
    access.require(Permission.EDIT_PLANS)
    if plan.status == PlanStatus.DRAFT:
        raise ValidationError(_("The plan is still a draft: change it directly."))
    with transaction.atomic():
        draft = ActionPlan.objects.create(
            municipality=plan.municipality,
            title=plan.title,
            period_start=plan.period_start,
            period_end=plan.period_end,
            situation_report=plan.situation_report,
            effect_goals=plan.effect_goals,
            budget_total=plan.budget_total,
            proposed_decision=plan.proposed_decision,
            follow_up_plan=plan.follow_up_plan,
            links=plan.links,
            version=plan.version + 1,
            previous=plan,
            created_by=access.user,
        )
        for measure in plan.measures.prefetch_related("indicator_categories", "indicator_areas"):
            categories, areas = (
                list(measure.indicator_categories.all()),
                list(measure.indicator_areas.all()),
            )
            measure.pk, measure.plan = None, draft
            measure.colour = ""
            measure.save()
            measure.indicator_categories.set(categories)
            measure.indicator_areas.set(areas)
        _log(access, AuditAction.PLAN_VERSION_CREATED, draft, version=[plan.version, draft.version])
    return draft


MAX_BUDGET = 1_000_000_000
LINK_LIMITS = {"kind": 100, "title": 200, "reference": 500}
DOCUMENT_TEXTS = ("effect_goals", "proposed_decision", "follow_up_plan")
DOCUMENT_TEXT_MAX = 10_000


def _kronor(raw: str, field: str) -> int | None:
    """ "1 250 000", "1250000 kr" → 1250000; empty → None."""
    text = raw.replace("\u00a0", "").replace(" ", "").strip()
    if text.lower().endswith("kr"):
        text = text[:-2]
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_BUDGET:
        raise ValidationError(
            {field: _("Write the amount in whole kronor, 0 to 1 000 000 000 (e.g. 250 000).")}
        )
    return int(text)


def check_links(text: str) -> list[dict[str, str]]:
    """Links to other steering documents (7 §), one a line: "kind | title | reference" (the
    reference, e.g. an address or a diarienummer, may be left out)."""
    links: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise ValidationError(
                {
                    "links": _(
                        "Line %(n)s: write the kind, the title and the reference separated by "
                        "“|”, e.g. “Risk- och sårbarhetsanalys | RSA 2023–2026 | KS 2023/45”."
                    )
                    % {"n": number}
                }
            )
        link = dict(zip(("kind", "title", "reference"), [*parts, ""][:3], strict=True))
        for key, limit in LINK_LIMITS.items():
            if len(link[key]) > limit:
                raise ValidationError(
                    {
                        "links": _("Line %(n)s: at most %(limit)s characters in each part.")
                        % {"n": number, "limit": limit}
                    }
                )
        links.append(link)
    return links


def links_text(links: list[dict[str, str]]) -> str:
    """The links as the form writes them (the inverse of ``check_links``)."""
    return "\n".join(
        " | ".join(p for p in (x["kind"], x["title"], x["reference"]) if p) for x in links
    )


def check_plan_document(plan: ActionPlan, data: Any) -> dict[str, Any]:
    """The one validator of the plan's document fields (``data`` as posted: text values;
    ``budget_<measure id>`` for each measure's budget). Returns the clean values; nothing is
    written."""
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            _(
                "The plan has been decided and cannot be changed: start a new version of the "
                "plan to change it."
            )
        )
    texts = {key: (data.get(key) or "").strip() for key in DOCUMENT_TEXTS}
    for key, value in texts.items():
        if len(value) > DOCUMENT_TEXT_MAX:
            raise ValidationError(
                {key: _("At most %(n)s characters.") % {"n": formatting.number(DOCUMENT_TEXT_MAX)}}
            )
    links = check_links(data.get("links") or "")
    _texts(
        {
            **texts,
            "links": " ".join(f"{x['kind']} {x['title']} {x['reference']}" for x in links),
        }
    )
    budgets = {
        m.pk: _kronor(data.get(f"budget_{m.pk}") or "", f"budget_{m.pk}")
        for m in plan.measures.all()
    }
    return {
        **texts,
        "budget_total": _kronor(data.get("budget_total") or "", "budget_total"),
        "links": links,
        "budgets": budgets,
    }


def save_plan_document(access: Access, plan: ActionPlan, data: Any) -> ActionPlan:
    """Save the decision document's fields of a draft plan (effect goals, budget, the proposed
    decision, the follow-up plan, links to other steering documents, each measure's budget)."""
    access.require(Permission.EDIT_PLANS)
    clean = check_plan_document(plan, data)
    budgets = clean.pop("budgets")
    with transaction.atomic():
        before: dict[str, Any] = {
            "effect_goals": plan.effect_goals,
            "budget_total": None if plan.budget_total is None else int(plan.budget_total),
            "proposed_decision": plan.proposed_decision,
            "follow_up_plan": plan.follow_up_plan,
            "links": plan.links,
        }
        for key, value in clean.items():
            setattr(plan, key, value)
        plan.save(update_fields=list(clean))
        changes = diff(before, clean)
        for measure in plan.measures.all():
            old = None if measure.budget is None else int(measure.budget)
            new = budgets[measure.pk]
            if old != new:
                measure.budget = new
                measure.save(update_fields=["budget"])
                changes[f"budget {measure.title}"] = [old, new]
        record(
            AuditAction.PLAN_DOCUMENT_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            obj=plan,
            changes=changes,
        )
    return plan


def decide_plan(
    access: Access,
    plan: ActionPlan,
    *,
    body: str,
    on: date,
    diarienummer: str = "",
    minutes: Any = None,
) -> ActionPlan:
    from samtrygg.situation.models import ReportStatus

    access.require(Permission.DECIDE_PLANS)
    if not body.strip():
        raise ValidationError({"body": _("Name the body that decided the plan.")})
    if not plan.measures.exists():
        raise ValidationError(_("A plan without measures cannot be decided."))
    report = plan.situation_report
    if report is None or report.status != ReportStatus.APPROVED:
        # 5 §: the plan is decided "med lägesbilden som grund".
        raise ValidationError(
            _(
                "The plan cannot be decided without the approved lägesbild it rests on (5 §): "
                "link it to the plan first."
            )
        )
    not_in_future(on, "on")
    if report.approved_on and on < report.approved_on:
        raise ValidationError(
            {"on": _("The plan cannot be decided before the lägesbild it rests on was approved.")}
        )
    if on > plan.period_end:
        raise ValidationError({"on": _("The decision cannot come after the plan's period.")})
    with transaction.atomic():
        before = {
            "status": plan.status,
            "decision_body": plan.decision_body,
            "decision_date": plan.decision_date.isoformat() if plan.decision_date else None,
            "diarienummer": plan.diarienummer,
        }
        plan.status = PlanStatus.DECIDED
        plan.decision_body, plan.decision_date, plan.diarienummer = (
            body.strip(),
            on,
            diarienummer.strip(),
        )
        if minutes is not None:
            plan.minutes = minutes
        plan.save()
        record(
            AuditAction.PLAN_DECIDED,
            actor=access.user,
            municipality=access.municipality,
            obj=plan,
            changes=diff(
                before,
                {
                    "status": plan.status,
                    "decision_body": plan.decision_body,
                    "decision_date": on.isoformat(),
                    "diarienummer": plan.diarienummer,
                },
            ),
        )
    return plan


def add_follow_up(
    access: Access,
    measure: Measure,
    *,
    on: date,
    colour: str,
    note: str = "",
    indicator_value: float | None = None,
) -> FollowUp:
    access.require(Permission.EDIT_PLANS)
    _texts({"note": note})
    not_in_future(on, "on")
    if on < measure.plan.period_start:
        raise ValidationError({"on": _("The follow-up cannot come before the plan's period.")})
    value = indicator_value if indicator_value is not None else indicator_now(measure, on)
    with transaction.atomic():
        entry = FollowUp.objects.create(
            measure=measure,
            date=on,
            colour=colour,
            note=note.strip(),
            indicator_value=value,
            created_by=access.user,
        )
        old_colour = measure.colour
        measure.colour = colour
        measure.save(update_fields=["colour"])
        _log(
            access,
            AuditAction.FOLLOW_UP_RECORDED,
            measure,
            date=on.isoformat(),
            colour=[old_colour or None, colour],
            indicator_value=value,
        )
    return entry


def follow_up_plan(
    access: Access,
    plan: ActionPlan,
    *,
    on: date,
    summary: str,
    body: str = "",
    approved_on: date | None = None,
) -> PlanFollowUp:
    access.require(Permission.DECIDE_PLANS)
    if plan.status == PlanStatus.DRAFT:
        raise ValidationError(_("Decide the plan before following it up."))
    _texts({"summary": summary})
    not_in_future(on, "on")
    not_in_future(approved_on, "approved_on")
    if plan.decision_date and on < plan.decision_date:
        raise ValidationError({"on": _("The follow-up cannot come before the plan's decision.")})
    if approved_on and approved_on < on:
        raise ValidationError({"approved_on": _("The approval cannot come before the follow-up.")})
    with transaction.atomic():
        entry = PlanFollowUp.objects.create(
            plan=plan,
            date=on,
            summary=summary.strip(),
            approved_body=body.strip(),
            approved_on=approved_on,
        )
        old_status = plan.status
        if approved_on:
            plan.status = PlanStatus.FOLLOWED_UP
            plan.save(update_fields=["status"])
        _log(
            access,
            AuditAction.PLAN_FOLLOWED_UP,
            plan,
            date=on.isoformat(),
            **({"status": [old_status, plan.status]} if plan.status != old_status else {}),
        )
    return entry


def run_evaluation(
    access: Access,
    *,
    title: str,
    measure: Measure | None,
    categories: list[Any],
    treated: Area,
    control: Area,
    buffer_m: float,
    before: tuple[date, date],
    after: tuple[date, date],
) -> Evaluation:
    """Compute the evaluation with the analysis library and save it as a dated snapshot: the
    inputs and the results are stored, so later incidents do not change it."""
    access.require(Permission.EDIT_PLANS)
    _same_municipality(access, [treated, control, *categories], "treated")
    if treated.pk == control.pk:
        raise ValidationError(
            {"control": _("The comparison area must differ from the treated area.")}
        )
    if before[1] >= after[0]:
        raise ValidationError(
            {"after_start": _("The after period must start after the before period.")}
        )
    counts = indicators.evaluation_counts(
        access.municipality, [c.pk for c in categories], treated, control, buffer_m, before, after
    )
    t = Counts(counts["treated"]["before"], counts["treated"]["after"])
    c = Counts(counts["control"]["before"], counts["control"]["after"])
    b = (
        Counts(counts["buffer"]["before"], counts["buffer"]["after"])
        if "buffer" in counts
        else None
    )
    try:
        result = evaluate(t, c, b)
    except ValueError:
        raise ValidationError(
            {
                "control": _(
                    "The comparison area needs incidents both before and after: choose another "
                    "area, more categories or longer periods."
                )
            }
        ) from None
    series = {
        name: indicators.monthly_series(
            access.municipality, [cat.pk for cat in categories], area, before[0], after[1]
        )
        for name, area in (("treated", treated), ("control", control))
    }
    did = _did(series, after[0])
    inputs = {
        "series": series,
        "categories": [cat.pk for cat in categories],
        "category_names": [cat.label_sv for cat in categories],
        "treated": treated.name,
        "control": control.name,
        "buffer_m": buffer_m,
        "before": [d.isoformat() for d in before],
        "after": [d.isoformat() for d in after],
        "counts": counts,
    }
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            municipality=access.municipality,
            measure=measure,
            title=title.strip() or treated.name,
            inputs=inputs,
            results=_plain({**asdict(result), "did": did}),
            conclusion=summarise(result, "sv"),
            created_by=access.user,
        )
        _log(
            access,
            AuditAction.EVALUATION_SAVED,
            evaluation,
            title=evaluation.title,
            treated=treated.name,
            control=control.name,
        )
    return evaluation


def _did(series: dict[str, list[tuple[str, int]]], after_start: date) -> dict[str, Any] | None:
    """Difference-in-differences on the monthly counts of the treated and comparison areas,
    with the pre-trend check; None when the model cannot be fitted (too few months)."""
    from samtrygg.analysis.evaluation import difference_in_differences

    rows = [
        (count, int(name == "treated"), int(month >= after_start.isoformat()[:7]), name, month)
        for name, months in series.items()
        for month, count in months
    ]
    if len({r[4] for r in rows}) < 4:
        return None
    counts, treated, after, area, period = zip(*rows, strict=True)
    try:
        result = difference_in_differences(counts, treated, after, area, period)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    return asdict(result)


def _plain(value: Any) -> Any:
    """Results as JSON: NaN and infinities become None."""
    import math

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _check_agreement(access: Access, data: dict[str, Any]) -> dict[str, Any]:
    """The one validator of an agreement (9 §: at least its purposes and its areas), for
    creation and for edits: the values to store."""
    purposes, areas, parties = data.get("purposes") or "", data.get("areas") or [], data["parties"]
    errors: dict[str, list[str]] = {}
    if not purposes.strip():
        errors["purposes"] = [_("An agreement must state its purposes (9 §).")]
    if not areas:
        errors["areas"] = [_("An agreement must state the areas it covers (9 §).")]
    if len(parties) < 2:
        errors["parties"] = [_("An agreement has at least two parties.")]
    if data["period_end"] < data["period_start"]:
        errors["period_end"] = [_("The period ends before it begins.")]
    if errors:
        raise ValidationError(errors)
    texts = {k: data.get(k) or "" for k in ("title", "purposes", "goals", "documentation")}
    _texts({**texts, "signatories": data.get("signatories") or ""})
    problems = list(data.get("problems") or [])
    _same_municipality(access, [*parties, *areas, *problems], "parties")
    return {
        **{k: v.strip() for k, v in texts.items()},
        "period_start": data["period_start"],
        "period_end": data["period_end"],
        "signed_on": data.get("signed_on"),
        "signatories": (data.get("signatories") or "").strip(),
        "parties": list(parties),
        "areas": list(areas),
        "problems": problems,
    }


def create_agreement(
    access: Access,
    *,
    title: str,
    parties: list[Any],
    purposes: str,
    areas: list[Area],
    period_start: date,
    period_end: date,
    problems: list[Problem] | None = None,
    goals: str = "",
    documentation: str = "",
    signed_on: date | None = None,
    signatories: str = "",
) -> Agreement:
    """9 §: an agreement states at least its purposes and its areas."""
    access.require(Permission.DECIDE_PLANS)
    values = _check_agreement(
        access,
        {
            "title": title,
            "parties": parties,
            "purposes": purposes,
            "areas": areas,
            "period_start": period_start,
            "period_end": period_end,
            "problems": problems,
            "goals": goals,
            "documentation": documentation,
            "signed_on": signed_on,
            "signatories": signatories,
        },
    )
    parties, areas, problems = values.pop("parties"), values.pop("areas"), values.pop("problems")
    with transaction.atomic():
        agreement = Agreement.objects.create(municipality=access.municipality, **values)
        agreement.parties.set(parties)
        agreement.areas.set(areas)
        agreement.problems.set(problems)
        _log(
            access,
            AuditAction.AGREEMENT_CREATED,
            agreement,
            title=agreement.title,
            parties=sorted(p.name for p in parties),
            areas=sorted(a.name for a in areas),
        )
    return agreement


# ---- corrections: edit and soft removal (issue 13, item 8) ---------------------------------


def _plain_value(value: Any) -> Any:
    """A field's value as the history shows it: objects by name, dates as ISO text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return str(value)
    return value


def _snapshot(obj: Model, fields: tuple[str, ...], many: tuple[str, ...] = ()) -> dict[str, Any]:
    values = {name: _plain_value(getattr(obj, name)) for name in fields}
    for name in many:
        values[name] = sorted(str(o) for o in getattr(obj, name).all())
    return values


def _removed(access: Access, obj: Removable) -> str:
    obj.removed_at, obj.removed_by = timezone.now(), access.user
    obj.save(update_fields=["removed_at", "removed_by"])
    return timezone.localtime(obj.removed_at).isoformat(timespec="minutes")


def _plan_is_draft(plan: ActionPlan) -> None:
    """The measures of a decided plan stay as they were decided: changes go in a new version."""
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            _(
                "The plan has been decided, so its measures cannot be changed or removed. Make "
                "a new version of the plan and change the measure there."
            )
        )


def _unlink_draft_measures(measures: QuerySet[Measure], *fields: str) -> list[str]:
    """Draft measures that named a removed problem or cause lose the link (and show as not
    linked); the titles go in the removal's event."""
    titles = sorted(m.title for m in measures)
    measures.update(**dict.fromkeys(fields))
    return titles


PROBLEM_FIELDS = ("title", "description", "period_start", "period_end", "priority", "evidence")


def edit_problem(access: Access, problem: Problem, **data: Any) -> Problem:
    """The analysis may be corrected also when a decided plan's measure rests on it."""
    access.require(Permission.EDIT_PLANS)
    values = _check_problem(access, data)
    areas, categories = values.pop("areas"), values.pop("categories")
    with transaction.atomic():
        before = _snapshot(problem, PROBLEM_FIELDS, ("areas", "categories"))
        for name, value in values.items():
            setattr(problem, name, value)
        problem.save()
        problem.areas.set(areas)
        problem.categories.set(categories)
        changes = diff(before, _snapshot(problem, PROBLEM_FIELDS, ("areas", "categories")))
        if changes:
            _log(access, AuditAction.PROBLEM_CHANGED, problem, **changes)
    return problem


def remove_problem(access: Access, problem: Problem) -> None:
    access.require(Permission.EDIT_PLANS)
    linked = Measure.objects.filter(Q(problem=problem) | Q(cause__problem=problem))
    if linked.exclude(plan__status=PlanStatus.DRAFT).exists():
        raise ValidationError(
            _(
                "A measure of a decided plan rests on this problem, so it cannot be removed. "
                "Its text can still be corrected."
            )
        )
    with transaction.atomic():
        unlinked = _unlink_draft_measures(linked, "problem", "cause")
        when = _removed(access, problem)
        _log(
            access,
            AuditAction.PROBLEM_REMOVED,
            problem,
            removed_at=[None, when],
            **({"unlinked_measures": [[], unlinked]} if unlinked else {}),
        )


CAUSE_FIELDS = ("group", "text", "chain")


def edit_cause(access: Access, cause: Cause, *, group: str, text: str, chain: str = "") -> Cause:
    access.require(Permission.EDIT_PLANS)
    values = _check_cause(group, text, chain)
    with transaction.atomic():
        before = _snapshot(cause, CAUSE_FIELDS)
        for name, value in values.items():
            setattr(cause, name, value)
        cause.save()
        changes = diff(before, _snapshot(cause, CAUSE_FIELDS))
        if changes:
            _log(access, AuditAction.CAUSE_CHANGED, cause, **changes)
    return cause


def remove_cause(access: Access, cause: Cause) -> None:
    access.require(Permission.EDIT_PLANS)
    linked = Measure.objects.filter(cause=cause)
    if linked.exclude(plan__status=PlanStatus.DRAFT).exists():
        raise ValidationError(
            _(
                "A measure of a decided plan rests on this cause, so it cannot be removed. "
                "Its text can still be corrected."
            )
        )
    with transaction.atomic():
        unlinked = _unlink_draft_measures(linked, "cause")
        when = _removed(access, cause)
        _log(
            access,
            AuditAction.CAUSE_REMOVED,
            cause,
            removed_at=[None, when],
            **({"unlinked_measures": [[], unlinked]} if unlinked else {}),
        )


MEASURE_FIELDS = (
    "problem",
    "cause",
    "unlinked_reason",
    "title",
    "goal",
    "indicator_kind",
    "indicator_label",
    "baseline_start",
    "baseline_end",
    "baseline_value",
    "target_value",
    "deadline",
    "when",
    "responsible",
    "contact",
    "one_off",
    "estimated_cost",
)
MEASURE_MANY = ("indicator_categories", "indicator_areas")


def edit_measure(access: Access, measure: Measure, **data: Any) -> Measure:
    """Only while the plan is a draft; the same checks as adding a measure."""
    access.require(Permission.EDIT_PLANS)
    _plan_is_draft(measure.plan)
    categories, areas = _check_measure(access, data)
    with transaction.atomic():
        before = _snapshot(measure, MEASURE_FIELDS, MEASURE_MANY)
        for name, value in data.items():
            if name in MEASURE_FIELDS:
                setattr(measure, name, value)
        measure.save()
        measure.indicator_categories.set(categories)
        measure.indicator_areas.set(areas)
        _computed_baseline(access, measure)
        changes = diff(before, _snapshot(measure, MEASURE_FIELDS, MEASURE_MANY))
        if changes:
            _log(access, AuditAction.MEASURE_CHANGED, measure, **changes)
    return measure


def remove_measure(access: Access, measure: Measure) -> None:
    access.require(Permission.EDIT_PLANS)
    _plan_is_draft(measure.plan)
    with transaction.atomic():
        when = _removed(access, measure)
        _log(access, AuditAction.MEASURE_REMOVED, measure, removed_at=[None, when])


AGREEMENT_FIELDS = (
    "title",
    "purposes",
    "goals",
    "documentation",
    "period_start",
    "period_end",
    "signed_on",
    "signatories",
)
AGREEMENT_MANY = ("parties", "areas", "problems")


def edit_agreement(access: Access, agreement: Agreement, **data: Any) -> Agreement:
    access.require(Permission.DECIDE_PLANS)
    values = _check_agreement(access, data)
    many = {name: values.pop(name) for name in AGREEMENT_MANY}
    with transaction.atomic():
        before = _snapshot(agreement, AGREEMENT_FIELDS, AGREEMENT_MANY)
        for name, value in values.items():
            setattr(agreement, name, value)
        agreement.save()
        for name, objects in many.items():
            getattr(agreement, name).set(objects)
        changes = diff(before, _snapshot(agreement, AGREEMENT_FIELDS, AGREEMENT_MANY))
        if changes:
            _log(access, AuditAction.AGREEMENT_CHANGED, agreement, **changes)
    return agreement


def remove_agreement(access: Access, agreement: Agreement) -> None:
    access.require(Permission.DECIDE_PLANS)
    with transaction.atomic():
        when = _removed(access, agreement)
        _log(access, AuditAction.AGREEMENT_REMOVED, agreement, removed_at=[None, when])
