"""The statutory lägesbild's pages: list and create, edit (texts and findings), approve, new
version, download as PDF and Word; and the import of survey and Brå tables."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from samtrygg.incidents.weekly import week_from_query
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission, aggregates_only

from . import queries, services
from .contributions import may_contribute
from .models import (
    FindingDecision,
    ImportedTable,
    ReportFinding,
    SituationReport,
    TableKind,
    WeeklyPictureSettings,
)
from .release import release_for


class CreateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    first = forms.DateField(
        label=gettext_lazy("Period from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label=gettext_lazy("Period to"), widget=forms.DateInput(attrs={"type": "date"})
    )


class TextsForm(forms.Form):
    other_information = forms.CharField(
        label=gettext_lazy("2. Other relevant information (free text)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    analysis_text = forms.CharField(
        label=gettext_lazy("3. Analysis"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    sources_left_out = forms.CharField(
        label=gettext_lazy("Sources left out, and why (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Approved by (body)"), initial="Kommunstyrelsen", max_length=150
    )
    on = forms.DateField(
        label=gettext_lazy("Approved on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    diarienummer = forms.CharField(
        label=gettext_lazy("Reference number (diarienummer)"), required=False, max_length=50
    )


class TableForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TableKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300)
    file = forms.FileField(label=gettext_lazy("CSV file"))


@municipality_view()
def report_list(request: HttpRequest, access: Access) -> HttpResponse:
    can_edit = access.can(Permission.EDIT_SITUATION_REPORTS)
    today = timezone.localdate()
    form = CreateForm(
        request.POST or None,
        initial={
            "title": _("Lägesbild %(name)s %(year)d")
            % {"name": access.municipality.name, "year": today.year},
            "first": today - timedelta(days=365),
            "last": today - timedelta(days=1),
        },
    )
    if request.method == "POST":
        access.require(Permission.EDIT_SITUATION_REPORTS)
        if form.is_valid():
            try:
                report = services.create_report(access, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(
                    "report_detail", municipality=access.municipality.slug, report_id=report.pk
                )
    return render(
        request,
        "situation/report_list.html",
        {
            "reports": queries.reports(access),
            "form": form if can_edit else None,
            "may_contribute": may_contribute(access),
        },
    )


def _chosen_findings(
    request: HttpRequest, report: SituationReport
) -> list[tuple[ReportFinding, str]]:
    """The findings ticked on the page with the one decision chosen for them; an id that is not
    one of the report's findings is refused (never skipped)."""
    chosen = request.POST.getlist("chosen")
    if not chosen:
        raise ValidationError(_("Choose at least one finding."))
    if not all(c.isdigit() for c in chosen):
        raise ValidationError(_("Choose a finding."))
    wanted = {int(c) for c in chosen}
    found = list(report.findings.filter(pk__in=wanted).order_by("order", "pk"))
    if len(found) != len(wanted):
        raise ValidationError(_("Choose a finding."))
    decision = request.POST.get("decision", "")
    if decision not in (FindingDecision.ACCEPTED, FindingDecision.DROPPED):
        raise ValidationError(_("Choose accept or drop for the chosen findings."))
    return [(finding, decision) for finding in found]


@municipality_view()
def report_detail(request: HttpRequest, access: Access, report_id: int) -> HttpResponse:
    report: SituationReport = access.get_or_404(queries.reports(access), pk=report_id)
    texts = TextsForm(
        initial={
            "other_information": report.other_information,
            "analysis_text": report.analysis_text,
            "sources_left_out": report.sources_left_out,
        }
    )
    approve_form = ApproveForm(initial={"on": timezone.localdate()})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "texts":
                texts = TextsForm(request.POST)
                if texts.is_valid():
                    services.update_texts(access, report, **texts.cleaned_data)
                    messages.success(request, _("The texts were saved."))
                    return redirect(request.path)
            elif action == "finding":
                chosen = request.POST.get("finding", "")
                finding = ReportFinding.objects.filter(
                    report=report, pk=int(chosen) if chosen.isdigit() else 0
                ).first()
                if finding is None:
                    raise ValidationError(_("Choose a finding."))
                services.decide_finding(
                    access,
                    finding,
                    request.POST.get("decision", ""),
                    request.POST.get("text", ""),
                    key_message=request.POST.get("key_message") == "on",
                )
                return redirect(request.path + "#findings")
            elif action in ("findings", "accept_all"):
                if action == "accept_all":
                    decided = services.accept_all_findings(access, report)
                else:
                    decided = services.decide_findings(
                        access, report, _chosen_findings(request, report)
                    )
                n = len(decided)
                messages.success(
                    request,
                    ngettext(
                        "A decision was recorded on %(n)d finding.",
                        "Decisions were recorded on %(n)d findings.",
                        n,
                    )
                    % {"n": n},
                )
                return redirect(request.path + "#findings")
            elif action == "approve":
                approve_form = ApproveForm(request.POST)
                if approve_form.is_valid():
                    services.approve(access, report, **approve_form.cleaned_data)
                    messages.success(request, _("The lägesbild was approved."))
                    return redirect(request.path)
            elif action == "new_version":
                draft = services.new_version(access, report)
                return redirect(
                    "report_detail", municipality=access.municipality.slug, report_id=draft.pk
                )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
    from .contributions import FIGURE_TABLE_HEADER, for_document_of

    if report.status == "approved" and "contributions" in report.content:
        parties = report.content["contributions"]  # as frozen on approval
    else:
        given = list(report.contributions.select_related("organisation"))
        parties = [{**p, "id": c.pk} for c, p in zip(given, for_document_of(given), strict=True)]
    return render(
        request,
        "situation/report_detail.html",
        {
            "report": report,
            "parties": parties,
            "figure_header": FIGURE_TABLE_HEADER,
            "findings": list(report.findings.all()),
            "texts": texts,
            "approve_form": approve_form,
            "can_edit": access.can(Permission.EDIT_SITUATION_REPORTS) and report.status == "draft",
            "can_approve": access.can(Permission.APPROVE_SITUATION_REPORTS)
            and report.status == "draft",
            "can_new_version": access.can(Permission.EDIT_SITUATION_REPORTS)
            and report.status == "approved",
            "decisions": FindingDecision.choices,
            "can_plan": access.can(Permission.EDIT_PLANS),
        },
    )


@municipality_view()
def report_document(request: HttpRequest, access: Access, report_id: int, fmt: str) -> HttpResponse:
    from samtrygg.documents.download import download
    from samtrygg.documents.situation_report import data_for_report, docx_bytes, pdf_bytes

    report: SituationReport = access.get_or_404(queries.reports(access), pk=report_id)
    data = data_for_report(report)
    return download(
        access,
        report,
        fmt,
        {"pdf": lambda: pdf_bytes(data), "docx": lambda: docx_bytes(data)},
        f"lagesbild-v{report.version}",
        version=report.version,
    )


@municipality_view(Permission.EDIT_SITUATION_REPORTS)
def table_list(request: HttpRequest, access: Access) -> HttpResponse:
    form = TableForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            table = services.import_table(
                access,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                source=form.cleaned_data["source"],
                raw=form.cleaned_data["file"].read(),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("%(title)s was imported.") % {"title": table.title})
            return redirect("table_list", municipality=access.municipality.slug)
    return render(
        request,
        "situation/table_list.html",
        {"tables": access.scope(ImportedTable.objects.all()), "form": form},
    )


class WeeklySettingsForm(forms.ModelForm[WeeklyPictureSettings]):
    class Meta:
        model = WeeklyPictureSettings
        fields = ["recipients", "weekday", "hour"]

    def clean_recipients(self) -> str:
        from django.core.validators import validate_email

        lines = [
            line.strip() for line in self.cleaned_data["recipients"].splitlines() if line.strip()
        ]
        for line in lines:
            try:
                validate_email(line)
            except ValidationError:
                raise forms.ValidationError(
                    _("“%(address)s” is not an e-mail address.") % {"address": line}
                ) from None
        return "\n".join(lines)


@municipality_view()
def weekly_picture(request: HttpRequest, access: Access) -> HttpResponse:
    from . import weekly_picture as picture

    year, week = week_from_query(request.GET.get("week"))
    if aggregates_only(access.role):
        # The last completed week only: the one the release protects with everything else.
        year, week = picture.week_of(timezone.localdate() - timedelta(days=7))
    current = WeeklyPictureSettings.objects.filter(municipality=access.municipality).first()
    may_send = access.can(Permission.APPROVE_SITUATION_REPORTS)
    form = WeeklySettingsForm(
        instance=current or WeeklyPictureSettings(municipality=access.municipality)
    )
    if request.method == "POST":
        access.require(Permission.APPROVE_SITUATION_REPORTS)
        if request.POST.get("action") == "send":
            from .tasks import send_weekly_picture

            # Two documents and an e-mail to the whole list: off the request.
            send_weekly_picture.enqueue(access.municipality.pk, year, week, access.user.pk)
            count = len(current.addresses()) if current else 0
            messages.success(
                request, _("The lägesbild is being sent to %(n)d recipients.") % {"n": count}
            )
            return redirect(f"{request.path}?week={year}-W{week:02d}")
        form = WeeklySettingsForm(
            request.POST,
            instance=current or WeeklyPictureSettings(municipality=access.municipality),
        )
        if form.is_valid():
            picture.save_settings(access, **form.cleaned_data)
            messages.success(request, _("The changes were saved."))
            return redirect(request.path)
    content = picture.build(access.municipality, year, week)
    if aggregates_only(access.role):
        content = picture.suppressed(content, release_for(access.municipality))
    content = picture.with_map(content, access.municipality)
    fmt = request.GET.get("format")
    if fmt in ("pdf", "docx"):
        make = picture.pdf_bytes if fmt == "pdf" else picture.docx_bytes
        data = make(content, access.municipality)
        kinds = {
            "pdf": "application/pdf",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
        response = HttpResponse(data, content_type=kinds[fmt])
        response["Content-Disposition"] = f'attachment; filename="lagesbild-vecka-{week}.{fmt}"'
        return response
    return render(
        request,
        "situation/weekly_picture.html",
        {
            "c": content,
            "meeting_heading": picture.meeting_heading(content),
            "tasks": [picture.task_line(t) for t in content["tasks"]],
            "happenings_hidden": picture.happenings_hidden(),
            "form": form if may_send else None,
            "settings": current,
        },
    )
