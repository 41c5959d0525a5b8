"""Pages for the parties' own lägesbilder (situation/contributions.py): the list with the form
and the file import, one contribution (change, remove), and the empty XLSX template."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from . import contribution_files, queries
from . import contributions as parts
from .models import (
    CONTRIBUTION_MAX_FIGURES,
    CONTRIBUTION_MAX_SECTIONS,
    Contribution,
    ReportStatus,
)

FIGURE_LABELS = {
    "label": gettext_lazy("Label"),
    "value": gettext_lazy("Value"),
    "unit": gettext_lazy("Unit"),
    "comparison": gettext_lazy("Comparison value"),
    "comparison_label": gettext_lazy("The comparison is"),
}


class ContributionForm(forms.Form):
    """Raw text only: every bound is the validator's (contributions.check), as for a file."""

    title = forms.CharField(label=gettext_lazy("Title"), required=False)
    period_start = forms.CharField(
        label=gettext_lazy("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.CharField(
        label=gettext_lazy("Period to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    key_messages = forms.CharField(
        label=gettext_lazy("Key messages (one per line, 1–5)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    confirm_flagged = forms.BooleanField(
        label=gettext_lazy("I have checked: the text is not about a person"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, CONTRIBUTION_MAX_SECTIONS + 1):
            self.fields[f"section_{i}_heading"] = forms.CharField(
                label=_("Section %(n)d: heading") % {"n": i}, required=False
            )
            self.fields[f"section_{i}_text"] = forms.CharField(
                label=_("Section %(n)d: text") % {"n": i},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        for i in range(1, CONTRIBUTION_MAX_FIGURES + 1):
            for name, label in FIGURE_LABELS.items():
                self.fields[f"figure_{i}_{name}"] = forms.CharField(
                    label=f"{_('Figure %(n)d') % {'n': i}}: {label}", required=False
                )

    def fields_of(self, prefix: str, count: int, names: tuple[str, ...]) -> list[list[Any]]:
        return [[self[f"{prefix}_{i}_{n}"] for n in names] for i in range(1, count + 1)]

    def sections(self) -> list[list[Any]]:
        return self.fields_of("section", CONTRIBUTION_MAX_SECTIONS, parts.SECTION_FIELDS)

    def figures(self) -> list[list[Any]]:
        return self.fields_of("figure", CONTRIBUTION_MAX_FIGURES, parts.FIGURE_FIELDS)

    def to_input(self) -> parts.ContributionInput:
        data = self.data

        def get(name: str) -> str:
            return str(data.get(name, ""))

        return parts.ContributionInput(
            title=get("title"),
            period_start=get("period_start"),
            period_end=get("period_end"),
            key_messages=get("key_messages").splitlines(),
            sections=[
                (get(f"section_{i}_heading"), get(f"section_{i}_text"))
                for i in range(1, CONTRIBUTION_MAX_SECTIONS + 1)
            ],
            figures=[
                parts.FigureInput(*(get(f"figure_{i}_{n}") for n in parts.FIGURE_FIELDS))
                for i in range(1, CONTRIBUTION_MAX_FIGURES + 1)
            ],
        )

    def show(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


def initial_for(contribution: Contribution) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "title": contribution.title,
        "period_start": contribution.period_start.isoformat(),
        "period_end": contribution.period_end.isoformat(),
        "key_messages": "\n".join(contribution.key_messages),
    }
    for i, s in enumerate(contribution.sections.all(), start=1):
        initial[f"section_{i}_heading"] = s.heading
        initial[f"section_{i}_text"] = s.text
    for i, f in enumerate(contribution.figures.all(), start=1):
        initial[f"figure_{i}_label"] = f.label
        initial[f"figure_{i}_value"] = parts.figure_text(f.value)
        initial[f"figure_{i}_unit"] = f.unit
        initial[f"figure_{i}_comparison"] = parts.figure_text(f.comparison)
        initial[f"figure_{i}_comparison_label"] = f.comparison_label
    return initial


def confirmed(request: HttpRequest) -> bool:
    """The writer confirmed that a flagged detail (a name, a phone number) is not a person's."""
    return request.POST.get("confirm_flagged") in ("on", "true", "1")


def _chosen(access: Access, request: HttpRequest) -> tuple[Any, Any]:
    """The draft and the party chosen in the form, each within what the user may choose."""
    report_id = request.POST.get("report", "")
    organisation_id = request.POST.get("organisation", "")
    report = (
        parts.open_reports(access).filter(pk=int(report_id)).first()
        if report_id.isdigit() and len(report_id) < 19
        else None
    )
    organisation = (
        parts.parties(access).filter(pk=int(organisation_id)).first()
        if organisation_id.isdigit() and len(organisation_id) < 19
        else None
    )
    return report, organisation


@municipality_view(Permission.REPORT_INCIDENTS)
def contribution_list(request: HttpRequest, access: Access) -> HttpResponse:
    if not parts.may_contribute(access):
        raise PermissionDenied
    form = ContributionForm()
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("add", "import"):
        report, organisation = _chosen(access, request)
        if action == "add":
            form = ContributionForm(request.POST)
        try:
            if report is None:
                raise ValidationError(_("Choose a lägesbild that is still a draft."))
            if organisation is None:
                raise ValidationError(_("Choose the organisation whose lägesbild it is."))
            if action == "add":
                contribution = parts.add_contribution(
                    access, report, organisation, form.to_input(), confirmed(request)
                )
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValidationError(_("Choose a file."))
                contribution = parts.import_contribution(
                    access,
                    report,
                    organisation,
                    upload.read(),
                    upload.name or "",
                    confirmed(request),
                )
        except ValidationError as error:
            if action == "add":
                form.show(error)
            else:
                for message in error.messages:
                    messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(party)s's lägesbild was saved.") % {"party": contribution.organisation.name},
            )
            return redirect(
                "contribution_detail",
                municipality=access.municipality.slug,
                contribution_id=contribution.pk,
            )
    wanted = request.GET.get("report", "")
    return render(
        request,
        "situation/contribution_list.html",
        {
            "contributions": queries.contributions(access),
            "reports": parts.open_reports(access),
            "parties": parts.parties(access),
            "chosen_report": request.POST.get("report", wanted),
            "chosen_party": request.POST.get("organisation", ""),
            "form": form,
        },
    )


@municipality_view(Permission.REPORT_INCIDENTS)
def contribution_detail(request: HttpRequest, access: Access, contribution_id: int) -> HttpResponse:
    contribution: Contribution = access.get_or_404(
        queries.contributions(access), pk=contribution_id
    )
    editable = contribution.report.status == ReportStatus.DRAFT
    form = ContributionForm(initial=initial_for(contribution))
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                form = ContributionForm(request.POST)
                parts.update_contribution(access, contribution, form.to_input(), confirmed(request))
                messages.success(request, _("The changes were saved."))
                return redirect(request.path)
            if action == "remove":
                parts.remove_contribution(access, contribution)
                messages.success(request, _("The lägesbild was removed."))
                return redirect("contribution_list", municipality=access.municipality.slug)
        except ValidationError as error:
            if action == "save":
                form.show(error)
            else:
                for message in error.messages:
                    messages.error(request, message)
    shown = parts.for_document_of([contribution])
    return render(
        request,
        "situation/contribution_detail.html",
        {
            "contribution": contribution,
            "party": shown[0],
            "figure_header": parts.FIGURE_TABLE_HEADER,
            "form": form,
            "editable": editable,
            "sees_report": access.can(Permission.EDIT_SITUATION_REPORTS)
            or contribution.report.status == ReportStatus.APPROVED,
        },
    )


@municipality_view(Permission.REPORT_INCIDENTS)
def contribution_template(request: HttpRequest, access: Access) -> HttpResponse:
    if not parts.may_contribute(access):
        raise PermissionDenied
    response = HttpResponse(
        contribution_files.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="aktorens-lagesbild.xlsx"'
    return response
