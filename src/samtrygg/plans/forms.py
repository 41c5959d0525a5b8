from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samtrygg.areas.models import Area
from samtrygg.incidents.models import Category
from samtrygg.situation.models import SituationReport
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access

from .models import CauseGroup, Colour, IndicatorKind, Measure, MeetingKind, Problem

DATE = forms.DateInput(attrs={"type": "date"})
MAX_MINUTES_BYTES = 20 * 1024 * 1024


def _scoped(form: forms.Form, access: Access) -> None:
    """Limit every choice of the form to the user's municipality."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        model = queryset.model
        if model in (Area, Category, Organisation, Problem, SituationReport):
            field.queryset = model.objects.filter(municipality=access.municipality)  # type: ignore[attr-defined]
        elif model is Measure:
            field.queryset = Measure.objects.filter(plan__municipality=access.municipality)  # type: ignore[attr-defined]


class ScopedForm(forms.Form):
    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped(self, access)


class ProblemForm(ScopedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"), queryset=Area.objects.none(), required=False
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.none(), required=False
    )
    period_start = forms.DateField(label=_("Period from"), required=False, widget=DATE)
    period_end = forms.DateField(label=_("Period to"), required=False, widget=DATE)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        choices=[(1, _("High")), (2, _("Medium")), (3, _("Low"))],
        initial=2,
    )
    evidence = forms.CharField(
        label=_("Evidence (link to the finding or the filtered map)"),
        required=False,
        max_length=1000,
    )


class CauseForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"), choices=CauseGroup.choices)
    text = forms.CharField(label=_("Cause"), max_length=500)
    chain = forms.CharField(
        label=_("Chain of events (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanForm(ScopedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)
    situation_report = forms.ModelChoiceField(
        label=_("The lägesbild it rests on"),
        queryset=SituationReport.objects.none(),
        required=False,
    )


class MeasureForm(ScopedForm):
    problem = forms.ModelChoiceField(
        label=_("Problem"), queryset=Problem.objects.none(), required=False
    )
    cause: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Cause"), queryset=None, required=False
    )
    unlinked_reason = forms.CharField(label=_("If not linked: why"), required=False, max_length=500)
    title = forms.CharField(label=_("Measure"), max_length=300)
    goal = forms.CharField(
        label=_("Operational goal (specific, measurable, time-bound)"), max_length=500
    )
    indicator_kind = forms.ChoiceField(label=_("Indicator"), choices=IndicatorKind.choices)
    indicator_categories = forms.ModelMultipleChoiceField(
        label=_("Indicator: categories"), queryset=Category.objects.none(), required=False
    )
    indicator_areas = forms.ModelMultipleChoiceField(
        label=_("Indicator: areas"), queryset=Area.objects.none(), required=False
    )
    indicator_label = forms.CharField(
        label=_("Indicator (entered), e.g. share feeling unsafe"), required=False, max_length=200
    )
    baseline_start = forms.DateField(label=_("Baseline from"), required=False, widget=DATE)
    baseline_end = forms.DateField(label=_("Baseline to"), required=False, widget=DATE)
    baseline_value = forms.FloatField(label=_("Baseline (entered indicators)"), required=False)
    target_value = forms.FloatField(label=_("Target"), required=False)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)
    when = forms.CharField(label=_("When"), required=False, max_length=200)
    responsible = forms.ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.none()
    )
    contact = forms.CharField(label=_("Contact (role or function)"), required=False, max_length=200)
    one_off = forms.BooleanField(label=_("A one-off effort (punktinsats)"), required=False)
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (SEK)"), required=False, decimal_places=0, min_value=0
    )

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        from .models import Cause

        super().__init__(access, *args, **kwargs)
        causes = Cause.objects.filter(problem__municipality=access.municipality)
        self.fields["cause"].queryset = causes  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    body = forms.CharField(label=_("Decided by (body)"), initial="Kommunstyrelsen", max_length=150)
    on = forms.DateField(label=_("Decided on"), widget=DATE)
    diarienummer = forms.CharField(
        label=_("Reference number (diarienummer)"), required=False, max_length=50
    )
    minutes = forms.FileField(label=_("Minutes (PDF, optional)"), required=False)

    def clean_minutes(self) -> Any:
        upload = self.cleaned_data.get("minutes")
        if upload is None:
            return None
        if upload.size > MAX_MINUTES_BYTES or not upload.read(5).startswith(b"%PDF-"):
            raise forms.ValidationError(_("The minutes must be a PDF file of at most 20 MB."))
        upload.seek(0)
        return upload


class FollowUpForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    colour = forms.ChoiceField(label=_("Status"), choices=Colour.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    indicator_value = forms.FloatField(
        label=_("Indicator value (entered indicators; computed ones are filled in)"), required=False
    )


class PlanFollowUpForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label=_("Approved by (body)"), required=False, max_length=150)
    approved_on = forms.DateField(label=_("Approved on"), required=False, widget=DATE)


class EvaluationForm(ScopedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    measure = forms.ModelChoiceField(
        label=_("Measure"), queryset=Measure.objects.none(), required=False
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.none()
    )
    treated = forms.ModelChoiceField(label=_("Treated area"), queryset=Area.objects.none())
    control = forms.ModelChoiceField(label=_("Comparison area"), queryset=Area.objects.none())
    buffer_m = forms.IntegerField(
        label=_("Buffer ring (m) for displacement"), initial=300, min_value=0, max_value=5000
    )
    before_start = forms.DateField(label=_("Before: from"), widget=DATE)
    before_end = forms.DateField(label=_("Before: to"), widget=DATE)
    after_start = forms.DateField(label=_("After: from"), widget=DATE)
    after_end = forms.DateField(label=_("After: to"), widget=DATE)


class AgreementForm(ScopedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    parties = forms.ModelMultipleChoiceField(
        label=_("Parties"), queryset=Organisation.objects.none()
    )
    purposes = forms.CharField(
        label=_("Purposes (required, 9 §)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas (required, 9 §)"), queryset=Area.objects.none(), required=False
    )
    problems = forms.ModelMultipleChoiceField(
        label=_("Problems"), queryset=Problem.objects.none(), required=False
    )
    goals = forms.CharField(
        label=_("Measurable goals"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    documentation = forms.CharField(
        label=_("Documentation and follow-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DATE)
    signatories = forms.CharField(label=_("Signed by (roles)"), required=False, max_length=500)


class MeetingForm(ScopedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"), queryset=Organisation.objects.none(), required=False
    )


class TaskForm(ScopedForm):
    text = forms.CharField(label=_("Task"), max_length=300)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    due = forms.DateField(label=_("Due"), widget=DATE)
    measure = forms.ModelChoiceField(
        label=_("Measure (optional)"), queryset=Measure.objects.none(), required=False
    )
