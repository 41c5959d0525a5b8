"""Problems, the åtgärdsplan, follow-up, evaluations, agreements, council, promises, meetings,
compliance and the report to kommunfullmäktige."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.areas.models import Area
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from . import compliance, history, meetings, promises, services
from .forms import (
    AgreementForm,
    CauseForm,
    DecisionForm,
    EvaluationForm,
    FollowUpForm,
    MeasureForm,
    MeetingForm,
    PlanFollowUpForm,
    PlanForm,
    ProblemForm,
    TaskForm,
)
from .models import (
    ActionPlan,
    Agreement,
    Cause,
    CitizenPromise,
    ComplianceSettings,
    CouncilMeeting,
    CouncilMember,
    CouncilReport,
    Evaluation,
    Measure,
    Meeting,
    MeetingTask,
    PlanStatus,
    Problem,
    PromiseActivity,
)


def _errors(request: HttpRequest, form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            target = field if form is not None and field in form.fields else None
            for problem in problems:
                if form is not None:
                    form.add_error(target, problem)
                else:
                    messages.error(request, problem)
    else:
        for problem in error.messages:
            if form is not None:
                form.add_error(None, problem)
            else:
                messages.error(request, problem)


def _chosen(request: HttpRequest, name: str) -> int:
    """An id posted by a form; anything else is an id nothing has (a 404)."""
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else 0


def _history(access: Access, objects: list[Any]) -> list[Any] | None:
    return history.entries(access, objects) if history.may_read(access) else None


@municipality_view()
def problem_list(request: HttpRequest, access: Access) -> HttpResponse:
    initial = {
        "title": request.GET.get("title", ""),
        "evidence": request.GET.get("evidence", ""),
        "areas": request.GET.getlist("area"),
        "categories": request.GET.getlist("category"),
    }
    form = ProblemForm(access, request.POST or None, initial=initial)
    if request.method == "POST":
        access.require(Permission.EDIT_PLANS)
        if form.is_valid():
            try:
                problem = services.create_problem(access, **form.cleaned_data)
            except ValidationError as error:
                _errors(request, form, error)
            else:
                return redirect(
                    "problem_detail", municipality=access.municipality.slug, problem_id=problem.pk
                )
    return render(
        request,
        "plans/problem_list.html",
        {
            "problems": access.scope(Problem.objects.prefetch_related("areas", "causes")),
            "form": form if access.can(Permission.EDIT_PLANS) else None,
        },
    )


@municipality_view()
def problem_detail(request: HttpRequest, access: Access, problem_id: int) -> HttpResponse:
    problem: Problem = access.get_or_404(
        Problem.objects.prefetch_related("areas", "categories"), pk=problem_id
    )
    form = CauseForm(
        request.POST if request.method == "POST" and "action" not in request.POST else None
    )
    problem_form = ProblemForm(
        access,
        prefix="problem",
        initial={
            **model_to_dict(problem, fields=services.PROBLEM_FIELDS),
            "areas": list(problem.areas.all()),
            "categories": list(problem.categories.all()),
        },
    )
    causes = list(problem.causes.all())
    cause_forms = {c.pk: CauseForm(prefix=f"cause{c.pk}", initial=model_to_dict(c)) for c in causes}
    if request.method == "POST":
        access.require(Permission.EDIT_PLANS)
        action = request.POST.get("action")
        target: Any = form
        try:
            if action == "edit_problem":
                problem_form = target = ProblemForm(access, request.POST, prefix="problem")
                if problem_form.is_valid():
                    services.edit_problem(access, problem, **problem_form.cleaned_data)
                    messages.success(request, _("The problem was changed."))
                    return redirect(request.path)
            elif action == "remove_problem":
                target = None
                services.remove_problem(access, problem)
                messages.success(request, _("The problem was removed."))
                return redirect("problem_list", municipality=access.municipality.slug)
            elif action in ("edit_cause", "remove_cause"):
                cause = access.get_or_404(
                    Cause.objects.filter(problem=problem), pk=_chosen(request, "cause")
                )
                target = None
                if action == "remove_cause":
                    services.remove_cause(access, cause)
                    messages.success(request, _("The cause was removed."))
                    return redirect(request.path)
                cause_forms[cause.pk] = target = CauseForm(request.POST, prefix=f"cause{cause.pk}")
                if target.is_valid():
                    services.edit_cause(access, cause, **target.cleaned_data)
                    messages.success(request, _("The cause was changed."))
                    return redirect(request.path)
            elif form.is_valid():
                services.add_cause(access, problem, **form.cleaned_data)
                return redirect(request.path)
        except ValidationError as error:
            _errors(request, target, error)
    can_edit = access.can(Permission.EDIT_PLANS)
    return render(
        request,
        "plans/problem_detail.html",
        {
            "problem": problem,
            "causes": [(c, cause_forms[c.pk] if can_edit else None) for c in causes],
            "measures": problem.measures.select_related("plan"),
            "form": form if can_edit else None,
            "problem_form": problem_form if can_edit else None,
            "history": _history(access, [problem, *Cause.all_objects.filter(problem=problem)]),
        },
    )


@municipality_view()
def plan_list(request: HttpRequest, access: Access) -> HttpResponse:
    today = timezone.localdate()
    form = PlanForm(
        access,
        request.POST or None,
        initial={
            "period_start": today,
            "period_end": today.replace(year=today.year + 2) - timedelta(days=1),
        },
    )
    if request.method == "POST":
        access.require(Permission.EDIT_PLANS)
        if form.is_valid():
            try:
                plan = services.create_plan(access, **form.cleaned_data)
            except ValidationError as error:
                _errors(request, form, error)
            else:
                return redirect(
                    "plan_detail", municipality=access.municipality.slug, plan_id=plan.pk
                )
    return render(
        request,
        "plans/plan_list.html",
        {
            "plans": access.scope(ActionPlan.objects.all()),
            "form": form if access.can(Permission.EDIT_PLANS) else None,
        },
    )


@municipality_view()
def plan_detail(request: HttpRequest, access: Access, plan_id: int) -> HttpResponse:
    plan: ActionPlan = access.get_or_404(
        ActionPlan.objects.select_related("situation_report"), pk=plan_id
    )
    today = timezone.localdate()
    measure_form = MeasureForm(
        access,
        initial={
            "deadline": plan.period_end,
            "baseline_start": today - timedelta(days=365),
            "baseline_end": today - timedelta(days=1),
        },
    )
    decision_form = DecisionForm(initial={"on": today})
    follow_form = FollowUpForm(initial={"on": today, "colour": "green"})
    plan_follow_form = PlanFollowUpForm(initial={"on": today})
    edit_forms: dict[int, MeasureForm] = {}
    document_errors: list[str] = []
    document_posted: Any = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "measure":
                access.require(Permission.EDIT_PLANS)
                measure_form = MeasureForm(access, request.POST)
                if measure_form.is_valid():
                    services.add_measure(access, plan, **measure_form.cleaned_data)
                    messages.success(request, _("The measure was added."))
                    return redirect(request.path)
            elif action in ("edit_measure", "remove_measure"):
                access.require(Permission.EDIT_PLANS)
                measure = access.get_or_404(
                    Measure.objects.filter(plan=plan), pk=_chosen(request, "measure")
                )
                if action == "remove_measure":
                    services.remove_measure(access, measure)
                    messages.success(request, _("The measure was removed."))
                    return redirect(request.path)
                edit_form = MeasureForm(access, request.POST, prefix=f"m{measure.pk}")
                edit_forms[measure.pk] = edit_form
                if edit_form.is_valid():
                    services.edit_measure(access, measure, **edit_form.cleaned_data)
                    messages.success(request, _("The measure was changed."))
                    return redirect(request.path)
            elif action == "decide":
                access.require(Permission.DECIDE_PLANS)
                decision_form = DecisionForm(request.POST, request.FILES)
                if decision_form.is_valid():
                    services.decide_plan(access, plan, **decision_form.cleaned_data)
                    messages.success(request, _("The decision was recorded."))
                    return redirect(request.path)
            elif action == "follow_up":
                access.require(Permission.EDIT_PLANS)
                measure = access.get_or_404(
                    Measure.objects.filter(plan=plan), pk=request.POST.get("measure", "")
                )
                follow_form = FollowUpForm(request.POST)
                if follow_form.is_valid():
                    services.add_follow_up(access, measure, **follow_form.cleaned_data)
                    messages.success(request, _("The follow-up was saved."))
                    return redirect(request.path)
            elif action == "document":
                access.require(Permission.EDIT_PLANS)
                services.save_plan_document(access, plan, request.POST)
                messages.success(request, _("The plan's decision document was saved."))
                return redirect(request.path)
            elif action == "new_version":
                draft = services.new_plan_version(access, plan)
                return redirect(
                    "plan_detail", municipality=access.municipality.slug, plan_id=draft.pk
                )
            elif action == "plan_follow_up":
                access.require(Permission.DECIDE_PLANS)
                plan_follow_form = PlanFollowUpForm(request.POST)
                if plan_follow_form.is_valid():
                    services.follow_up_plan(access, plan, **plan_follow_form.cleaned_data)
                    messages.success(request, _("The plan's follow-up was saved."))
                    return redirect(request.path)
        except ValidationError as error:
            target = {
                "measure": measure_form,
                "decide": decision_form,
                "follow_up": follow_form,
                "plan_follow_up": plan_follow_form,
                # A decided plan shows no edit forms: its refusal is a message.
                "edit_measure": edit_forms.get(_chosen(request, "measure"))
                if plan.status == PlanStatus.DRAFT
                else None,
            }.get(action or "")
            if action == "document":
                document_errors = (
                    [m for ms in error.message_dict.values() for m in ms]
                    if hasattr(error, "error_dict")
                    else error.messages
                )
                document_posted = request.POST
            else:
                _errors(request, target, error)
    measures = list(
        plan.measures.select_related("problem", "cause", "responsible").prefetch_related(
            "follow_ups", "evaluations"
        )
    )
    can_edit = access.can(Permission.EDIT_PLANS)
    editable = can_edit and plan.status == PlanStatus.DRAFT
    for m in measures:
        if editable and m.pk not in edit_forms:
            edit_forms[m.pk] = MeasureForm(access, prefix=f"m{m.pk}", initial=_measure_initial(m))
    span = max((plan.period_end - plan.period_start).days, 1)
    timeline = [
        {
            "measure": m,
            "offset": 0,
            "width": max(2, min(100, round((m.deadline - plan.period_start).days / span * 100))),
        }
        for m in measures
    ]
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "measures": measures,
            "rows": [(m, edit_forms.get(m.pk) if editable else None) for m in measures],
            "timeline": timeline,
            "linked": sum(1 for m in measures if m.linked),
            "measure_form": measure_form,
            "decision_form": decision_form,
            "follow_form": follow_form,
            "plan_follow_form": plan_follow_form,
            "plan_follow_ups": plan.plan_follow_ups.all(),
            "history": _history(access, [plan, *Measure.all_objects.filter(plan=plan)]),
            "document": _document_values(plan, measures, document_posted),
            "document_errors": document_errors,
            "can_edit": can_edit,
            "can_decide": access.can(Permission.DECIDE_PLANS),
        },
    )


def _measure_initial(measure: Measure) -> dict[str, Any]:
    return {
        **model_to_dict(measure, fields=services.MEASURE_FIELDS),
        "indicator_categories": list(measure.indicator_categories.all()),
        "indicator_areas": list(measure.indicator_areas.all()),
    }


def _document_values(plan: ActionPlan, measures: list[Measure], posted: Any) -> dict[str, Any]:
    """What the decision-document form shows: the stored values, or after a refused POST what
    was written (nothing was saved)."""
    from samtrygg.core import formatting

    def kronor(value: Any) -> str:
        return "" if value is None else formatting.number(value)

    if posted is not None:
        return {
            "effect_goals": posted.get("effect_goals", ""),
            "budget_total": posted.get("budget_total", ""),
            "proposed_decision": posted.get("proposed_decision", ""),
            "follow_up_plan": posted.get("follow_up_plan", ""),
            "links": posted.get("links", ""),
            "budgets": [(m, posted.get(f"budget_{m.pk}", "")) for m in measures],
        }
    return {
        "effect_goals": plan.effect_goals,
        "budget_total": kronor(plan.budget_total),
        "proposed_decision": plan.proposed_decision,
        "follow_up_plan": plan.follow_up_plan,
        "links": services.links_text(plan.links),
        "budgets": [(m, kronor(m.budget)) for m in measures],
    }


@municipality_view()
def evaluation_list(request: HttpRequest, access: Access) -> HttpResponse:
    today = timezone.localdate()
    form = EvaluationForm(
        access,
        request.POST or None,
        initial={
            "measure": request.GET.get("measure"),
            "before_start": today - timedelta(days=365),
            "before_end": today - timedelta(days=183),
            "after_start": today - timedelta(days=182),
            "after_end": today - timedelta(days=1),
        },
    )
    if request.method == "POST":
        access.require(Permission.EDIT_PLANS)
        if form.is_valid():
            data = form.cleaned_data
            try:
                evaluation = services.run_evaluation(
                    access,
                    title=data["title"],
                    measure=data["measure"],
                    categories=list(data["categories"]),
                    treated=data["treated"],
                    control=data["control"],
                    buffer_m=data["buffer_m"],
                    before=(data["before_start"], data["before_end"]),
                    after=(data["after_start"], data["after_end"]),
                )
            except ValidationError as error:
                _errors(request, form, error)
            else:
                return redirect(
                    "evaluation_detail",
                    municipality=access.municipality.slug,
                    evaluation_id=evaluation.pk,
                )
    return render(
        request,
        "plans/evaluation_list.html",
        {
            "evaluations": access.scope(Evaluation.objects.all()),
            "form": form if access.can(Permission.EDIT_PLANS) else None,
            "suggestions": _suggestions(request, access),
            "areas": access.scope(Area.objects.all()),
        },
    )


def _suggestions(request: HttpRequest, access: Access) -> list[dict[str, Any]] | None:
    """Comparison areas similar to the chosen treated area before the measure."""
    from . import indicators

    chosen = request.GET.get("suggest_for", "")
    if not chosen.isdigit():
        return None
    treated = access.get_or_404(Area.objects.all(), pk=int(chosen))
    today = timezone.localdate()
    return indicators.suggest_controls(
        access.municipality, treated, [], today - timedelta(days=365), today - timedelta(days=1)
    )


@municipality_view()
def evaluation_detail(request: HttpRequest, access: Access, evaluation_id: int) -> HttpResponse:
    evaluation: Evaluation = access.get_or_404(Evaluation.objects.all(), pk=evaluation_id)
    return render(
        request,
        "plans/evaluation_detail.html",
        {
            "e": evaluation,
            "r": evaluation.results,
            "i": evaluation.inputs,
            "series_rows": _series_rows(evaluation.inputs.get("series") or {}),
        },
    )


@municipality_view()
def evaluation_document(
    request: HttpRequest, access: Access, evaluation_id: int, fmt: str
) -> HttpResponse:
    """The evaluation as a document (PDF or Word) for everyone who may read its page; the
    export is logged."""
    from samtrygg.documents import evaluation as evaluation_document
    from samtrygg.documents.download import download

    evaluation: Evaluation = access.get_or_404(
        Evaluation.objects.select_related("municipality", "measure__responsible"),
        pk=evaluation_id,
    )
    return download(
        access,
        evaluation,
        fmt,
        evaluation_document.render(evaluation),
        f"utvardering-{evaluation.pk}",
        document="evaluation",
    )


def _series_rows(series: dict[str, list[list[Any]]]) -> list[tuple[str, Any, Any]]:
    """The chart's monthly counts as table rows: month, treated area, comparison area."""
    treated = dict(series.get("treated", []))
    control = dict(series.get("control", []))
    return [
        (month, treated.get(month), control.get(month)) for month in sorted({*treated, *control})
    ]


@municipality_view()
def agreement_list(request: HttpRequest, access: Access) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    form = AgreementForm(access, request.POST if request.method == "POST" and not action else None)
    agreements = list(
        access.scope(Agreement.objects.prefetch_related("parties", "areas", "problems"))
    )
    can_edit = access.can(Permission.DECIDE_PLANS)
    edit_forms = {
        a.pk: AgreementForm(access, prefix=f"a{a.pk}", initial=_agreement_initial(a))
        for a in (agreements if can_edit else [])
    }
    if request.method == "POST":
        access.require(Permission.DECIDE_PLANS)
        target: Any = form
        try:
            if action in ("edit", "remove"):
                agreement = access.get_or_404(
                    Agreement.objects.all(), pk=_chosen(request, "agreement")
                )
                target = None
                if action == "remove":
                    services.remove_agreement(access, agreement)
                    messages.success(request, _("The agreement was removed."))
                    return redirect("agreement_list", municipality=access.municipality.slug)
                edit_forms[agreement.pk] = target = AgreementForm(
                    access, request.POST, prefix=f"a{agreement.pk}"
                )
                if target.is_valid():
                    services.edit_agreement(
                        access, agreement, **_agreement_data(target.cleaned_data)
                    )
                    messages.success(request, _("The agreement was changed."))
                    return redirect("agreement_list", municipality=access.municipality.slug)
            elif form.is_valid():
                services.create_agreement(access, **_agreement_data(form.cleaned_data))
                messages.success(request, _("The agreement was saved."))
                return redirect("agreement_list", municipality=access.municipality.slug)
        except ValidationError as error:
            _errors(request, target, error)
    return render(
        request,
        "plans/agreement_list.html",
        {
            "agreements": [(a, edit_forms.get(a.pk)) for a in agreements],
            "form": form if can_edit else None,
        },
    )


def _agreement_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "parties": list(data["parties"]),
        "areas": list(data["areas"]),
        "problems": list(data["problems"]),
    }


def _agreement_initial(agreement: Agreement) -> dict[str, Any]:
    return {
        **model_to_dict(agreement, fields=services.AGREEMENT_FIELDS),
        **{name: list(getattr(agreement, name).all()) for name in services.AGREEMENT_MANY},
    }


@municipality_view()
def council(request: HttpRequest, access: Access) -> HttpResponse:
    if request.method == "POST":
        access.require(Permission.DECIDE_PLANS)
        from .council import edit_council_member, remove_council_member, save_council_post

        action = request.POST.get("action")
        try:
            if action in ("edit_member", "remove_member"):
                member = access.get_or_404(
                    CouncilMember.objects.all(), pk=_chosen(request, "member")
                )
                if action == "remove_member":
                    remove_council_member(access, member)
                else:
                    edit_council_member(access, member, request.POST)
            else:
                save_council_post(access, request.POST)
        except ValidationError as error:
            _errors(request, None, error)
        return redirect("council", municipality=access.municipality.slug)
    from samtrygg.tenancy.queries import organisations

    return render(
        request,
        "plans/council.html",
        {
            "members": access.scope(CouncilMember.objects.select_related("organisation")),
            "meetings": access.scope(CouncilMeeting.objects.all()),
            "organisations": organisations(access).order_by("name"),
            "can_edit": access.can(Permission.DECIDE_PLANS),
        },
    )


def _promise_page(
    request: HttpRequest, template: str, context: dict[str, Any], error: ValidationError | None
) -> HttpResponse:
    """A promise page; after a refused POST with the Swedish messages and what was written
    (nothing was saved), answered 400."""
    if error is not None:
        context["errors"] = [m for ms in error.message_dict.values() for m in ms]
        context["posted"] = request.POST
    return render(request, template, context, status=400 if error is not None else 200)


@municipality_view()
def promise_list(request: HttpRequest, access: Access) -> HttpResponse:
    """The medborgarlöften, each in three columns: Kommunen lovar, Polisen lovar, Tillsammans
    lovar vi; editors add a promise here."""
    error = None
    if request.method == "POST":
        access.require(Permission.DECIDE_PLANS)
        try:
            promise = promises.create_promise(access, request.POST)
        except ValidationError as refused:
            error = refused
        else:
            messages.success(request, _("The promise was saved. Add its activities."))
            return redirect(
                "promise_detail", municipality=access.municipality.slug, promise_id=promise.pk
            )
    found = promises.with_parts(access.scope(CitizenPromise.objects.all()))
    return _promise_page(
        request,
        "plans/promise_list.html",
        {
            "promises": [(p, promises.parts(p)) for p in found],
            "agreements": access.scope(Agreement.objects.all()),
            "can_edit": access.can(Permission.DECIDE_PLANS),
        },
        error,
    )


@municipality_view()
def promise_detail(request: HttpRequest, access: Access, promise_id: int) -> HttpResponse:
    """One promise: its three parts with their activities and latest follow-ups; editors add
    activities and set the promise's status; the follow-up document as PDF or Word."""
    promise: CitizenPromise = access.get_or_404(
        promises.with_parts(CitizenPromise.objects.all()), pk=promise_id
    )
    fmt = request.GET.get("format")
    if fmt in ("pdf", "docx"):
        from samtrygg.audit.models import AuditAction
        from samtrygg.audit.services import record
        from samtrygg.documents import promise_report

        response = promise_report.response(promise, fmt)
        record(
            AuditAction.EXPORT,
            actor=access.user,
            municipality=access.municipality,
            obj=promise,
            changes={"format": fmt, "document": "promise_follow_up"},
        )
        return response
    error = None
    if request.method == "POST":
        access.require(Permission.DECIDE_PLANS)
        try:
            if request.POST.get("action") == "status":
                promises.set_promise_status(access, promise, request.POST.get("status", ""))
                messages.success(request, _("The status was saved."))
            else:
                promises.add_activity(access, promise, request.POST)
                messages.success(request, _("The activity was added."))
        except ValidationError as refused:
            error = refused
        else:
            return redirect(request.path)
    from samtrygg.tenancy.queries import organisations

    from .models import PromiseParty, PromiseStatus

    return _promise_page(
        request,
        "plans/promise_detail.html",
        {
            "promise": promise,
            "parts": promises.parts(promise),
            "parties": PromiseParty.choices,
            "statuses": PromiseStatus.choices,
            "organisations": organisations(access).order_by("name"),
            "can_edit": access.can(Permission.DECIDE_PLANS),
        },
        error,
    )


@municipality_view()
def promise_activity(request: HttpRequest, access: Access, activity_id: int) -> HttpResponse:
    """One activity of a promise with every follow-up; editors record a follow-up for its
    party."""
    activity: PromiseActivity = access.get_or_404(
        PromiseActivity.objects.select_related("promise", "organisation").prefetch_related(
            "follow_ups__organisation", "follow_ups__created_by"
        ),
        pk=activity_id,
    )
    error = None
    if request.method == "POST":
        access.require(Permission.EDIT_PLANS)
        try:
            promises.record_follow_up(access, activity, request.POST)
        except ValidationError as refused:
            error = refused
        else:
            messages.success(request, _("The follow-up was saved."))
            return redirect(request.path)
    from .models import PromiseStatus

    return _promise_page(
        request,
        "plans/promise_activity.html",
        {
            "activity": activity,
            "promise": activity.promise,
            "statuses": PromiseStatus.choices,
            "today": timezone.localdate(),
            "can_edit": access.can(Permission.EDIT_PLANS),
        },
        error,
    )


@municipality_view()
def meeting_list(request: HttpRequest, access: Access) -> HttpResponse:
    form = MeetingForm(access, request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST":
        access.require(Permission.EDIT_PLANS)
        if form.is_valid():
            meeting = meetings.create_meeting(access, **form.cleaned_data)
            return redirect(
                "meeting_detail", municipality=access.municipality.slug, meeting_id=meeting.pk
            )
    return render(
        request,
        "plans/meeting_list.html",
        {
            "meetings": access.scope(Meeting.objects.all()),
            "form": form if access.can(Permission.EDIT_PLANS) else None,
        },
    )


@municipality_view()
def meeting_detail(request: HttpRequest, access: Access, meeting_id: int) -> HttpResponse:
    meeting: Meeting = access.get_or_404(
        Meeting.objects.prefetch_related("participants"), pk=meeting_id
    )
    task_form = TaskForm(access, initial={"due": timezone.localdate() + timedelta(days=7)})
    fmt = request.GET.get("format")
    if fmt in ("pdf", "docx"):
        return meetings.minutes_response(meeting, fmt)
    if request.method == "POST":
        access.require(Permission.EDIT_PLANS)
        action = request.POST.get("action")
        if action == "decisions":
            try:
                meetings.save_decisions(access, meeting, request.POST.get("decisions", ""))
            except ValidationError as error:
                _errors(request, None, error)
            return redirect(request.path)
        if action == "task":
            task_form = TaskForm(access, request.POST)
            if task_form.is_valid():
                meetings.add_task(access, meeting, **task_form.cleaned_data)
                return redirect(request.path)
        if action == "task_done":
            chosen = request.POST.get("task", "")
            task = access.get_or_404(
                MeetingTask.objects.all(), pk=int(chosen) if chosen.isdigit() else 0
            )
            meetings.set_task_done(access, task, request.POST.get("done") == "1")
            return redirect(request.path + "#tasks")
        if action == "send":
            from .tasks import send_meeting_minutes

            # Two documents and an e-mail to every participant: off the request.
            send_meeting_minutes.enqueue(meeting.pk, access.user.pk)
            messages.success(
                request, _("The minutes are being sent; the audit log shows when they went.")
            )
            return redirect(request.path)
    return render(
        request,
        "plans/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": meeting.agenda,
            "tasks": MeetingTask.objects.filter(meeting=meeting).select_related(
                "organisation", "measure"
            ),
            "task_form": task_form,
            "earlier_tasks": meetings.open_earlier_tasks(meeting),
            "today": timezone.localdate(),
            "can_edit": access.can(Permission.EDIT_PLANS),
        },
    )


@municipality_view()
def compliance_page(request: HttpRequest, access: Access) -> HttpResponse:
    settings_row = ComplianceSettings.objects.filter(municipality=access.municipality).first()
    if request.method == "POST":
        access.require(Permission.DECIDE_PLANS)
        from .council import save_compliance_post

        save_compliance_post(access, request.POST)
        return redirect("compliance", municipality=access.municipality.slug)
    return render(
        request,
        "plans/compliance.html",
        {
            "items": compliance.items(access.municipality, timezone.localdate()),
            "routines": compliance.routines(access.municipality, timezone.localdate()),
            "settings": settings_row,
            "can_edit": access.can(Permission.DECIDE_PLANS),
        },
    )


@municipality_view()
def council_report(request: HttpRequest, access: Access, fmt: str) -> HttpResponse:
    """The newest ärende to kommunfullmäktige (or this year's draft computed now)."""
    from samtrygg.documents import council_report as document
    from samtrygg.documents.download import download

    report = document.for_municipality(access.municipality)
    return download(
        access,
        report if report.pk else access.municipality,
        fmt,
        document.render(report),
        f"rapport-kommunfullmaktige-{report.year}",
        document="council_report",
    )


@municipality_view()
def council_report_list(request: HttpRequest, access: Access) -> HttpResponse:
    from .council_reports import create_council_report

    if request.method == "POST":
        access.require(Permission.DECIDE_PLANS)
        try:
            year = _chosen(request, "year")
            report = create_council_report(access, year)
        except ValidationError as error:
            _errors(request, None, error)
            return redirect("council_reports", municipality=access.municipality.slug)
        return redirect(
            "council_report_detail",
            municipality=access.municipality.slug,
            council_report_id=report.pk,
        )
    return render(
        request,
        "plans/council_reports.html",
        {
            "reports": access.scope(CouncilReport.objects.all()),
            "can_edit": access.can(Permission.DECIDE_PLANS),
            "this_year": timezone.localdate().year,
        },
    )


@municipality_view()
def council_report_detail(
    request: HttpRequest, access: Access, council_report_id: int
) -> HttpResponse:
    from samtrygg.documents import council_report as document

    from . import council_reports

    report: CouncilReport = access.get_or_404(CouncilReport.objects.all(), pk=council_report_id)
    if request.method == "POST":
        access.require(Permission.DECIDE_PLANS)
        _council_report_post(request, access, report)
        return redirect(
            "council_report_detail",
            municipality=access.municipality.slug,
            council_report_id=report.pk,
        )
    editable = access.can(Permission.DECIDE_PLANS) and report.status == "draft"
    messages_shown = list(report.key_messages)
    return render(
        request,
        "plans/council_report.html",
        {
            "report": report,
            "document": document.document(report),
            "editable": editable,
            "message_fields": messages_shown
            + [""] * (council_reports.MESSAGES_MAX - len(messages_shown)),
            "suggestions": council_reports.suggestions(access.municipality, timezone.localdate())
            if editable
            else [],
            "today": timezone.localdate(),
        },
    )


def _council_report_post(request: HttpRequest, access: Access, report: CouncilReport) -> None:
    from . import council_reports

    action = request.POST.get("action")
    try:
        if action == "reported":
            council_reports.mark_reported(access, report, request.POST)
            messages.success(request, _("The report is marked as reported to kommunfullmäktige."))
        elif action == "add_suggestion":
            data = {
                "diarienummer": report.diarienummer,
                "proposed_decision": report.proposed_decision,
                "key_messages": [*report.key_messages, request.POST.get("text", "")],
            }
            council_reports.save_council_report(access, report, data)
        else:
            council_reports.save_council_report(access, report, request.POST)
            messages.success(request, _("Saved."))
    except ValidationError as error:
        _errors(request, None, error)


@municipality_view()
def council_report_document(
    request: HttpRequest, access: Access, council_report_id: int, fmt: str
) -> HttpResponse:
    from samtrygg.documents import council_report as document
    from samtrygg.documents.download import download

    report: CouncilReport = access.get_or_404(
        CouncilReport.objects.select_related("municipality"), pk=council_report_id
    )
    return download(
        access,
        report,
        fmt,
        document.render(report),
        f"rapport-kommunfullmaktige-{report.year}",
        document="council_report",
        status=report.status,
    )


@municipality_view()
def plan_document(request: HttpRequest, access: Access, plan_id: int, fmt: str) -> HttpResponse:
    """The åtgärdsplan as the decision document (PDF or Word), for every member who may read
    the plan page; the export is logged."""
    from samtrygg.documents import action_plan
    from samtrygg.documents.download import download

    plan: ActionPlan = access.get_or_404(
        ActionPlan.objects.select_related("municipality", "situation_report"), pk=plan_id
    )
    return download(
        access,
        plan,
        fmt,
        action_plan.render(plan),
        f"atgardsplan-{plan.pk}-v{plan.version}",
        document="action_plan",
        version=plan.version,
    )


@municipality_view()
def plan_minutes(request: HttpRequest, access: Access, plan_id: int) -> HttpResponseBase:
    """The decision's minutes, only for members (uploads are never public media files)."""
    plan: ActionPlan = access.get_or_404(ActionPlan.objects.all(), pk=plan_id)
    if not plan.minutes:
        raise Http404
    return FileResponse(plan.minutes.open("rb"), as_attachment=True, filename="protokoll.pdf")
