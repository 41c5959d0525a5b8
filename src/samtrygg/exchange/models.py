"""Data from other sources. Polisen's open events are public, national data: they are kept once
for the whole installation and shown to each municipality as context for its own area."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlacePrecision(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY = "county", _("County")


class PoliceEvent(models.Model):
    """One event from Polisen's API (not a "Sammanfattning" summary). Its GPS point is the centre
    of the municipality or county, never the event's place, so it is not stored as a point."""

    police_id = models.BigIntegerField(_("Polisen's id"), unique=True)
    published_at = models.DateTimeField(_("published"))
    occurred_at = models.DateTimeField(_("occurred"), db_index=True)
    event_type = models.CharField(_("type"), max_length=100, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    location_name = models.CharField(_("place"), max_length=100)
    municipality_code = models.CharField(
        _("municipality code"), max_length=4, blank=True, db_index=True
    )
    county_code = models.CharField(_("county code"), max_length=2, db_index=True)
    precision = models.CharField(_("precision"), max_length=16, choices=PlacePrecision.choices)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("police event")
        verbose_name_plural = _("police events")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return self.title


class PoliceTypeMapping(models.Model):
    """Which of the municipality's categories a Polisen event type counts as. A type without a
    mapping (or mapped to nothing) stays its own police category in statistics."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    event_type = models.CharField(_("Polisen's type"), max_length=100)
    category = models.ForeignKey(
        "incidents.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "event_type"], name="police_type_mapping_unique"
            )
        ]
        ordering = ["event_type"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.category or '—'}"


class PoliceFetch(models.Model):
    """Each call to Polisen's API: Polisen asks for at most one call per 10 seconds."""

    fetched_at = models.DateTimeField(auto_now_add=True, db_index=True)
    url = models.CharField(max_length=300)
    ok = models.BooleanField(default=False)
    created = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.fetched_at:%Y-%m-%d %H:%M:%S} {self.url}"


class JobKind(models.TextChoices):
    IMPORT = "import", pgettext_lazy("job kind", "Import")
    EXPORT = "export", pgettext_lazy("job kind", "Export")


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("job status", "Waiting to start")
    RUNNING = "running", pgettext_lazy("job status", "Running")
    DONE = "done", pgettext_lazy("job status", "Done")
    FAILED = "failed", pgettext_lazy("job status", "Failed")


class BackgroundJob(models.Model):
    """A large import or export, run by the task worker (exchange/jobs.py). Its file — the
    uploaded source, or the export produced — lives under DATA_DIR/jobs (never a media file),
    and is seen only by the job's own user. Progress is a small file beside it, not a column:
    SQLite holds its write lock for the whole import, so a progress row would not be seen until
    the import was over."""

    FINISHED = (JobStatus.DONE, JobStatus.FAILED)

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=JobKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    # Import: filename, organisation, dry_run, confirm_flagged, size, language.
    # Export: format, query (the filters as a URL query), language.
    params = models.JSONField(default=dict)
    file_name = models.CharField(max_length=100, blank=True)  # under DATA_DIR/jobs
    # Import: rows, created, skipped, flagged (and flagged_total), or errors and total.
    # Export: rows. Failed: errors.
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class ReportedCrime(models.Model):
    """Reported crimes (anmälda brott) from Brå's statistics: one region, crime group and year.
    National reference data like Polisen's events: one table for the whole installation, read by
    every municipality, written only by exchange/reference_stats.py. ``count`` is None where the
    source says "uppgift saknas" ("..")."""

    region_code = models.CharField(_("region code"), max_length=4)  # "00", county "13", "1380"
    region_name = models.CharField(_("region"), max_length=100)
    crime_group = models.CharField(_("crime group"), max_length=64)  # slug of the label
    crime_group_label = models.CharField(_("crime group"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    count = models.PositiveIntegerField(_("reported crimes"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("reported crimes")
        verbose_name_plural = _("reported crimes")
        ordering = ["region_code", "crime_group", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "crime_group", "year"], name="reported_crime_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1950, year__lte=2100),
                name="reported_crime_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.crime_group_label} {self.year}: {self.count}"


class Population(models.Model):
    """Population (folkmängd 31 december) from SCB per region and year; national reference data,
    written only by exchange/reference_stats.py."""

    region_code = models.CharField(_("region code"), max_length=4)
    region_name = models.CharField(_("region"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("population")
        ordering = ["region_code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="population_unique"),
            models.CheckConstraint(
                condition=models.Q(year__gte=1950, year__lte=2100),
                name="population_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: {self.population}"


class SurveyIndicator(models.Model):
    """One figure from a safety or victimisation survey (trygghetsmätning, NTU, the kommun's own
    or a school survey): the share (percent) of those answering a question in one year, for the
    whole kommun or one of its areas, and optionally one group ("kvinnor", "16–24 år"). Unlike
    Brå's and SCB's tables it belongs to one municipality; written only by exchange/surveys.py.
    ``area_name`` keeps the area's name, so the figure keeps its meaning (and its key) if the
    area is later deleted (``area`` then becomes None); "" is the whole kommun. The interval is
    the survey's own when the file gives one, otherwise the 95 % Wilson interval
    (``interval_computed``)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    survey = models.CharField(_("survey"), max_length=200)
    question = models.CharField(_("question"), max_length=500)
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    area_name = models.CharField(_("area"), max_length=150, blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    share = models.FloatField(_("share (%)"))
    respondents = models.PositiveIntegerField(_("number answering"))
    ci_low = models.FloatField(_("interval, low (%)"))
    ci_high = models.FloatField(_("interval, high (%)"))
    interval_computed = models.BooleanField(_("interval computed (Wilson, 95 %)"), default=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("survey indicator")
        verbose_name_plural = _("survey indicators")
        ordering = ["survey", "question", "area_name", "group", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "survey", "question", "year", "area_name", "group"],
                name="survey_indicator_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1950, year__lte=2100),
                name="survey_indicator_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(share__gte=0, share__lte=100, respondents__gte=1),
                name="survey_indicator_share_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    ci_low__gte=0,
                    ci_low__lte=models.F("share"),
                    ci_high__gte=models.F("share"),
                    ci_high__lte=100,
                ),
                name="survey_indicator_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.year}: {self.question} {self.share} %"


class FireStatistic(models.Model):
    """Fires from MSB's statistics of the rescue services' incident reports (IDA): one region,
    category ("anlagd brand i byggnad", "brand i fordon", …) and year. National reference data
    like Brå's; written only by exchange/surveys.py. ``count`` is None where the source has
    no figure ("..")."""

    region_code = models.CharField(_("region code"), max_length=4)
    region_name = models.CharField(_("region"), max_length=100)
    category = models.CharField(_("category"), max_length=64)  # slug of the label
    category_label = models.CharField(_("category"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    count = models.PositiveIntegerField(_("fires"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("fire statistic")
        verbose_name_plural = _("fire statistics")
        ordering = ["region_code", "category", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "category", "year"], name="fire_statistic_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1950, year__lte=2100),
                name="fire_statistic_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.category_label} {self.year}: {self.count}"


class MunicipalityGroup(models.Model):
    """SKR's kommungruppsindelning (2023: nine groups of municipalities with similar conditions,
    A1 Storstäder … C9 Landsbygdskommun med besöksnäring): national reference data, written only
    by exchange/municipality_groups.py, read to compare a kommun's reported crime with similar
    kommuner."""

    kommun_code = models.CharField(_("municipality code"), max_length=4, unique=True)
    group = models.CharField(_("municipality group"), max_length=2)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("municipality group (SKR)")
        verbose_name_plural = _("municipality groups (SKR)")
        ordering = ["kommun_code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    group__in=["A1", "A2", "B3", "B4", "B5", "C6", "C7", "C8", "C9"]
                ),
                name="municipality_group_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kommun_code} {self.group}"
