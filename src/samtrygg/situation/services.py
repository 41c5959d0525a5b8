"""Every change to a lägesbild (DESIGN.md rule 2): create with generated findings, edit the
texts, decide on findings, approve (which freezes the content and sets the next due date), start
a new version, import other sources' tables."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.core import bounds
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import (
    AnalysisStatus,
    FindingDecision,
    ImportedTable,
    PeriodAnalysis,
    ReportFinding,
    ReportStatus,
    SituationReport,
    TableKind,
)

UPDATE_YEARS = 2  # 6 §: at least every second year
MAX_TABLE_ROWS = 500


def _guard(values: dict[str, str]) -> None:
    errors = check_free_text(values, confirm_flagged=False)
    if errors:
        raise ValidationError(errors)


def _editable(report: SituationReport) -> None:
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("An approved lägesbild cannot be changed: start a new version."))


def create_report(access: Access, *, title: str, first: date, last: date) -> SituationReport:
    from samtrygg.documents.situation_report import generated_findings

    from .report_content import build

    access.require(Permission.EDIT_SITUATION_REPORTS)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the lägesbild a title.")})
    if last < first:
        raise ValidationError({"last": _("The period ends before it begins.")})
    content = build(access.municipality, first, last)
    with transaction.atomic():
        report = SituationReport.objects.create(
            municipality=access.municipality,
            title=title,
            period_start=first,
            period_end=last,
            created_by=access.user,
        )
        ReportFinding.objects.bulk_create(
            ReportFinding(report=report, kind=kind, generated_text=text, order=index)
            for index, (kind, text) in enumerate(generated_findings(content))
        )
        record(
            AuditAction.SITUATION_REPORT_CREATED,
            actor=access.user,
            municipality=access.municipality,
            obj=report,
            changes={"period": [first.isoformat(), last.isoformat()]},
        )
    return report


def update_texts(access: Access, report: SituationReport, **texts: str) -> SituationReport:
    access.require(Permission.EDIT_SITUATION_REPORTS)
    _editable(report)
    _guard(texts)
    with transaction.atomic():
        before = {name: getattr(report, name, None) for name in texts}
        for name, value in texts.items():
            setattr(report, name, value.strip())
        report.save()
        record(
            AuditAction.SITUATION_REPORT_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            obj=report,
            changes=diff(before, {name: getattr(report, name) for name in texts}),
        )
    return report


def decide_finding(
    access: Access,
    finding: ReportFinding,
    decision: str,
    text: str = "",
    *,
    key_message: bool = False,
) -> ReportFinding:
    """Accept, edit or drop a finding; an accepted one may be one of the summary's key
    messages (at most KEY_MESSAGES of them)."""
    from samtrygg.documents.situation_report import KEY_MESSAGES

    access.require(Permission.EDIT_SITUATION_REPORTS)
    _editable(finding.report)
    if decision not in FindingDecision.values:
        raise ValidationError(_("Choose accept, edit or drop."))
    if decision == FindingDecision.EDITED:
        if not text.strip():
            raise ValidationError({"text": _("Write the edited text.")})
        _guard({"text": text})
    key_message = key_message and decision in (FindingDecision.ACCEPTED, FindingDecision.EDITED)
    others = finding.report.findings.exclude(pk=finding.pk).filter(key_message=True).count()
    if key_message and others >= KEY_MESSAGES:
        raise ValidationError(
            _("At most %(n)d key messages: take one away first.") % {"n": KEY_MESSAGES}
        )
    with transaction.atomic():
        before = {
            "decision": finding.decision,
            "text": finding.text,
            "key_message": finding.key_message,
        }
        finding.decision = decision
        finding.text = text.strip() if decision == FindingDecision.EDITED else ""
        finding.key_message = key_message
        finding.save(update_fields=["decision", "text", "key_message"])
        record(
            AuditAction.SITUATION_REPORT_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            obj=finding.report,
            changes={
                "finding": [None, finding.pk],
                **diff(
                    before,
                    {
                        "decision": finding.decision,
                        "text": finding.text,
                        "key_message": finding.key_message,
                    },
                ),
            },
        )
    return finding


def decide_findings(
    access: Access,
    report: SituationReport,
    decisions: list[tuple[ReportFinding, str]],
) -> list[ReportFinding]:
    """Several decisions at once (the page's checkboxes and "Accept all"): each goes through
    ``decide_finding`` and is audited as one decision, all in one transaction, so that if any
    is refused none is written. Accepting or dropping keeps a finding's key-message mark when the
    decision allows one; an edited text is written one finding at a time."""
    access.require(Permission.EDIT_SITUATION_REPORTS)
    _editable(report)
    if not decisions:
        raise ValidationError(_("Choose at least one finding."))
    if any(finding.report_id != report.pk for finding, _decision in decisions):
        raise ValidationError(_("Choose a finding."))
    with transaction.atomic():
        return [
            decide_finding(
                access,
                finding,
                decision,
                finding.text if decision == FindingDecision.EDITED else "",
                key_message=finding.key_message,
            )
            for finding, decision in decisions
        ]


def accept_all_findings(access: Access, report: SituationReport) -> list[ReportFinding]:
    """ "Accept all": every finding not yet decided is accepted (decided ones stay as they are)."""
    proposed = list(report.findings.filter(decision=FindingDecision.PROPOSED))
    if not proposed:
        raise ValidationError(_("Every finding is already decided."))
    return decide_findings(
        access, report, [(finding, FindingDecision.ACCEPTED) for finding in proposed]
    )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def empty_parts(report: SituationReport) -> list[str]:
    """What 4 § asks for and the draft lacks: part 2 (other relevant information) and part 3
    (an analysis of parts 1 and 2). An empty part may be right, but then the text says why —
    a lägesbild with nothing in them is not one (part 1 is computed from the data)."""
    missing = []
    if (
        not report.other_information.strip()
        and not ImportedTable.objects.filter(municipality=report.municipality).exists()
        and not report.contributions.exists()
    ):
        missing.append(
            _(
                "Part 2 (other relevant information) is empty: add information, or write in it "
                "why there is none."
            )
        )
    if not report.analysis_text.strip():
        missing.append(
            _(
                "Part 3 (the analysis) is empty: write the analysis of parts 1 and 2, or why "
                "none could be made."
            )
        )
    return missing


def approve(
    access: Access, report: SituationReport, *, body: str, on: date, diarienummer: str = ""
) -> SituationReport:
    """Record the decision; the generated figures, maps and charts are frozen with it."""
    from samtrygg.documents.situation_report import render_images
    from samtrygg.plans.services import not_in_future

    from .report_content import build

    access.require(Permission.APPROVE_SITUATION_REPORTS)
    _editable(report)
    if not body.strip():
        raise ValidationError({"body": _("Name the body that approved it, e.g. Kommunstyrelsen.")})
    not_in_future(on, "on")
    undecided = report.findings.filter(decision=FindingDecision.PROPOSED).count()
    if undecided:
        raise ValidationError(
            _("%(n)d findings are not yet accepted, edited or dropped.") % {"n": undecided}
        )
    empty = empty_parts(report)
    if empty:
        raise ValidationError(empty)
    from .contributions import for_document

    figures = build(report.municipality, report.period_start, report.period_end)
    images = render_images(report.municipality, figures)
    with transaction.atomic():
        report.status = ReportStatus.APPROVED
        report.approved_by = access.user
        report.approved_body = body.strip()
        report.approved_on = on
        report.diarienummer = diarienummer.strip()
        report.next_update_due = _add_years(on, UPDATE_YEARS)
        # The parties' own lägesbilder are frozen with the figures (part 2).
        report.content = {
            "figures": figures,
            "images": images,
            "contributions": for_document(report),
        }
        report.save()
        record(
            AuditAction.SITUATION_REPORT_APPROVED,
            actor=access.user,
            municipality=access.municipality,
            obj=report,
            changes={
                "status": [ReportStatus.DRAFT, report.status],
                "approved_body": [None, report.approved_body],
                "approved_on": [None, on.isoformat()],
                "next_update_due": [None, report.next_update_due.isoformat()],
            },
        )
    return report


def new_version(access: Access, report: SituationReport) -> SituationReport:
    """A new draft from an approved version: the texts, decisions and the parties' own
    lägesbilder carry over."""
    from .contributions import copy_contributions

    access.require(Permission.EDIT_SITUATION_REPORTS)
    with transaction.atomic():
        draft = SituationReport.objects.create(
            municipality=report.municipality,
            title=report.title,
            period_start=report.period_start,
            period_end=report.period_end,
            version=report.version + 1,
            previous=report,
            other_information=report.other_information,
            analysis_text=report.analysis_text,
            sources_left_out=report.sources_left_out,
            created_by=access.user,
        )
        ReportFinding.objects.bulk_create(
            ReportFinding(
                report=draft,
                kind=f.kind,
                generated_text=f.generated_text,
                text=f.text,
                decision=f.decision,
                order=f.order,
                key_message=f.key_message,
            )
            for f in report.findings.all()
        )
        copy_contributions(report, draft)
        record(
            AuditAction.SITUATION_REPORT_CREATED,
            actor=access.user,
            municipality=access.municipality,
            obj=draft,
            changes={"version": draft.version, "from": report.pk},
        )
    return draft


TABLE_CELL_MAX = 1000  # characters: a table of figures and short labels, not documents


def import_table(
    access: Access, *, kind: str, title: str, source: str, raw: bytes
) -> ImportedTable:
    """A survey or Brå table from CSV (";" or ",", UTF-8): the first row names the columns."""
    access.require(Permission.EDIT_SITUATION_REPORTS)
    errors: list[str] = []
    if kind not in TableKind.values:
        errors.append(_("Choose the kind of table."))
    if not title.strip() or not source.strip():
        errors.append(_("Give the table a title and its source."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text.")) from None
    dialect = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    try:
        rows = [
            row
            for row in csv.reader(io.StringIO(text), delimiter=dialect)
            if any(c.strip() for c in row)
        ]
    except csv.Error:  # a cell beyond the csv module's limit (128 KB)
        raise ValidationError(_("The file cannot be read as CSV.")) from None
    if len(rows) < 2:
        errors.append(_("The file needs a header row and at least one row of values."))
    elif len(rows) > MAX_TABLE_ROWS + 1:
        errors.append(_("At most %(n)d rows.") % {"n": MAX_TABLE_ROWS})
    else:
        width = len(rows[0])
        for name in rows[0]:
            if problem := bounds.text_problem(name, 200):
                errors.append(_("The header row: %(problem)s") % {"problem": problem})
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != width:
                errors.append(
                    _("Row %(row)d has %(got)d columns; the header has %(want)d.")
                    % {"row": number, "got": len(row), "want": width}
                )
            for column, value in zip(rows[0], row, strict=False):
                problem = bounds.text_problem(value, TABLE_CELL_MAX)
                if problem:
                    errors.append(
                        _("Row %(row)d, column %(col)s: %(problem)s")
                        % {"row": number, "col": column[:40], "problem": problem}
                    )
                    continue
                findings = check_free_text({column: value}, confirm_flagged=True)
                if findings:
                    errors.append(
                        _("Row %(row)d, column %(col)s: a personal identity number.")
                        % {"row": number, "col": column}
                    )
    if errors:
        raise ValidationError(errors[:50])
    with transaction.atomic():
        table = ImportedTable.objects.create(
            municipality=access.municipality,
            kind=kind,
            title=title.strip(),
            source=source.strip(),
            columns=[c.strip() for c in rows[0]],
            rows=[[c.strip() for c in row] for row in rows[1:]],
            imported_by=access.user,
        )
        record(
            AuditAction.TABLE_IMPORTED,
            actor=access.user,
            municipality=access.municipality,
            obj=table,
            changes={"rows": len(rows) - 1, "kind": kind},
        )
    return table


# ---- the tertial (or quarterly) analysis (situation/period_analysis.py) -------------------


def create_analysis(access: Access, *, kind: str, year: int, number: int) -> PeriodAnalysis:
    """A draft analysis of a period that has ended, its key messages prefilled with the five
    first ranked suggestions."""
    from . import period_analysis

    access.require(Permission.EDIT_SITUATION_REPORTS)
    period = period_analysis.period_of(kind, year, number)
    if PeriodAnalysis.objects.filter(
        municipality=access.municipality, kind=kind, year=year, number=number
    ).exists():
        raise ValidationError(
            {
                "number": _("There is already an analysis of %(period)s.")
                % {"period": period_analysis.heading(kind, year, number)}
            }
        )
    content = period_analysis.build(access.municipality, period)
    chosen = [text for _kind, text in content["suggestions"][: period_analysis.SUGGESTIONS_SHOWN]]
    with transaction.atomic():
        analysis = PeriodAnalysis.objects.create(
            municipality=access.municipality,
            kind=kind,
            year=year,
            number=number,
            period_start=period.first,
            period_end=period.last,
            key_messages="\n".join(chosen),
            content={"figures": content},
            created_by=access.user,
        )
        record(
            AuditAction.PERIOD_ANALYSIS_CREATED,
            actor=access.user,
            municipality=access.municipality,
            obj=analysis,
            changes={"period": [period.first.isoformat(), period.last.isoformat()]},
        )
    return analysis


def _analysis_texts(key_messages: str, assessment: str, proposals: str) -> dict[str, str]:
    """The coordinator's texts, checked as every free text is (bounds, personal data)."""
    from . import period_analysis as pa

    messages = [line.strip() for line in key_messages.splitlines() if line.strip()]
    errors: dict[str, list[str]] = {}
    if len(messages) > pa.MAX_MESSAGES:
        errors.setdefault("key_messages", []).append(
            _("At most %(n)d key messages, one per line.") % {"n": pa.MAX_MESSAGES}
        )
    for number, line in enumerate(messages, start=1):
        if problem := bounds.text_problem(line, pa.MESSAGE_MAX):
            errors.setdefault("key_messages", []).append(
                _("Key message %(n)d: %(problem)s") % {"n": number, "problem": problem}
            )
    for name, value in (("assessment", assessment), ("proposals", proposals)):
        if problem := bounds.text_problem(value, pa.TEXT_MAX):
            errors.setdefault(name, []).append(problem)
    if errors:
        raise ValidationError(errors)
    texts = {
        "key_messages": "\n".join(messages),
        "assessment": assessment.strip(),
        "proposals": proposals.strip(),
    }
    _guard(texts)
    return texts


def _analysis_editable(analysis: PeriodAnalysis) -> None:
    if analysis.status != AnalysisStatus.DRAFT:
        raise ValidationError(_("A final analysis cannot be changed."))


def update_analysis(
    access: Access, analysis: PeriodAnalysis, *, key_messages: str, assessment: str, proposals: str
) -> PeriodAnalysis:
    access.require(Permission.EDIT_SITUATION_REPORTS)
    _analysis_editable(analysis)
    texts = _analysis_texts(key_messages, assessment, proposals)
    with transaction.atomic():
        before = {name: getattr(analysis, name) for name in texts}
        for name, value in texts.items():
            setattr(analysis, name, value)
        analysis.save(update_fields=list(texts))
        record(
            AuditAction.PERIOD_ANALYSIS_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            obj=analysis,
            changes=diff(before, texts),
        )
    return analysis


def finalise_analysis(access: Access, analysis: PeriodAnalysis) -> PeriodAnalysis:
    """Finalise: the figures, maps and charts are computed once more and frozen."""
    from samtrygg.documents.situation_report import render_images

    from . import period_analysis as pa

    access.require(Permission.APPROVE_SITUATION_REPORTS)
    _analysis_editable(analysis)
    if len(analysis.messages()) < pa.MIN_MESSAGES:
        raise ValidationError(
            {
                "key_messages": _(
                    "Choose %(low)d to %(high)d key messages before the analysis is finalised."
                )
                % {"low": pa.MIN_MESSAGES, "high": pa.MAX_MESSAGES}
            }
        )
    period = pa.period_of(analysis.kind, analysis.year, analysis.number)
    figures = pa.build(analysis.municipality, period)
    images = render_images(analysis.municipality, figures)
    with transaction.atomic():
        analysis.status = AnalysisStatus.FINAL
        analysis.finalised_by = access.user
        analysis.finalised_at = timezone.now()
        analysis.content = {"figures": figures, "images": images}
        analysis.save()
        record(
            AuditAction.PERIOD_ANALYSIS_FINALISED,
            actor=access.user,
            municipality=access.municipality,
            obj=analysis,
            changes={"status": [AnalysisStatus.DRAFT, AnalysisStatus.FINAL]},
        )
    return analysis
