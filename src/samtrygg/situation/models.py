"""The statutory lägesbild (Lag 2023:196 4 §) as a document object, and the other sources it
draws on (survey and Brå tables imported as CSV)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from samtrygg.core.db import FreeOfControlCharacters


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class SituationReport(models.Model):
    """One version of the municipality's lägesbild. Approving freezes it; further work makes a
    new draft version that keeps the texts and decisions."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="situation_reports"
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    other_information = models.TextField(_("other information (free text)"), blank=True)
    analysis_text = models.TextField(_("the analyst's analysis"), blank=True)
    sources_left_out = models.TextField(
        _("sources left out, and why"),
        blank=True,
        help_text=_("One per line, e.g. “Räddningstjänstens statistik: not yet delivered”."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_body = models.CharField(_("approved by (body)"), max_length=150, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    diarienummer = models.CharField(_("reference number (diarienummer)"), max_length=50, blank=True)
    next_update_due = models.DateField(_("next update due"), null=True, blank=True)
    content = models.JSONField(default=dict, blank=True)  # the generated part, frozen on approval

    class Meta:
        ordering = ["-period_end", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="situation_report_period_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class FindingDecision(models.TextChoices):
    PROPOSED = "proposed", _("Not yet decided")
    ACCEPTED = "accepted", _("Accepted")
    EDITED = "edited", _("Accepted with edits")
    DROPPED = "dropped", _("Dropped")


class ReportFinding(models.Model):
    """A finding the system generated (hot spot, trend, alert, near repeat, concentration) that
    the analyst accepts, edits or drops for the analysis part."""

    report = models.ForeignKey(SituationReport, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=32)
    generated_text = models.TextField()
    text = models.TextField(_("text"), blank=True)
    decision = models.CharField(
        _("decision"),
        max_length=16,
        choices=FindingDecision.choices,
        default=FindingDecision.PROPOSED,
    )
    order = models.PositiveSmallIntegerField(default=0)
    # One of the summary's 3–5 key messages ("Det viktigaste"), as the coordinator chose.
    key_message = models.BooleanField(_("key message"), default=False)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.generated_text[:60]

    @property
    def final_text(self) -> str:
        return (
            self.text
            if self.decision == FindingDecision.EDITED and self.text
            else self.generated_text
        )


class TableKind(models.TextChoices):
    SURVEY = "survey", _("Safety survey (NTU or local)")
    BRA = "bra", _("Brå's reported crime statistics")


class ImportedTable(models.Model):
    """A table from another source, imported as CSV for section 2 of the lägesbild."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TableKind.choices)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=300)
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


class WeeklyPictureSettings(models.Model):
    """Where and when the weekly EST lägesbild is e-mailed."""

    municipality = models.OneToOneField(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="weekly_picture_settings"
    )
    recipients = models.TextField(
        _("distribution list"), blank=True, help_text=_("One e-mail address per line.")
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        default=0,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
        ],
    )
    hour = models.PositiveSmallIntegerField(_("from hour"), default=9)
    last_sent = models.CharField(max_length=10, blank=True)  # "2026-W47"

    def __str__(self) -> str:
        return f"{self.municipality}"

    def addresses(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class AnalysisKind(models.TextChoices):
    TERTIAL = "tertial", _("Tertial")
    QUARTER = "quarter", _("Quarter")


class AnalysisStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class PeriodAnalysis(models.Model):
    """The tertial (or quarterly) analysis for the strategic group (EST step 4): the period's
    weekly pictures summed up, with the coordinator's key messages, assessment and proposals.
    Finalising freezes the figures and images in ``content``. One per municipality, kind,
    year and number (situation/period_analysis.py says why)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="period_analyses"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=AnalysisKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("number"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(
        _("status"), max_length=8, choices=AnalysisStatus.choices, default=AnalysisStatus.DRAFT
    )
    key_messages = models.TextField(_("the key messages"), blank=True)
    assessment = models.TextField(_("assessment"), blank=True)
    proposals = models.TextField(_("proposals to the strategic group"), blank=True)
    content = models.JSONField(default=dict, blank=True)  # figures and images, frozen when final
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "year", "number"],
                name="period_analysis_once_per_period",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="tertial", number__gte=1, number__lte=3)
                    | models.Q(kind="quarter", number__gte=1, number__lte=4)
                ),
                name="period_analysis_number",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="period_analysis_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} {self.year}"

    def messages(self) -> list[str]:
        return [line.strip() for line in self.key_messages.splitlines() if line.strip()]


# ---- the parties' own lägesbilder (Brå's step 3: merged into the kommun's joint one) ---------

# Bounds of a contribution, the same for the form, the file import and the database.
CONTRIBUTION_TITLE_MAX = 200
CONTRIBUTION_HEADING_MAX = 200
CONTRIBUTION_TEXT_MAX = 4000
CONTRIBUTION_MESSAGE_MAX = 300
CONTRIBUTION_LABEL_MAX = 200
CONTRIBUTION_UNIT_MAX = 30
CONTRIBUTION_MAX_MESSAGES = 5
CONTRIBUTION_MAX_SECTIONS = 8
CONTRIBUTION_MAX_FIGURES = 12
FIGURE_LIMIT = Decimal(10) ** 12  # |value| ≤ one million million
FIGURE_DECIMALS = 2


def _text_checks(prefix: str, field: str, limit: int) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field), limit), name=f"{prefix}_{field}_length"
        ),
        models.CheckConstraint(
            condition=FreeOfControlCharacters(field), name=f"{prefix}_{field}_characters"
        ),
    ]


class Contribution(models.Model):
    """One party's own lägesbild (the police's lokala lägesbild, the rescue service's, the
    housing company's, …), given to a draft of the kommun's lägesbild and printed in part 2."""

    report = models.ForeignKey(
        SituationReport, on_delete=models.CASCADE, related_name="contributions"
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=CONTRIBUTION_TITLE_MAX)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    key_messages = models.JSONField(_("key messages"), default=list)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "organisation"], name="contribution_one_per_party"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="contribution_period_order",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="contribution_title_given"),
            *_text_checks("contribution", "title", CONTRIBUTION_TITLE_MAX),
        ]

    def __str__(self) -> str:
        return self.title


class ContributionSection(models.Model):
    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField()
    heading = models.CharField(max_length=CONTRIBUTION_HEADING_MAX)
    text = models.TextField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "position"], name="contribution_section_position"
            ),
            *_text_checks("contribution_section", "heading", CONTRIBUTION_HEADING_MAX),
            *_text_checks("contribution_section", "text", CONTRIBUTION_TEXT_MAX),
        ]

    def __str__(self) -> str:
        return self.heading


class ContributionFigure(models.Model):
    """A key figure: "Anmälda bostadsinbrott | 42 | st | 55 | samma period 2024"."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="figures")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=CONTRIBUTION_LABEL_MAX)
    value = models.DecimalField(max_digits=15, decimal_places=FIGURE_DECIMALS)
    unit = models.CharField(max_length=CONTRIBUTION_UNIT_MAX, blank=True)
    comparison = models.DecimalField(
        max_digits=15, decimal_places=FIGURE_DECIMALS, null=True, blank=True
    )
    comparison_label = models.CharField(max_length=CONTRIBUTION_LABEL_MAX, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "position"], name="contribution_figure_position"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=-FIGURE_LIMIT, value__lte=FIGURE_LIMIT),
                name="contribution_figure_value_bounds",
            ),
            models.CheckConstraint(
                condition=Q(comparison__isnull=True)
                | Q(comparison__gte=-FIGURE_LIMIT, comparison__lte=FIGURE_LIMIT),
                name="contribution_figure_comparison_bounds",
            ),
            models.CheckConstraint(
                condition=Q(comparison__isnull=False) | Q(comparison_label=""),
                name="contribution_figure_comparison_label_needs_value",
            ),
            *_text_checks("contribution_figure", "label", CONTRIBUTION_LABEL_MAX),
            *_text_checks("contribution_figure", "unit", CONTRIBUTION_UNIT_MAX),
            *_text_checks("contribution_figure", "comparison_label", CONTRIBUTION_LABEL_MAX),
        ]

    def __str__(self) -> str:
        return self.label
