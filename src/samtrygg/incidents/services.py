"""Every change to incidents (DESIGN.md rule 2): validate everything, then write and log."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from decimal import Decimal

import shapely
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtrygg.analysis.geo import wgs84_to_sweref
from samtrygg.areas.models import Area
from samtrygg.areas.queries import assign_areas
from samtrygg.areas.services import municipality_boundary_sweref
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.core import bounds
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from . import pii
from .category_admin import handler_for
from .models import (
    Category,
    Incident,
    IncidentPhoto,
    PendingPhoto,
    PlaceType,
    Precision,
    ReferenceCounter,
    Source,
    Submission,
)
from .photos import MAX_PHOTOS_PER_INCIDENT, CleanPhoto, check_upload_size, clean_photo

FREE_TEXT_FIELDS = ("description", "place_name")

# A submission key (idempotency): the form's hidden token or the API's Idempotency-Key header.
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class IncidentInput:
    category: Category
    reporting_organisation: Organisation
    occurred_at: datetime | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    precision: str = Precision.EXACT
    place_name: str = ""
    description: str = ""
    severity: int = 1
    place_type: str = "public"
    reported_to_police: bool | None = None
    estimated_cost: Decimal | int | None = None
    source: str = Source.FORM
    external_id: str = ""
    area: Area | None = None  # when there is no point: the area the reporter chose
    confirm_flagged: bool = False  # the writer saw the flagged details and confirmed
    # (file name, raw bytes) of photos of the place; cleaned before anything is stored
    photos: list[tuple[str, bytes]] = dataclass_field(default_factory=list)


PII_MESSAGES = {
    pii.Kind.PERSONAL_IDENTITY_NUMBER: gettext_lazy("a personal identity number"),
    pii.Kind.COORDINATION_NUMBER: gettext_lazy("a co-ordination number"),
    pii.Kind.PHONE: gettext_lazy("a phone number"),
    pii.Kind.EMAIL: gettext_lazy("an e-mail address"),
    pii.Kind.REGISTRATION_NUMBER: gettext_lazy("a car registration number"),
    pii.Kind.NAME: gettext_lazy("a name"),
}


def check_free_text(
    values: dict[str, str], confirm_flagged: bool
) -> dict[str, list[ValidationError]]:
    """Refuse identity numbers; flag other personal details unless the writer confirmed."""
    errors: dict[str, list[ValidationError]] = {}
    for field, text in values.items():
        for finding in pii.scan(text or ""):
            if finding.refused:
                message = _(
                    "The text contains %(what)s (“%(text)s”). Samtrygg records places "
                    "and events, never persons: remove it."
                )
                code = "pii_refused"
            elif not confirm_flagged:
                message = _(
                    "The text may contain %(what)s (“%(text)s”). Remove it, or confirm "
                    "that it is not about a person."
                )
                code = "pii_flagged"
            else:
                continue
            what = str(PII_MESSAGES[finding.kind])
            errors.setdefault(field, []).append(
                ValidationError(message % {"what": what, "text": finding.text}, code=code)
            )
    return errors


def validate_values(data: IncidentInput) -> dict[str, list[ValidationError]]:
    """The bounds of each field (core/bounds.py), without the database: the same checks the
    file import makes cell by cell."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str | None) -> None:
        if message:
            errors.setdefault(field, []).append(ValidationError(message))

    add("description", bounds.text_problem(data.description, bounds.DESCRIPTION_MAX))
    add("place_name", bounds.text_problem(data.place_name, bounds.PLACE_NAME_MAX))
    add("external_id", bounds.text_problem(data.external_id, bounds.EXTERNAL_ID_MAX))
    for field in ("occurred_at", "occurred_from", "occurred_to"):
        value = getattr(data, field)
        if value is not None:
            add(field, bounds.time_problem(value))
    if data.occurred_at is None and data.occurred_from is None:
        add("occurred_at", _("Give the time, or the earliest and latest time."))
    if data.occurred_from and data.occurred_to and data.occurred_to < data.occurred_from:
        add("occurred_to", _("The latest time is before the earliest."))
    if not 1 <= int(data.severity) <= 3:
        add("severity", _("Severity is 1, 2 or 3."))
    if data.estimated_cost is not None:
        add("estimated_cost", bounds.cost_problem(data.estimated_cost))
    if (data.lat is None) != (data.lon is None):
        add("lat", _("Give both latitude and longitude."))
    elif data.lat is not None and data.lon is not None:
        add("lat", bounds.coordinate_problem(data.lat, data.lon))
    if data.place_type not in PlaceType.values:
        add("place_type", _("Choose indoors, semi-public or public."))
    if data.precision not in Precision.values:
        add("precision", _("Choose a location precision from the list."))
    return errors


def _validate(access: Access, data: IncidentInput) -> dict[str, list[ValidationError]]:
    errors = validate_values(data)
    if not any(field in errors for field in FREE_TEXT_FIELDS):
        pii_errors = check_free_text(
            {f: getattr(data, f) for f in FREE_TEXT_FIELDS}, data.confirm_flagged
        )
        for field, problems in pii_errors.items():
            errors.setdefault(field, []).extend(problems)

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message))

    if data.category.municipality_id != access.municipality.pk or not data.category.is_active:
        add("category", _("Choose a category from the list."))
    if data.reporting_organisation.pk not in access.organisation_ids:
        add("reporting_organisation", _("You can only report for your own organisation."))
    if (
        data.lat is None
        and data.area is None
        and data.precision in (Precision.EXACT, Precision.APPROXIMATE, Precision.AREA)
    ):
        add("lat", _("Mark the place on the map, or choose an area."))
    if data.area is not None and data.area.municipality_id != access.municipality.pk:
        add("area", _("Choose areas of your own municipality."))
    return errors


def _next_reference(municipality_id: int, year: int) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        municipality_id=municipality_id, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:06d}"


def create_incident(access: Access, data: IncidentInput) -> Incident:
    access.require(Permission.REPORT_INCIDENTS)
    errors = _validate(access, data)
    x = y = None
    area_id = data.area.pk if data.area is not None else None
    if data.lat is not None and data.lon is not None and "lat" not in errors:
        xs, ys = wgs84_to_sweref([data.lon], [data.lat])
        x, y = float(xs[0]), float(ys[0])
        boundary = municipality_boundary_sweref(access.municipality)
        if boundary is not None and not shapely.contains_xy(boundary, x, y):
            errors.setdefault("lat", []).append(
                ValidationError(_("The place is outside the municipality."))
            )
        else:
            area_id = assign_areas(access.municipality.pk, [x], [y])[0]
    photos = _clean_photos(data.photos, errors)
    if errors:
        raise ValidationError(errors)
    occurred = data.occurred_at or data.occurred_from or timezone.now()  # validated above
    with transaction.atomic():
        incident = Incident.objects.create(
            municipality=access.municipality,
            reference=_next_reference(access.municipality.pk, timezone.localtime(occurred).year),
            category=data.category,
            occurred_at=data.occurred_at,
            occurred_from=data.occurred_from,
            occurred_to=data.occurred_to,
            lat=data.lat,
            lon=data.lon,
            x=x,
            y=y,
            precision=data.precision,
            area_id=area_id,
            place_name=data.place_name.strip(),
            description=data.description.strip(),
            severity=data.severity,
            place_type=data.place_type,
            reported_to_police=data.reported_to_police,
            estimated_cost=data.estimated_cost,
            reporting_organisation=data.reporting_organisation,
            reported_by=access.user,
            source=data.source,
            external_id=data.external_id,
            handling_organisation_id=handler_for(data.category, area_id),
        )
        record(
            AuditAction.INCIDENT_CREATED,
            actor=access.user,
            organisation=data.reporting_organisation,
            obj=incident,
            changes={"category": data.category.code, "source": data.source},
        )
        _store_photos(access, incident, photos)
    return incident


def check_submission_key(key: str) -> None:
    if key and not SUBMISSION_KEY.match(key):
        raise ValidationError(
            {"submission_key": _("The submission key is 16 to 64 letters, digits, - or _.")}
        )


def _earlier_incident(access: Access, data: IncidentInput, key: str) -> Incident | None:
    earlier = Submission.objects.filter(
        user=access.user, organisation=data.reporting_organisation, key=key
    ).first()
    if earlier is None:
        return None
    if earlier.incident_id is None:
        raise ValidationError(
            {"submission_key": _("This submission key was already used for another request.")}
        )
    return Incident.objects.get(pk=earlier.incident_id)


def create_incident_once(access: Access, data: IncidentInput, key: str) -> Incident:
    """``create_incident`` with a submission key (the API's ``Idempotency-Key``): the same key
    again returns the incident it created and creates nothing new."""
    if not key:
        return create_incident(access, data)
    access.require(Permission.REPORT_INCIDENTS)
    check_submission_key(key)
    earlier = _earlier_incident(access, data, key)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            incident = create_incident(access, data)
            Submission.objects.create(
                user=access.user,
                organisation=data.reporting_organisation,
                key=key,
                incident=incident,
                incident_count=1,
            )
    except IntegrityError:
        earlier = _earlier_incident(access, data, key)  # the same key sent twice at once
        if earlier is None:
            raise
        return earlier
    return incident


def _clean_photos(
    photos: list[tuple[str, bytes]], errors: dict[str, list[ValidationError]]
) -> list[CleanPhoto]:
    if len(photos) > MAX_PHOTOS_PER_INCIDENT:
        errors.setdefault("photos", []).append(
            ValidationError(
                _("At most %(n)d photos per incident.") % {"n": MAX_PHOTOS_PER_INCIDENT}
            )
        )
        return []
    cleaned = []
    for name, raw in photos:
        try:
            cleaned.append(clean_photo(raw, name))
        except ValidationError as error:
            errors.setdefault("photos", []).append(error)
    return cleaned


def _store_photos(access: Access, incident: Incident, photos: list[CleanPhoto]) -> None:
    for photo in photos:
        IncidentPhoto.objects.create(
            incident=incident,
            image=ContentFile(photo.content, name="photo.jpg"),
            width=photo.width,
            height=photo.height,
            uploaded_by=access.user,
        )


def add_photos(access: Access, incident: Incident, photos: list[tuple[str, bytes]]) -> None:
    """Add photos to a case the user can see (metadata stripped); all of them or none."""
    access.require(Permission.REPORT_INCIDENTS)
    case = access.get_or_404(Incident.objects.all(), pk=incident.pk)
    errors: dict[str, list[ValidationError]] = {}
    if case.photos.count() + len(photos) > MAX_PHOTOS_PER_INCIDENT:
        errors["photos"] = [
            ValidationError(
                _("At most %(n)d photos per incident.") % {"n": MAX_PHOTOS_PER_INCIDENT}
            )
        ]
    cleaned = _clean_photos(photos, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _store_photos(access, case, cleaned)
        record(
            AuditAction.PHOTO_ADDED,
            actor=access.user,
            municipality=case.municipality,
            obj=case,
            changes={"photos": len(cleaned)},
        )


PENDING_PHOTO_DAYS = 1  # an unsent report's photos are removed after a day


def keep_pending_photo(access: Access, key: str, slot: int, name: str, raw: bytes) -> PendingPhoto:
    """Clean an uploaded photo at once (metadata stripped, as for every photo) and keep it for
    the report being written (submission key, incident slot) until the report is sent."""
    access.require(Permission.REPORT_INCIDENTS)
    check_upload_size(name, len(raw))
    photo = clean_photo(raw, name)
    with transaction.atomic():
        discard_pending(PendingPhoto.objects.filter(user=access.user, key=key, slot=slot))
        pending = PendingPhoto.objects.create(
            user=access.user,
            key=key,
            slot=slot,
            name=(name or "photo")[:200],
            image=ContentFile(photo.content, name="photo.jpg"),
            width=photo.width,
            height=photo.height,
        )
        record(
            AuditAction.PHOTO_KEPT,
            actor=access.user,
            municipality=access.municipality,
            obj=pending,
            changes={"incident": slot + 1},
        )
    return pending


def pending_bytes(photo: PendingPhoto | None) -> list[tuple[str, bytes]]:
    """A kept photo as the (name, bytes) an IncidentInput takes."""
    if photo is None:
        return []
    with photo.image.open("rb") as handle:
        return [(photo.name, handle.read())]


def discard_pending(photos: Iterable[PendingPhoto]) -> int:
    """Remove pending photos and their files: a reporter's own unsent uploads (removed, replaced,
    sent with the report, or a day old), never a record anybody else has seen."""
    count = 0
    for photo in list(photos):
        photo.image.delete(save=False)
        photo.delete()
        count += 1
    return count


def remove_stale_pending_photos(now: datetime | None = None) -> int:
    """Photos of reports never sent, older than a day (run by the scheduled retention job)."""
    moment = (now or timezone.now()) - timedelta(days=PENDING_PHOTO_DAYS)
    return discard_pending(PendingPhoto.objects.filter(created_at__lt=moment))
