"""Incidents, cases, categories and weekly reports over HTTP. The handlers only translate between
JSON and the same services the web pages use (DESIGN.md rule 2)."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from annotated_types import Interval
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja import Status as Reply
from pydantic import Strict

from samtrygg.areas.models import Area
from samtrygg.core import bounds
from samtrygg.core.api_auth import api_access
from samtrygg.core.api_types import (
    STRICT,
    ApiAmount,
    ApiDate,
    ApiDateTime,
    ApiFile,
    ApiId,
    ApiInt,
    error_answers,
    text,
)
from samtrygg.tenancy.models import Organisation, User
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from . import cases, queries
from .models import AssessmentLevel, Incident, PlaceType, Precision, Source, Status
from .photos import check_upload_size
from .services import IncidentInput, add_photos, create_incident_once
from .visibility import FREE_TEXT_HIDDEN, FreeText, free_text
from .weekly import (
    MAX_INCIDENTS_PER_REPORT,
    Assessment,
    WeeklyReportInput,
    submit_weekly_report,
)

router = Router(tags=["incidents"])

# 422: a path id, a query value or a body the schema refuses; 400: a body that is not JSON;
# 413: a body too large to read; 415: a body sent as something else than JSON.
READ_ERRORS: dict[int, Any] = error_answers(401, 403, 404, 422)
WRITE_ERRORS: dict[int, Any] = error_answers(400, 401, 403, 404, 409, 413, 415, 422)
UPLOAD_ERRORS: dict[int, Any] = error_answers(400, 401, 403, 404, 409, 413, 422)
MAX_PAGE = 200


class CategoryOut(Schema):
    code: str
    label_sv: str
    label_en: str
    is_active: bool
    visibility: str
    asks_cost: bool
    asks_police_report: bool


class IncidentOut(Schema):
    id: int
    reference: str
    category: str = Field(..., alias="category.code")
    status: str
    occurred_at: datetime | None
    occurred_from: datetime | None
    occurred_to: datetime | None
    lat: float | None
    lon: float | None
    x: float | None = Field(None, description="SWEREF 99 TM easting")
    y: float | None = Field(None, description="SWEREF 99 TM northing")
    precision: str
    area_id: int | None
    place_name: str
    description: str
    severity: int
    place_type: str
    reported_to_police: bool | None
    estimated_cost: Decimal | None
    reporting_organisation_id: int
    handling_organisation_id: int | None
    due_date: date | None
    source: str
    external_id: str
    duplicate_of_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime

    # The free text through the one rule (visibility.free_text): a member of an organisation
    # that is not an authority reads another actor's description as a note, and no place text.
    @staticmethod
    def resolve_description(obj: Incident, context: dict[str, Any]) -> str:
        return _free_text(obj, context).description

    @staticmethod
    def resolve_place_name(obj: Incident, context: dict[str, Any]) -> str:
        return _free_text(obj, context).place_name


def _free_text(incident: Incident, context: dict[str, Any] | None) -> FreeText:
    request = (context or {}).get("request")
    if request is None:  # no caller to ask about: nothing shown
        return FreeText(str(FREE_TEXT_HIDDEN), "", hidden=True)
    access: Access | None = getattr(request, "access", None)
    if access is None or access.municipality.pk != incident.municipality_id:
        access = api_access(request, incident.municipality.slug)
    return free_text(access, incident)


class IncidentPage(Schema):
    items: list[IncidentOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


class IncidentFilters(Schema):
    queue: Literal["new", "handling", "mine", "all"] = Field(
        "all", description="new, handling, mine or all"
    )
    status: Status | None = None
    category: str | None = Field(None, description="category code", max_length=40)
    area: ApiId | None = Field(None, description="area id")
    occurred_since: ApiDateTime | None = None
    occurred_until: ApiDateTime | None = None
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class IncidentIn(Schema):
    """One incident: when (``occurred_at``, or ``occurred_from`` and ``occurred_to``) and where
    (``lat`` and ``lon``, or ``area_id``). Besides what the schema says, the service refuses
    (422, a message per field): a category that is not the municipality's, a place outside it,
    a time before SAMTRYGG_EARLIEST_DATE or in the future, a latest time before the earliest,
    a cost with more than two decimals, a personal identity number in the text, and other
    personal details unless ``confirm_flagged``."""

    model_config = STRICT

    category: str = Field(
        ...,
        min_length=1,
        max_length=40,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="category code, e.g. klotter",
        examples=["klotter"],
    )
    reporting_organisation_id: ApiId | None = Field(
        None, description="defaults to the caller's (first) organisation"
    )
    occurred_at: ApiDateTime | None = Field(
        None,
        description="when it happened; or give occurred_from and occurred_to",
        examples=["2026-11-23T21:30:00+01:00"],
    )
    occurred_from: ApiDateTime | None = None
    occurred_to: ApiDateTime | None = None
    lat: float | None = Field(None, ge=-90, le=90, examples=[56.674])
    lon: float | None = Field(None, ge=-180, le=180, examples=[12.857])
    area_id: ApiId | None = Field(None, description="the area, when there is no point")
    precision: Annotated[Precision, Strict(False)] | None = None
    place_name: str = text(bounds.PLACE_NAME_MAX)
    description: str = text(bounds.DESCRIPTION_MAX, examples=["Klotter på busskuren."])
    severity: ApiInt = Field(1, ge=1, le=3)
    place_type: Annotated[PlaceType, Strict(False)] = PlaceType.PUBLIC
    reported_to_police: bool | None = None
    estimated_cost: ApiAmount | None = Field(None, description="kronor, at most two decimals")
    external_id: str = text(bounds.EXTERNAL_ID_MAX)
    confirm_flagged: bool = Field(
        False, description="the writer checked the flagged details and they are not about a person"
    )


class TransitionIn(Schema):
    """The transition table decides which status the case may go to, from its current status
    and the caller's role; a move it does not allow is refused with 422."""

    model_config = STRICT

    to: Annotated[Status, Strict(False)]
    comment: str = text(bounds.COMMENT_MAX)
    version: ApiId | None = Field(
        None, description="the version you read: guards against overwrites"
    )


class AssignIn(Schema):
    model_config = STRICT

    organisation_id: ApiId
    assignee_email: str | None = Field(None, max_length=254)
    due_date: ApiDate | None = None
    version: ApiId | None = None


class CommentIn(Schema):
    model_config = STRICT

    text: str = text(bounds.COMMENT_MAX, required=True)
    internal: bool = False


class CommentOut(Schema):
    id: int
    text: str
    internal: bool
    organisation_id: int
    created_at: datetime


class MergeIn(Schema):
    model_config = STRICT

    duplicates: list[ApiId] = Field(..., min_length=1, max_length=200)


class AssessmentIn(Schema):
    model_config = STRICT

    area_id: ApiId
    level: Annotated[AssessmentLevel, Strict(False)] = Field(
        ..., description="green, yellow or red"
    )
    comment: str = text(bounds.ASSESSMENT_COMMENT_MAX)


class WeeklyReportIn(Schema):
    """The week must exist and have begun; the areas must be the municipality's."""

    model_config = STRICT

    iso_year: ApiInt = Field(..., ge=2000, le=2200)
    iso_week: ApiInt = Field(..., ge=1, le=53)
    organisation_id: ApiId | None = None
    incidents: list[IncidentIn] = Field([], max_length=MAX_INCIDENTS_PER_REPORT)
    quiet_area_ids: list[ApiId] = Field([], max_length=1000)
    assessments: list[AssessmentIn] = Field([], max_length=1000)


class WeeklyReportOut(Schema):
    id: int
    iso_year: int
    iso_week: int
    organisation_id: int
    incident_count: int
    quiet_area_ids: list[int]


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    """The id a cursor stands for; anything but a cursor this API made is refused."""
    try:
        digits = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error):
        digits = ""
    if not (digits.isascii() and digits.isdigit()) or bounds.id_problem(int(digits)):
        raise ValidationError({"cursor": _("The cursor is not valid.")})
    return int(digits)


def _within_database(moment: datetime) -> datetime:
    """A filter's time inside what the database can hold (a year such as 0001 or 9999 cannot
    be converted for every database; no stored time lies outside these bounds anyway)."""
    return min(max(moment, bounds.DB_EARLIEST), bounds.DB_LATEST)


def _organisation(access: Access, organisation_id: int | None) -> Organisation:
    if organisation_id is None:
        return access.organisations[0]
    for organisation in access.organisations:
        if organisation.pk == organisation_id:
            return organisation
    raise ValidationError(
        {"reporting_organisation_id": _("You can only report for your own organisation.")}
    )


def _incident_input(access: Access, data: IncidentIn, organisation: Organisation) -> IncidentInput:
    category = queries.categories(access, active_only=False).filter(code=data.category).first()
    if category is None:
        raise ValidationError({"category": _("Choose a category from the list.")})
    area = None
    if data.area_id is not None:
        area = access.scope(Area.objects.all()).filter(pk=data.area_id).first()
        if area is None:
            raise ValidationError({"area_id": _("Choose areas of your own municipality.")})
    has_point = data.lat is not None or data.lon is not None
    precision = data.precision or (Precision.EXACT if has_point or area is None else Precision.AREA)
    return IncidentInput(
        category=category,
        reporting_organisation=organisation,
        occurred_at=data.occurred_at,
        occurred_from=data.occurred_from,
        occurred_to=data.occurred_to,
        lat=data.lat,
        lon=data.lon,
        precision=precision,
        place_name=data.place_name or (area.name if area and not has_point else ""),
        description=data.description,
        severity=data.severity,
        place_type=data.place_type,
        reported_to_police=data.reported_to_police,
        estimated_cost=data.estimated_cost,
        source=Source.API,
        external_id=data.external_id,
        area=None if has_point else area,
        confirm_flagged=data.confirm_flagged,
    )


def _case(access: Access, incident_id: int) -> Incident:
    incident: Incident = access.get_or_404(queries.incidents(access), pk=incident_id)
    return incident


@router.get(
    "/k/{municipality}/categories", response={200: list[CategoryOut], **error_answers(401, 404)}
)
def list_categories(request: HttpRequest, municipality: str) -> Any:
    """The municipality's checklist, in its order (inactive categories included, flagged)."""
    access = api_access(request, municipality)
    return list(queries.categories(access, active_only=False))


@router.get("/k/{municipality}/incidents", response={200: IncidentPage, **READ_ERRORS})
def list_incidents(request: HttpRequest, municipality: str, filters: Query[IncidentFilters]) -> Any:
    """Incidents the caller may see, newest first, a page at a time (cursor pagination:
    pages stay stable while new reports arrive)."""
    access = api_access(request, municipality)
    access.require(Permission.REPORT_INCIDENTS)
    rows = queries.queue(access, filters.queue)
    if filters.status:
        rows = rows.filter(status=filters.status)
    # A filter value that is not the municipality's is an error, not an empty page (the same
    # rule as the case list and the exports).
    if filters.category:
        if not queries.categories(access, active_only=False).filter(code=filters.category):
            raise ValidationError({"category": _("Choose a category from the list.")})
        rows = rows.filter(category__code=filters.category)
    if filters.area is not None:
        if not access.scope(Area.objects.all()).filter(pk=filters.area).exists():
            raise ValidationError({"area": _("Choose areas of your own municipality.")})
        rows = rows.filter(area_id=filters.area)
    if filters.occurred_since:
        rows = rows.filter(occurred_at__gte=_within_database(filters.occurred_since))
    if filters.occurred_until:
        rows = rows.filter(occurred_at__lt=_within_database(filters.occurred_until))
    if filters.cursor:
        rows = rows.filter(pk__lt=_decode_cursor(filters.cursor))
    page = list(rows.order_by("-pk")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    if any(i.description or i.place_name for i in page):
        # A page of free text is a bulk read: logged like an export (who, filters, how many).
        from samtrygg.exchange.exports import log_export

        log_export(access, "api", len(page), request.GET.urlencode()[:500])
    return {"items": page, "next_cursor": _encode_cursor(page[-1].pk) if more else None}


@router.post("/k/{municipality}/incidents", response={201: IncidentOut, **WRITE_ERRORS})
def create(request: HttpRequest, municipality: str, payload: IncidentIn) -> Any:
    """Report one incident. Free text is screened: a personal identity number is refused;
    other personal details are refused until ``confirm_flagged`` is true. With an
    ``Idempotency-Key`` header (16–64 letters, digits, - or _), the same key again returns the
    incident it created and creates nothing new (a retry after a lost answer is safe)."""
    access = api_access(request, municipality)
    organisation = _organisation(access, payload.reporting_organisation_id)
    incident = create_incident_once(
        access,
        _incident_input(access, payload, organisation),
        request.headers.get("Idempotency-Key", ""),
    )
    return Reply(201, _case(access, incident.pk))


@router.get("/k/{municipality}/incidents/{incident_id}", response={200: IncidentOut, **READ_ERRORS})
def get_incident(request: HttpRequest, municipality: str, incident_id: ApiId) -> Any:
    access = api_access(request, municipality)
    access.require(Permission.REPORT_INCIDENTS)
    return _case(access, incident_id)


@router.post(
    "/k/{municipality}/incidents/{incident_id}/transition",
    response={200: IncidentOut, **WRITE_ERRORS},
)
def transition(
    request: HttpRequest, municipality: str, incident_id: ApiId, payload: TransitionIn
) -> Any:
    """Move the case to another status (the transition table decides who may)."""
    access = api_access(request, municipality)
    case = _case(access, incident_id)
    cases.transition(
        access, case, payload.to, comment=payload.comment, expected_version=payload.version
    )
    return _case(access, incident_id)


@router.post(
    "/k/{municipality}/incidents/{incident_id}/assign", response={200: IncidentOut, **WRITE_ERRORS}
)
def assign(request: HttpRequest, municipality: str, incident_id: ApiId, payload: AssignIn) -> Any:
    access = api_access(request, municipality)
    case = _case(access, incident_id)
    organisation = access.get_or_404(Organisation.objects.all(), pk=payload.organisation_id)
    assignee = None
    if payload.assignee_email:
        assignee = User.objects.filter(email__iexact=payload.assignee_email).first()
        if assignee is None:
            raise ValidationError(
                {
                    "assignee_email": _("The person is not a member of %(org)s.")
                    % {"org": organisation.name}
                }
            )
    cases.assign(
        access,
        case,
        organisation,
        assignee=assignee,
        due_date=payload.due_date,
        expected_version=payload.version,
    )
    return _case(access, incident_id)


@router.post(
    "/k/{municipality}/incidents/{incident_id}/comments",
    response={201: CommentOut, **WRITE_ERRORS},
)
def comment(request: HttpRequest, municipality: str, incident_id: ApiId, payload: CommentIn) -> Any:
    access = api_access(request, municipality)
    case = _case(access, incident_id)
    return Reply(201, cases.add_comment(access, case, payload.text, internal=payload.internal))


@router.get(
    "/k/{municipality}/incidents/{incident_id}/comments",
    response={200: list[CommentOut], **READ_ERRORS},
)
def list_comments(request: HttpRequest, municipality: str, incident_id: ApiId) -> Any:
    access = api_access(request, municipality)
    access.require(Permission.REPORT_INCIDENTS)
    return cases.visible_comments(access, _case(access, incident_id))


@router.post(
    "/k/{municipality}/incidents/{incident_id}/merge", response={200: IncidentOut, **WRITE_ERRORS}
)
def merge(request: HttpRequest, municipality: str, incident_id: ApiId, payload: MergeIn) -> Any:
    """Link reports of the same event to this case; nothing is deleted."""
    access = api_access(request, municipality)
    case = _case(access, incident_id)
    others = list(queries.incidents(access).filter(pk__in=payload.duplicates))
    if len(others) != len(set(payload.duplicates)):
        raise Http404
    cases.merge(access, case, others)
    return _case(access, incident_id)


class PhotoOut(Schema):
    id: int
    width: int
    height: int


@router.post(
    "/k/{municipality}/incidents/{incident_id}/photos",
    response={201: list[PhotoOut], **UPLOAD_ERRORS},
)
def add_photo(
    request: HttpRequest, municipality: str, incident_id: ApiId, photo: File[ApiFile]
) -> Any:
    """Add a photo of the place (multipart field ``photo``). JPEG, PNG or WebP; metadata such as
    GPS position is removed and the photo is shrunk before it is stored."""
    access = api_access(request, municipality)
    case = _case(access, incident_id)
    check_upload_size(photo.name or "", photo.size)
    add_photos(access, case, [(photo.name or "", photo.read())])
    return Reply(201, list(case.photos.all()))


def _weekly_out(report: Any, incident_count: int) -> dict[str, Any]:
    return {
        "id": report.pk,
        "iso_year": report.iso_year,
        "iso_week": report.iso_week,
        "organisation_id": report.organisation_id,
        "incident_count": incident_count,
        "quiet_area_ids": sorted(a.pk for a in report.quiet_areas.all()),
    }


@router.post("/k/{municipality}/weekly-reports", response={201: WeeklyReportOut, **WRITE_ERRORS})
def create_weekly_report(request: HttpRequest, municipality: str, payload: WeeklyReportIn) -> Any:
    """Send the week's report: incidents, areas with nothing to report, assessments. A later
    report in the same week adds to the earlier one; an empty report is refused. With an
    ``Idempotency-Key`` header, the same key again returns the first result."""
    access = api_access(request, municipality)
    organisation = _organisation(access, payload.organisation_id)
    areas = {a.pk: a for a in access.scope(Area.objects.all())}

    def area(pk: int) -> Area:
        if pk not in areas:
            raise ValidationError({"areas": _("Choose areas of your own municipality.")})
        return areas[pk]

    # The comments' bounds and "each area once" are the service's (incidents/weekly.py).
    report = submit_weekly_report(
        access,
        WeeklyReportInput(
            organisation,
            payload.iso_year,
            payload.iso_week,
            [_incident_input(access, i, organisation) for i in payload.incidents],
            [area(pk) for pk in payload.quiet_area_ids],
            [Assessment(area(a.area_id), a.level, a.comment) for a in payload.assessments],
            submission_key=request.headers.get("Idempotency-Key", ""),
        ),
    )
    return Reply(201, _weekly_out(report, report.incidents.count()))


@router.get(
    "/k/{municipality}/weekly-reports", response={200: list[WeeklyReportOut], **READ_ERRORS}
)
def list_weekly_reports(
    request: HttpRequest,
    municipality: str,
    iso_year: Annotated[int, Interval(ge=2000, le=2200)] | None = None,
    iso_week: Annotated[int, Interval(ge=1, le=53)] | None = None,
) -> Any:
    """Weekly reports: the caller's organisations' own, or all of them for coordinators."""
    access = api_access(request, municipality)
    access.require(Permission.REPORT_INCIDENTS)
    rows = queries.weekly_reports(access).prefetch_related("quiet_areas")
    if iso_year is not None:
        rows = rows.filter(iso_year=iso_year)
    if iso_week is not None:
        rows = rows.filter(iso_week=iso_week)
    return [
        _weekly_out(r, r.incident_count)
        for r in rows.annotate(incident_count=Count("incidents"))[:500]
    ]
