"""The tertial (or quarterly) analysis's pages: list and create, edit the texts and finalise,
download as PDF and Word."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from . import queries, services
from .models import AnalysisKind, AnalysisStatus, PeriodAnalysis


class CreateAnalysisForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AnalysisKind.choices)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=9999)
    number = forms.IntegerField(
        label=gettext_lazy("Number (tertial 1–3, quarter 1–4)"), min_value=1, max_value=4
    )


class AnalysisTextsForm(forms.Form):
    key_messages = forms.CharField(
        label=gettext_lazy("The key messages (3–5, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    assessment = forms.CharField(
        label=gettext_lazy("Assessment"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    proposals = forms.CharField(
        label=gettext_lazy("Proposals to the strategic group"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


@municipality_view()
def analysis_list(request: HttpRequest, access: Access) -> HttpResponse:
    can_edit = access.can(Permission.EDIT_SITUATION_REPORTS)
    today = timezone.localdate()
    form = CreateAnalysisForm(
        request.POST or None,
        initial={"kind": AnalysisKind.TERTIAL, "year": today.year, "number": 1},
    )
    if request.method == "POST":
        access.require(Permission.EDIT_SITUATION_REPORTS)
        if form.is_valid():
            try:
                analysis = services.create_analysis(access, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)  # a field's error goes to its field
            else:
                return redirect(
                    "analysis_detail",
                    municipality=access.municipality.slug,
                    analysis_id=analysis.pk,
                )
    return render(
        request,
        "situation/analysis_list.html",
        {"analyses": queries.analyses(access), "form": form if can_edit else None},
    )


@municipality_view()
def analysis_detail(request: HttpRequest, access: Access, analysis_id: int) -> HttpResponse:
    analysis: PeriodAnalysis = access.get_or_404(queries.analyses(access), pk=analysis_id)
    draft = analysis.status == AnalysisStatus.DRAFT
    texts = AnalysisTextsForm(
        initial={
            "key_messages": analysis.key_messages,
            "assessment": analysis.assessment,
            "proposals": analysis.proposals,
        }
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "texts":
                texts = AnalysisTextsForm(request.POST)
                if texts.is_valid():
                    services.update_analysis(access, analysis, **texts.cleaned_data)
                    messages.success(request, _("The texts were saved."))
                    return redirect(request.path)
            elif action == "finalise":
                services.finalise_analysis(access, analysis)
                messages.success(request, _("The analysis was finalised."))
                return redirect(request.path)
        except ValidationError as error:
            if action == "texts":
                texts.add_error(None, error)
            else:
                for message in error.messages:
                    messages.error(request, message)
    figures = analysis.content.get("figures", {})
    return render(
        request,
        "situation/analysis_detail.html",
        {
            "analysis": analysis,
            "texts": texts,
            "suggestions": [text for _kind, text in figures.get("suggestions", [])],
            "can_edit": access.can(Permission.EDIT_SITUATION_REPORTS) and draft,
            "can_finalise": access.can(Permission.APPROVE_SITUATION_REPORTS) and draft,
        },
    )


@municipality_view()
def analysis_document(
    request: HttpRequest, access: Access, analysis_id: int, fmt: str
) -> HttpResponse:
    from samtrygg.documents.download import download
    from samtrygg.documents.period_analysis import data_for_analysis, docx_bytes, pdf_bytes

    analysis: PeriodAnalysis = access.get_or_404(queries.analyses(access), pk=analysis_id)
    data = data_for_analysis(analysis)
    return download(
        access,
        analysis,
        fmt,
        {"pdf": lambda: pdf_bytes(data), "docx": lambda: docx_bytes(data)},
        f"{analysis.kind}-{analysis.year}-{analysis.number}",
        status=analysis.status,
    )
