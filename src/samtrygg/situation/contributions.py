"""The parties' own lägesbilder (Brå's step 3): each party (the police's lokala lägesbild, the
rescue service, the housing company, the school, the social services) gives its own, and they are
merged into part 2 of the kommun's joint lägesbild.

One validator (``check``) for every door: the form on the page and the file import (XLSX or
JSON, docs/imports.md) both build a ``ContributionInput`` of raw values and ask it; it answers
with ``Problem``s that each door words for its reader (a form field, or sheet, row and column).
Nothing is written unless every value passed.

Who may give one: the coordinator (``EDIT_SITUATION_REPORTS``) on behalf of any party of the
municipality, and a member of a party with the case-handler role or above
(``CONTRIBUTOR_ROLE``) for that organisation only: the handler is the highest role a
non-authority (a housing company, a school) may hold (``roles.role_ceiling``), the one who owns
that organisation's problems; reporters (caretakers, guards) report incidents, not the
organisation's picture. Only while the lägesbild is a draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.core import bounds, formatting
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission, Role

from .models import (
    CONTRIBUTION_HEADING_MAX,
    CONTRIBUTION_LABEL_MAX,
    CONTRIBUTION_MAX_FIGURES,
    CONTRIBUTION_MAX_MESSAGES,
    CONTRIBUTION_MAX_SECTIONS,
    CONTRIBUTION_MESSAGE_MAX,
    CONTRIBUTION_TEXT_MAX,
    CONTRIBUTION_TITLE_MAX,
    CONTRIBUTION_UNIT_MAX,
    FIGURE_DECIMALS,
    FIGURE_LIMIT,
    Contribution,
    ContributionFigure,
    ContributionSection,
    ReportStatus,
    SituationReport,
)

CONTRIBUTOR_ROLE = Role.HANDLER
MAX_ERRORS = 50

FIGURE_FIELDS = ("label", "value", "unit", "comparison", "comparison_label")
SECTION_FIELDS = ("heading", "text")


@dataclass
class FigureInput:
    label: Any = ""
    value: Any = ""
    unit: Any = ""
    comparison: Any = ""
    comparison_label: Any = ""


@dataclass
class ContributionInput:
    """Raw values, as text or as a spreadsheet or JSON gives them."""

    title: Any = ""
    period_start: Any = ""
    period_end: Any = ""
    key_messages: list[Any] = field(default_factory=list)
    sections: list[tuple[Any, Any]] = field(default_factory=list)
    figures: list[FigureInput] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One bad value: ``part`` is "about", "messages", "sections" or "figures"; ``index`` the
    item within the part (-1: the part as a whole); ``field`` the value's name."""

    part: str
    index: int
    field: str
    message: str


@dataclass
class Checked:
    title: str
    period_start: date
    period_end: date
    key_messages: list[str]
    sections: list[tuple[str, str]]
    figures: list[dict[str, Any]]


# ---- the one validator ---------------------------------------------------------------------


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _free_text_problem(value: str, limit: int, confirm_flagged: bool = False) -> str | None:
    """Length and characters (core/bounds.py), then the personal-data guard: an identity number
    is refused; other likely personal details (a name after "heter", a phone number, an e-mail
    address, a registration number) unless the writer confirmed they are not about a person."""
    problem = bounds.text_problem(value, limit)
    if problem:
        return problem
    errors = check_free_text({"text": value}, confirm_flagged=confirm_flagged)
    if errors:
        return str(errors["text"][0].message)
    return None


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def parse_number(value: Any) -> Decimal:
    """A number as a spreadsheet, JSON or a Swedish writer gives it: 1234, 1234.5, "1 234",
    "1 234,5", "−8". ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("\u2212", "-")
    for space in (" ", "\u00a0", "\u202f"):
        text = text.replace(space, "")
    if not _NUMBER.fullmatch(text):
        raise ValueError(value)
    return Decimal(text.replace(",", "."))


def _number_problem(value: Decimal) -> str | None:
    if not value.is_finite() or abs(value) > FIGURE_LIMIT:
        return _("The number is too large: at most %(limit)s either way.") % {
            "limit": formatting.number(int(FIGURE_LIMIT))
        }
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -FIGURE_DECIMALS:
        return _("Give the number with at most two decimals.")
    return None


def parse_day(value: Any) -> date:
    """A date as a spreadsheet gives it, or written 2025-01-31. ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def check(
    data: ContributionInput, confirm_flagged: bool = False
) -> tuple[Checked | None, list[Problem]]:
    """Every value of one contribution against its bounds; the checked values, or the
    problems (all of them, not only the first)."""
    problems: list[Problem] = []

    def guard(value: str, limit: int) -> str | None:
        return _free_text_problem(value, limit, confirm_flagged)

    def add(part: str, index: int, name: str, message: str | None) -> None:
        if message:
            problems.append(Problem(part, index, name, message))

    title = cell_text(data.title)
    if not title:
        add("about", -1, "title", _("Give the lägesbild a title."))
    else:
        add("about", -1, "title", guard(title, CONTRIBUTION_TITLE_MAX))
    days: dict[str, date] = {}
    for name in ("period_start", "period_end"):
        raw = getattr(data, name)
        if raw is None or cell_text(raw) == "":
            add("about", -1, name, _("A date is needed (written 2025-01-31)."))
            continue
        try:
            days[name] = parse_day(raw)
        except ValueError:
            add(
                "about",
                -1,
                name,
                _("“%(value)s” is not a date (written 2025-01-31).")
                % {"value": cell_text(raw)[:40]},
            )
    if len(days) == 2 and days["period_end"] < days["period_start"]:
        add("about", -1, "period_end", _("The period ends before it begins."))

    messages = [cell_text(m) for m in data.key_messages]
    for index, message in enumerate(messages):
        if message:
            add("messages", index, "text", guard(message, CONTRIBUTION_MESSAGE_MAX))
    given = [(i, m) for i, m in enumerate(messages) if m]
    if not given:
        add("messages", -1, "text", _("Give at least one key message."))
    elif len(given) > CONTRIBUTION_MAX_MESSAGES:
        add(
            "messages",
            given[CONTRIBUTION_MAX_MESSAGES][0],
            "text",
            _("At most %(n)d key messages.") % {"n": CONTRIBUTION_MAX_MESSAGES},
        )

    sections: list[tuple[str, str]] = []
    for index, (raw_heading, raw_text) in enumerate(data.sections):
        heading, text = cell_text(raw_heading), cell_text(raw_text)
        if not heading and not text:
            continue
        if len(sections) == CONTRIBUTION_MAX_SECTIONS:
            add(
                "sections",
                index,
                "heading",
                _("At most %(n)d sections.") % {"n": CONTRIBUTION_MAX_SECTIONS},
            )
            break
        if not heading:
            add("sections", index, "heading", _("The section needs a heading."))
        if not text:
            add("sections", index, "text", _("The section needs a text."))
        add(
            "sections",
            index,
            "heading",
            heading and guard(heading, CONTRIBUTION_HEADING_MAX),
        )
        add("sections", index, "text", text and guard(text, CONTRIBUTION_TEXT_MAX))
        sections.append((heading, text))

    figures: list[dict[str, Any]] = []
    for index, figure in enumerate(data.figures):
        texts = {name: cell_text(getattr(figure, name)) for name in FIGURE_FIELDS}
        if not any(texts.values()):
            continue
        if len(figures) == CONTRIBUTION_MAX_FIGURES:
            add(
                "figures",
                index,
                "label",
                _("At most %(n)d figures.") % {"n": CONTRIBUTION_MAX_FIGURES},
            )
            break
        row: dict[str, Any] = {}
        if not texts["label"]:
            add("figures", index, "label", _("The figure needs a label."))
        for name, limit in (
            ("label", CONTRIBUTION_LABEL_MAX),
            ("unit", CONTRIBUTION_UNIT_MAX),
            ("comparison_label", CONTRIBUTION_LABEL_MAX),
        ):
            add("figures", index, name, texts[name] and guard(texts[name], limit))
            row[name] = texts[name]
        for name in ("value", "comparison"):
            raw = getattr(figure, name)
            if texts[name] == "":
                row[name] = None
                if name == "value":
                    add("figures", index, name, _("A number is needed."))
                continue
            try:
                number = parse_number(raw)
            except (ValueError, InvalidOperation):
                add(
                    "figures",
                    index,
                    name,
                    _("“%(value)s” is not a number.") % {"value": texts[name][:40]},
                )
                continue
            add("figures", index, name, _number_problem(number))
            row[name] = number
        if texts["comparison_label"] and texts["comparison"] == "":
            add(
                "figures",
                index,
                "comparison",
                _("Give the comparison value that the comparison names."),
            )
        figures.append(row)

    if problems:
        return None, problems
    return (
        Checked(
            title=title,
            period_start=days["period_start"],
            period_end=days["period_end"],
            key_messages=[m for _i, m in given],
            sections=sections,
            figures=figures,
        ),
        [],
    )


# ---- who may give one ----------------------------------------------------------------------


def own_parties(access: Access) -> frozenset[int]:
    """The organisations the user speaks for as a party (handler or above in it)."""
    return frozenset(m.organisation_id for m in access.memberships if m.role >= CONTRIBUTOR_ROLE)


def parties(access: Access) -> QuerySet[Organisation]:
    """The organisations on whose behalf the user may give a lägesbild."""
    rows = Organisation.objects.filter(municipality=access.municipality, is_active=True)
    if access.can(Permission.EDIT_SITUATION_REPORTS):
        return rows
    return rows.filter(pk__in=own_parties(access))


def may_contribute(access: Access) -> bool:
    return access.can(Permission.EDIT_SITUATION_REPORTS) or bool(own_parties(access))


def open_reports(access: Access) -> QuerySet[SituationReport]:
    """The drafts a party may give its lägesbild to (title and period only are shown)."""
    if not may_contribute(access):
        return SituationReport.objects.none()
    return SituationReport.objects.filter(
        municipality=access.municipality, status=ReportStatus.DRAFT
    ).order_by("-period_end", "-version")


def _require(access: Access, report: SituationReport, organisation: Organisation) -> None:
    if report.municipality_id != access.municipality.pk:
        raise PermissionDenied
    if not parties(access).filter(pk=organisation.pk).exists():
        raise PermissionDenied
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("An approved lägesbild cannot be changed: start a new version."))


# ---- writing -------------------------------------------------------------------------------


def _summary(contribution: Contribution | None) -> dict[str, Any]:
    if contribution is None:
        return {}
    return {
        "organisation": contribution.organisation.name,
        "title": contribution.title,
        "period": [contribution.period_start.isoformat(), contribution.period_end.isoformat()],
        "key_messages": list(contribution.key_messages),
        "sections": [s.heading for s in contribution.sections.all()],
        "figures": [f"{f.label}: {f.value}" for f in contribution.figures.all()],
    }


def _write(contribution: Contribution, checked: Checked) -> None:
    contribution.title = checked.title
    contribution.period_start = checked.period_start
    contribution.period_end = checked.period_end
    contribution.key_messages = checked.key_messages
    contribution.save()
    contribution.sections.all().delete()
    contribution.figures.all().delete()
    ContributionSection.objects.bulk_create(
        ContributionSection(contribution=contribution, position=i, heading=h, text=t)
        for i, (h, t) in enumerate(checked.sections)
    )
    ContributionFigure.objects.bulk_create(
        ContributionFigure(contribution=contribution, position=i, **values)
        for i, values in enumerate(checked.figures)
    )


def form_errors(problems: Iterable[Problem]) -> dict[str, list[str]]:
    """Problems by the form's field names (contributions_views.ContributionForm)."""
    errors: dict[str, list[str]] = {}
    for p in problems:
        if p.part == "about":
            name = p.field
        elif p.part == "messages":
            name = "key_messages"
            if p.index >= 0:
                message = _("Line %(n)d: %(message)s") % {"n": p.index + 1, "message": p.message}
                errors.setdefault(name, []).append(message)
                continue
        elif p.part == "sections":
            name = f"section_{p.index + 1}_{p.field}"
        else:
            name = f"figure_{p.index + 1}_{p.field}"
        errors.setdefault(name, []).append(p.message)
    return errors


def _refuse(problems: list[Problem]) -> ValidationError:
    return ValidationError(
        {name: [ValidationError(m) for m in msgs] for name, msgs in form_errors(problems).items()}
    )


def add_contribution(
    access: Access,
    report: SituationReport,
    organisation: Organisation,
    data: ContributionInput,
    confirm_flagged: bool = False,
) -> Contribution:
    _require(access, report, organisation)
    checked, problems = check(data, confirm_flagged)
    if checked is None:
        raise _refuse(problems)
    if Contribution.objects.filter(report=report, organisation=organisation).exists():
        raise ValidationError(
            _("%(party)s has already given its lägesbild to this one: change that instead.")
            % {"party": organisation.name}
        )
    with transaction.atomic():
        contribution = Contribution(
            report=report,
            organisation=organisation,
            submitted_by=access.user,
            submitted_at=timezone.now(),
        )
        _write(contribution, checked)
        record(
            AuditAction.CONTRIBUTION_ADDED,
            actor=access.user,
            municipality=access.municipality,
            obj=contribution,
            changes=diff({}, _summary(contribution)),
        )
    return contribution


def update_contribution(
    access: Access,
    contribution: Contribution,
    data: ContributionInput,
    confirm_flagged: bool = False,
) -> Contribution:
    _require(access, contribution.report, contribution.organisation)
    checked, problems = check(data, confirm_flagged)
    if checked is None:
        raise _refuse(problems)
    with transaction.atomic():
        before = _summary(contribution)
        contribution.submitted_by = access.user
        contribution.submitted_at = timezone.now()
        _write(contribution, checked)
        record(
            AuditAction.CONTRIBUTION_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            obj=contribution,
            changes=diff(before, _summary(contribution)),
        )
    return contribution


def remove_contribution(access: Access, contribution: Contribution) -> None:
    _require(access, contribution.report, contribution.organisation)
    with transaction.atomic():
        before = _summary(contribution)
        record(
            AuditAction.CONTRIBUTION_REMOVED,
            actor=access.user,
            municipality=access.municipality,
            obj=contribution,
            changes=diff(before, {}),
        )
        contribution.delete()


def import_contribution(
    access: Access,
    report: SituationReport,
    organisation: Organisation,
    raw: bytes,
    filename: str = "",
    confirm_flagged: bool = False,
) -> Contribution:
    """A party's lägesbild from a file (XLSX or JSON, docs/imports.md). A second import for the
    same party replaces the first. A broken file names sheet, row and column and writes
    nothing."""
    from .contribution_files import read_file

    _require(access, report, organisation)
    data, where = read_file(raw, filename)
    checked, problems = check(data, confirm_flagged)
    if checked is None:
        raise ValidationError([where.word(p) for p in problems][:MAX_ERRORS])
    with transaction.atomic():
        contribution = Contribution.objects.filter(report=report, organisation=organisation).first()
        before = _summary(contribution)
        if contribution is None:
            contribution = Contribution(report=report, organisation=organisation)
        contribution.submitted_by = access.user
        contribution.submitted_at = timezone.now()
        _write(contribution, checked)
        after = _summary(contribution)
        record(
            AuditAction.CONTRIBUTION_IMPORTED,
            actor=access.user,
            municipality=access.municipality,
            obj=contribution,
            changes={**diff(before, after), "file": [None, filename[:100] or "?"]},
        )
    return contribution


def copy_contributions(source: SituationReport, target: SituationReport) -> int:
    """A new version of a lägesbild keeps the parties' lägesbilder (situation.services)."""
    count = 0
    for old in source.contributions.all():
        new = Contribution.objects.create(
            report=target,
            organisation=old.organisation,
            title=old.title,
            period_start=old.period_start,
            period_end=old.period_end,
            key_messages=list(old.key_messages),
            submitted_by=old.submitted_by,
            submitted_at=old.submitted_at,
        )
        ContributionSection.objects.bulk_create(
            ContributionSection(
                contribution=new, position=s.position, heading=s.heading, text=s.text
            )
            for s in old.sections.all()
        )
        ContributionFigure.objects.bulk_create(
            ContributionFigure(
                contribution=new,
                position=f.position,
                label=f.label,
                value=f.value,
                unit=f.unit,
                comparison=f.comparison,
                comparison_label=f.comparison_label,
            )
            for f in old.figures.all()
        )
        count += 1
    return count


# ---- the merge into part 2 -----------------------------------------------------------------


def figure_text(value: Decimal | float | str | None) -> str:
    """A party's figure the Swedish way (the one formatter): "1 234", "12,5"."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    decimals = 0 if number == number.to_integral_value() else FIGURE_DECIMALS
    if decimals and (number * 10) == (number * 10).to_integral_value():
        decimals = 1
    return formatting.number(float(number), decimals)


# Units that make a figure a count of events: a count of 1–2 is hidden ("dolt") in the page and
# the documents, as every small count that may be handed out is (situation/disclosure.py).
COUNT_UNITS = frozenset({"st", "st.", "stycken", "antal", "händelser", "anmälningar"})


def shown_figure(value: Decimal | None, unit: str) -> str:
    """A party's figure as it may be shown: a small count hidden, else the one formatter."""
    from .disclosure import hide

    if (
        value is not None
        and unit.strip().lower() in COUNT_UNITS
        and value == value.to_integral_value()
        and hide(int(value)) is None
    ):
        return "dolt"
    return figure_text(value)


def for_document(report: SituationReport) -> list[dict[str, Any]]:
    """The parties' lägesbilder of a report as plain values (frozen into the report's content
    on approval)."""
    return for_document_of(
        report.contributions.select_related("organisation").prefetch_related("sections", "figures")
    )


def for_document_of(contributions: Iterable[Contribution]) -> list[dict[str, Any]]:
    """Plain values, in Swedish whatever the writer's language (they go into the document),
    each figure written by the one formatter."""
    from django.utils import translation

    out = []
    with translation.override("sv"):
        for c in contributions:
            figures = [
                {
                    "label": f.label,
                    "value": shown_figure(f.value, f.unit),
                    "unit": f.unit,
                    "comparison": shown_figure(f.comparison, f.unit),
                    "comparison_label": f.comparison_label,
                }
                for f in c.figures.all()
            ]
            party = {
                "organisation": c.organisation.name,
                "title": c.title,
                "source": f"Källa: {c.organisation.name}, {c.title}",
                "period": formatting.period(c.period_start, c.period_end),
                "submitted": c.submitted_at.date().isoformat(),
                "key_messages": list(c.key_messages),
                "sections": [{"heading": s.heading, "text": s.text} for s in c.sections.all()],
                "figures": figures,
            }
            party["rows"] = figure_rows(party)
            out.append(party)
    return out


FIGURE_TABLE_HEADER = [
    pgettext_lazy("a party's figures", "Figure"),
    pgettext_lazy("a party's figures", "Value"),
    pgettext_lazy("a party's figures", "Unit"),
    pgettext_lazy("a party's figures", "Comparison"),
]


def figure_rows(contribution: dict[str, Any]) -> list[list[str]]:
    """The figures table of one party, as text cells (the same in PDF and Word)."""
    rows = []
    for f in contribution["figures"]:
        comparison = f["comparison"]
        if comparison and f["comparison_label"]:
            comparison = f"{comparison} ({f['comparison_label']})"
        rows.append([f["label"], f["value"], f["unit"], comparison or "–"])
    return rows
