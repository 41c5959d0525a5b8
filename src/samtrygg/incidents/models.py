"""Categories and incidents: what happened, where and when — never who."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samtrygg.core import bounds
from samtrygg.core.db import FreeOfControlCharacters


def _within(field: str, low: object, high: object) -> Q:
    """NULL, or between ``low`` and ``high`` (CHECK constraints: the database's last line)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lte": high})


def text_constraints(prefix: str, field: str, limit: int) -> list[models.BaseConstraint]:
    """A text column holds at most ``limit`` characters and no control characters."""
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field), limit), name=f"{prefix}_{field}_length"
        ),
        models.CheckConstraint(
            condition=FreeOfControlCharacters(field), name=f"{prefix}_{field}_characters"
        ),
    ]


class Visibility(models.TextChoices):
    SHARED = "shared", _("Shared with all actors")
    RESTRICTED = "restricted", _("Reporting organisation and coordinators only")


class Category(models.Model):
    """One line of the municipality's EST checklist; administrators edit the list."""

    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        related_name="categories",
        verbose_name=_("municipality"),
    )
    code = models.SlugField(_("code"), max_length=40)
    label_sv = models.CharField(_("name in Swedish"), max_length=100)
    label_en = models.CharField(_("name in English"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.SHARED
    )
    default_handler = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by default by"),
    )
    asks_cost = models.BooleanField(_("asks for the estimated cost"), default=True)
    asks_police_report = models.BooleanField(_("asks whether reported to the police"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "label_sv"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="category_unique_code")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "sv").startswith("en") else self.label_sv


class Precision(models.TextChoices):
    EXACT = "exact", _("Exact place")
    APPROXIMATE = "approximate", _("Approximate place")
    AREA = "area", _("Area only")
    MUNICIPALITY = "municipality", _("Municipality only")
    COUNTY = "county", _("County only")


class PlaceType(models.TextChoices):
    INDOOR = "indoor", _("Indoors")
    SEMI_PUBLIC = "semi_public", _("Semi-public (stairwell, shop)")
    PUBLIC = "public", _("Public place")


class Source(models.TextChoices):
    FORM = "form", _("Form")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    POLISEN = "polisen", _("Polisen")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


class Incident(models.Model):
    # Single-column foreign-key indexes are off where a composite index starting with the same
    # column covers them (municipality) or where most rows are NULL and a partial index is
    # enough (see Meta.indexes): every index costs time on each insert of a million-row import.
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        related_name="incidents",
        db_index=False,
    )
    reference = models.CharField(_("reference"), max_length=16)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("category")
    )
    occurred_at = models.DateTimeField(_("occurred"), null=True, blank=True)
    occurred_from = models.DateTimeField(_("occurred at the earliest"), null=True, blank=True)
    occurred_to = models.DateTimeField(_("occurred at the latest"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS 84)"), null=True, blank=True)
    lon = models.FloatField(_("longitude (WGS 84)"), null=True, blank=True)
    x = models.FloatField(_("easting (SWEREF 99 TM)"), null=True, blank=True)
    y = models.FloatField(_("northing (SWEREF 99 TM)"), null=True, blank=True)
    precision = models.CharField(
        _("location precision"), max_length=16, choices=Precision.choices, default=Precision.EXACT
    )
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("area"),
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), default=1)
    place_type = models.CharField(
        _("kind of place"), max_length=16, choices=PlaceType.choices, default=PlaceType.PUBLIC
    )
    reported_to_police = models.BooleanField(_("reported to the police"), null=True, blank=True)
    estimated_cost = models.DecimalField(
        _("estimated cost (SEK)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reporting_organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="reported_incidents",
        verbose_name=_("reported by organisation"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.FORM
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    handling_organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="handled_incidents",
        verbose_name=_("handled by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    weekly_report = models.ForeignKey(
        "WeeklyReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        db_index=False,
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking for concurrent edits
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    details_removed_at = models.DateTimeField(null=True, blank=True)  # gallring done

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reference"], name="incident_unique_reference"
            ),
            models.UniqueConstraint(
                fields=["municipality", "source", "external_id"],
                condition=~Q(external_id=""),
                name="incident_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="incident_severity_1_3"
            ),
            models.CheckConstraint(
                condition=Q(occurred_at__isnull=False) | Q(occurred_from__isnull=False),
                name="incident_has_a_time",
            ),
            # "Assigned" means assigned to an organisation (cases.transition says so in words).
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(handling_organisation__isnull=False),
                name="incident_assigned_has_organisation",
            ),
            *(
                models.CheckConstraint(
                    condition=_within(field, bounds.DB_EARLIEST, bounds.DB_LATEST),
                    name=f"incident_{field}_bounds",
                )
                for field in ("occurred_at", "occurred_from", "occurred_to")
            ),
            models.CheckConstraint(
                condition=_within("estimated_cost", 0, bounds.MAX_COST),
                name="incident_estimated_cost_bounds",
            ),
            models.CheckConstraint(condition=_within("lat", -90, 90), name="incident_lat_bounds"),
            models.CheckConstraint(condition=_within("lon", -180, 180), name="incident_lon_bounds"),
            *text_constraints("incident", "description", bounds.DESCRIPTION_MAX),
            *text_constraints("incident", "place_name", bounds.PLACE_NAME_MAX),
            *text_constraints("incident", "external_id", bounds.EXTERNAL_ID_MAX),
        ]
        indexes = [
            models.Index(
                fields=["reported_by"],
                name="incident_reported_by",
                condition=Q(reported_by__isnull=False),
            ),
            models.Index(
                fields=["assignee"], name="incident_assignee", condition=Q(assignee__isnull=False)
            ),
            models.Index(
                fields=["weekly_report"],
                name="incident_weekly_report",
                condition=Q(weekly_report__isnull=False),
            ),
            models.Index(
                fields=["duplicate_of"],
                name="incident_duplicate_of",
                condition=Q(duplicate_of__isnull=False),
            ),
            models.Index(
                fields=["handling_organisation", "status"],
                name="incident_handling",
                condition=Q(handling_organisation__isnull=False),
            ),
            models.Index(fields=["municipality", "occurred_at"], name="incident_when"),
            models.Index(fields=["municipality", "status"], name="incident_status"),
            models.Index(fields=["municipality", "x", "y"], name="incident_xy"),
            models.Index(
                fields=["municipality", "category", "occurred_at"], name="incident_category_when"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferenceCounter(models.Model):
    """The last reference number used per municipality and year ("2026-000123")."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="reference_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Comment(models.Model):
    """A note on a case: internal to the handling organisation, or shared with all who see it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"))
    internal = models.BooleanField(_("internal to the organisation"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = text_constraints("comment", "text", bounds.COMMENT_MAX)

    def __str__(self) -> str:
        return f"{self.incident}: {self.text[:40]}"


class AssessmentLevel(models.TextChoices):
    GREEN = "green", _("Green: calm")
    YELLOW = "yellow", _("Yellow: some unease")
    RED = "red", _("Red: serious unease")


class WeeklyReport(models.Model):
    """One reporter's report for one ISO week, possibly with no incidents at all."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.PROTECT, related_name="weekly_reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    quiet_areas = models.ManyToManyField(
        "areas.Area", blank=True, related_name="+", verbose_name=_("areas with nothing to report")
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reporter", "iso_year", "iso_week"],
                name="weekly_report_once_per_week",
            )
        ]
        ordering = ["-iso_year", "-iso_week"]

    def __str__(self) -> str:
        return f"{self.organisation} v. {self.iso_week} {self.iso_year}"


class AreaAssessment(models.Model):
    weekly_report = models.ForeignKey(
        WeeklyReport, on_delete=models.CASCADE, related_name="assessments"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("assessment"), max_length=8, choices=AssessmentLevel.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["weekly_report", "area"], name="assessment_once_per_area"
            ),
            *text_constraints("assessment", "comment", bounds.ASSESSMENT_COMMENT_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.level}"


class SavedFilter(models.Model):
    """A user's named set of case-list filters ("Klotter i centrum, ej stängda")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "name"], name="saved_filter_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


def _photo_path(photo: IncidentPhoto, filename: str) -> str:
    return f"photos/{photo.incident.municipality_id}/{uuid.uuid4().hex}.jpg"


class IncidentPhoto(models.Model):
    """A photo of the place, stored without metadata; served only through the access policy."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident}: {self.pk}"


class CategoryRoute(models.Model):
    """Routing per area: reports of this category in this area go to this organisation
    (instead of the category's default handler)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routes")
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="category_route_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.area} → {self.organisation}"


class NotificationPreference(models.Model):
    """Which e-mails a user wants (all on until they say otherwise)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    case_updates = models.BooleanField(
        _("cases assigned to my organisation and changes to them"), default=True
    )
    weekly_summary = models.BooleanField(_("weekly: what happened with my reports"), default=True)
    reminders = models.BooleanField(_("reminder when my weekly report is missing"), default=True)

    def __str__(self) -> str:
        return str(self.user)


class IncidentChange(models.Model):
    """A change to a counted property (status, handler) of an existing incident, in order.

    The situation picture keeps the municipality's incidents as columns in memory and, on each
    request, reads only the incidents added (by id) and changed (by this log) since it last
    looked: aggregates stay current without scanning every row (situation/snapshot.py)."""

    municipality_id = models.PositiveIntegerField(db_index=True)
    incident_id = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.incident_id}"


class Submission(models.Model):
    """What one submission key of a form or an API call created (idempotency): the same key
    again returns this result and creates nothing, so back + submit, a double click or a retry
    never duplicates a report."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=64)
    weekly_report = models.ForeignKey(
        WeeklyReport, on_delete=models.CASCADE, null=True, blank=True, related_name="submissions"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    incident_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "key"], name="submission_key_once"
            )
        ]

    def __str__(self) -> str:
        return self.key


def _pending_photo_path(photo: PendingPhoto, filename: str) -> str:
    return f"pending/{uuid.uuid4().hex}.jpg"


class PendingPhoto(models.Model):
    """A photo uploaded with a weekly report that is not sent yet: cleaned (no metadata) at
    once, kept across validation errors, attached when the report is sent. Removed by the
    scheduled retention job after a day if the report is never sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)  # the submission key of the form
    slot = models.PositiveSmallIntegerField()  # the incident form's index in the report
    name = models.CharField(max_length=200)  # the file name as uploaded, to show it
    image = models.FileField(upload_to=_pending_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "slot"], name="pending_photo_per_slot")
        ]

    def __str__(self) -> str:
        return self.name
