"""Reporting (the weekly report), queues and the case page."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.areas.queries import areas as area_queries
from samtrygg.audit import queries as audit_queries
from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.core import formatting
from samtrygg.exchange import exports
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission, Role

from . import bulk, cases, duplicates, nearby, queries
from .filters import QUEUE_LABELS, IncidentFilterForm
from .forms import (
    ASSESSMENT_CHOICES,
    AssignForm,
    CommentForm,
    IncidentFormSet,
    PhotoForm,
    SaveFilterForm,
    StatusForm,
    WeekForm,
)
from .models import Incident, IncidentPhoto, PendingPhoto, Precision, Status, WeeklyReport
from .services import (
    SUBMISSION_KEY,
    IncidentInput,
    add_photos,
    discard_pending,
    keep_pending_photo,
    pending_bytes,
)
from .visibility import free_text
from .weekly import (
    Assessment,
    LastWeek,
    WeeklyReportInput,
    earlier_submission,
    same_as_last_week,
    sent_this_week,
    submit_weekly_report,
)
from .workflow import COORDINATION, allowed_moves, capacities

PAGE_SIZE = 50


def _incident_input(
    access: Access,
    data: dict[str, Any],
    organisation: Organisation,
    photos: list[tuple[str, bytes]] | None = None,
) -> IncidentInput:
    area = data.get("area")
    has_point = data.get("lat") is not None and data.get("lon") is not None
    police = data.get("reported_to_police")
    return IncidentInput(
        category=data["category"],
        reporting_organisation=organisation,
        occurred_at=data["occurred_at"],
        lat=data.get("lat") if has_point else None,
        lon=data.get("lon") if has_point else None,
        precision=Precision.EXACT if has_point else (Precision.AREA if area else Precision.EXACT),
        place_name=(data.get("place_name") or (area.name if area and not has_point else "")),
        description=data.get("description") or "",
        severity=data["severity"],
        place_type=data["place_type"],
        reported_to_police=police,
        estimated_cost=data.get("estimated_cost"),
        area=None if has_point else area,
        confirm_flagged=bool(data.get("confirm_flagged")),
        photos=photos or [],
    )


def _uploaded(upload: Any) -> list[tuple[str, bytes]]:
    """The upload's name and bytes (its size was checked by the form before reading)."""
    return [] if upload is None else [(upload.name, upload.read())]


# Where an error of the service that belongs to no single incident field is shown.
REPORT_ERROR_ANCHORS = {
    "quiet_areas": "areas",
    "assessments": "areas",
    "areas": "areas",
    "report": "incident-forms",
    "incidents": "incident-forms",
    "iso_week": "id_week",
}


def _attach_errors(
    error: ValidationError, formset: Any, week_form: WeekForm
) -> list[tuple[str, str]]:
    """Put the service's errors next to their fields; returns the others as (anchor, message)."""
    others: list[tuple[str, str]] = []
    for key, problems in error.message_dict.items():
        if key.startswith("incident_"):
            _prefix, number, field = key.split("_", 2)
            form = formset.forms[int(number) - 1]
            target = field if field in form.fields else None
            if field == "lat":
                target = "area"
            if field == "photos":
                target = "photo"
            for problem in problems:
                form.add_error(target, problem)
        else:
            anchor = REPORT_ERROR_ANCHORS.get(key, "weekly-report")
            others.extend((anchor, problem) for problem in problems)
    return others


def _error_summary(
    week_form: WeekForm, formset: Any, others: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Every error of the report as (field id, message), for the summary at the top."""
    if not week_form.is_bound:
        return []
    items: list[tuple[str, str]] = []
    for name, problems in week_form.errors.items():
        anchor = week_form[name].id_for_label if name in week_form.fields else "weekly-report"
        items.extend((anchor, str(p)) for p in problems)
    items.extend(("incident-forms", str(p)) for p in formset.non_form_errors())
    for number, form in enumerate(formset.forms, start=1):
        for name, problems in form.errors.items():
            if name in form.fields:
                anchor = form[name].id_for_label
                label = f"{form.fields[name].label}: " if form.fields[name].label else ""
            else:
                anchor, label = f"incident-{number}", ""
            prefix = _("Incident %(number)s") % {"number": number}
            items.extend((anchor, f"{prefix}: {label}{p}") for p in problems)
    items.extend(others)
    return items


def _keep_photos(
    request: HttpRequest, access: Access, key: str, formset: Any
) -> dict[int, PendingPhoto]:
    """Store each uploaded photo at once (metadata stripped) as a pending upload of this
    submission, so that it survives a validation error; remove those the reporter removed."""
    kept = {p.slot: p for p in PendingPhoto.objects.filter(user=access.user, key=key)}
    for slot, form in enumerate(formset.forms):
        upload = request.FILES.get(f"{form.prefix}-photo")
        if request.POST.get(f"{form.prefix}-remove_photo") or upload is not None:
            old = kept.pop(slot, None)
            if old is not None:
                discard_pending([old])
        if upload is None or "photo" in form.errors:
            continue
        try:
            kept[slot] = keep_pending_photo(access, key, slot, upload.name or "", upload.read())
        except ValidationError as error:
            form.add_error("photo", error)
    for slot, form in enumerate(formset.forms):
        form.kept_photo = kept.get(slot)
    return kept


def _area_rows(
    area_list: list[Any],
    quiet: set[int],
    levels: dict[int, str],
    sent: WeeklyReport | None,
) -> list[dict[str, Any]]:
    sent_quiet = {a.pk for a in sent.quiet_areas.all()} if sent else set()
    sent_levels = {a.area_id: a.get_level_display() for a in sent.assessments.all()} if sent else {}
    return [
        {
            "area": a,
            "quiet": a.pk in quiet,
            "level": levels.get(a.pk, ""),
            "sent_quiet": a.pk in sent_quiet,
            "sent_level": sent_levels.get(a.pk, ""),
        }
        for a in area_list
    ]


@municipality_view(Permission.REPORT_INCIDENTS)
def weekly_report(request: HttpRequest, access: Access) -> HttpResponse:
    posted = request.method == "POST"
    key = request.POST.get("submission_key", "") if posted else ""
    if not SUBMISSION_KEY.match(key):
        key = secrets.token_urlsafe(24)  # a new submission
    week_form = WeekForm(access, request.POST or None)
    formset = IncidentFormSet(
        request.POST or None, request.FILES or None, access=access, prefix="incident"
    )
    area_list = list(area_queries(access).only("name", "code", "kind"))
    by_pk = {a.pk: a for a in area_list}
    organisation = access.organisations[0] if access.organisations else None
    chosen = request.POST.get("organisation") or request.GET.get("organisation", "")
    organisation = next((o for o in access.organisations if str(o.pk) == chosen), organisation)
    year, week, _day = timezone.localdate().isocalendar()
    if posted and week_form.is_valid():
        year, week = week_form.cleaned_data["week"]
        earlier = earlier_submission(access, organisation, key) if organisation else None
        if earlier is not None:
            # Back + submit, a double click or a retry: the first result, nothing new.
            discard_pending(PendingPhoto.objects.filter(user=access.user, key=key))
            messages.info(request, _("This report was already sent; nothing new was stored."))
            return redirect(
                reverse("incident_list", args=[access.municipality.slug]) + "?queue=mine"
            )
    quiet_ids = {int(pk) for pk in request.POST.getlist("quiet") if pk.isdigit()}
    quiet_ids &= set(by_pk)
    levels = {
        a.pk: request.POST[f"assess-{a.pk}"]
        for a in area_list
        if request.POST.get(f"assess-{a.pk}")
    }
    others: list[tuple[str, str]] = []
    if posted:
        forms_valid = week_form.is_valid() and formset.is_valid()
        kept = _keep_photos(request, access, key, formset)
        if forms_valid and formset.is_valid() and organisation is not None:
            filled = [
                (i, f) for i, f in enumerate(formset.forms) if f.has_changed() and f.cleaned_data
            ]
            try:
                submit_weekly_report(
                    access,
                    WeeklyReportInput(
                        organisation,
                        year,
                        week,
                        [
                            _incident_input(
                                access, f.cleaned_data, organisation, pending_bytes(kept.get(i))
                            )
                            for i, f in filled
                        ],
                        [by_pk[pk] for pk in sorted(quiet_ids)],
                        [
                            Assessment(
                                by_pk[pk], level, request.POST.get(f"assess-comment-{pk}", "")
                            )
                            for pk, level in levels.items()
                        ],
                        submission_key=key,
                    ),
                )
            except ValidationError as error:
                others = _attach_errors(error, formset, week_form)
            else:
                discard_pending(PendingPhoto.objects.filter(user=access.user, key=key))
                messages.success(
                    request,
                    _("Thank you! The report for week %(week)d was sent with %(n)d incidents.")
                    % {"week": week, "n": len(filled)},
                )
                return redirect(
                    reverse("incident_list", args=[access.municipality.slug]) + "?queue=mine"
                )
    sent = sent_this_week(access, organisation, year, week) if organisation else None
    last_week = (
        same_as_last_week(access, organisation, year, week) if organisation else LastWeek([], {})
    )
    if not posted and request.GET.get("samma"):
        quiet_ids, levels = set(last_week.quiet_area_ids), dict(last_week.levels)
    return render(
        request,
        "incidents/weekly_report.html",
        {
            "week_form": week_form,
            "formset": formset,
            "submission_key": key,
            "area_rows": _area_rows(area_list, quiet_ids, levels, sent),
            "sent": sent,
            "last_week": {"quiet": last_week.quiet_area_ids, "levels": last_week.levels},
            "has_last_week": bool(last_week.quiet_area_ids or last_week.levels),
            "organisation": organisation,
            "error_summary": _error_summary(week_form, formset, others),
            "report_errors": others,
            "assessment_choices": ASSESSMENT_CHOICES,
            # Which optional questions each category asks (the form hides the others).
            "category_asks": {
                c.pk: {"cost": c.asks_cost, "police": c.asks_police_report}
                for c in queries.categories(access)
            },
        },
    )


def _page(rows: QuerySet[Incident], before: str | None) -> tuple[list[Incident], int | None]:
    """One page, newest first, by keyset (``before`` = the last id of the previous page): no
    COUNT and no OFFSET, so the page costs the same on the first and the thousandth page."""
    if before and before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(rows.order_by("-pk")[: PAGE_SIZE + 1])
    return page[:PAGE_SIZE], (page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None)


def _bulk(request: HttpRequest, access: Access) -> None:
    organisation = None
    if request.POST.get("organisation", "").isdigit():
        organisation = (
            access.scope(Organisation.objects.filter(is_active=True))
            .filter(pk=int(request.POST["organisation"]))
            .first()
        )
    ids = [int(i) for i in request.POST.getlist("incident") if i.isdigit()]
    if not ids:
        messages.error(request, _("Choose at least one case."))
        return
    # The version of each case as the list showed it (hidden inputs "version_<id>").
    versions = {
        i: int(seen) for i in ids if (seen := request.POST.get(f"version_{i}", "")).isdigit()
    }
    result = bulk.bulk_apply(
        access, ids, request.POST.get("bulk_action", ""), organisation, versions=versions
    )
    if result.conflicts:
        messages.error(
            request,
            _(
                "Nothing was changed: somebody else changed %(references)s after you loaded "
                "the list. Look at the list again and choose anew."
            )
            % {"references": ", ".join(i.reference for i in result.conflicts)},
        )
        return
    if result.changed:
        n = len(result.changed)
        messages.success(
            request,
            ngettext("%(n)d case was changed.", "%(n)d cases were changed.", n) % {"n": n},
        )
    for incident, reason in result.skipped:
        messages.warning(request, f"{incident.reference}: {reason}")


@municipality_view(Permission.REPORT_INCIDENTS)
def incident_list(request: HttpRequest, access: Access) -> HttpResponse:
    filters = IncidentFilterForm(access, request.GET or None)
    coordinating = access.role is not None and access.role >= Role.COORDINATOR
    save_form = SaveFilterForm(request.POST if request.POST.get("action") == "save" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "bulk" and coordinating:
            _bulk(request, access)
            return redirect(request.get_full_path())
        if action == "save" and save_form.is_valid():
            try:
                bulk.save_filter(access, save_form.cleaned_data["name"], filters.query_string())
            except ValidationError as error:
                save_form.add_error(None, error)
            else:
                messages.success(request, _("The filter was saved."))
                return redirect(request.get_full_path())
        elif action == "delete_filter":
            saved = access.get_or_404(
                queries.saved_filters(access), pk=request.POST.get("filter", "")
            )
            bulk.delete_filter(access, saved)
            messages.success(request, _("The filter was removed."))
            return redirect(request.get_full_path())
    # A filter value that cannot be used is named, and no rows are shown rather than all.
    filter_problems = filters.problems()
    page: list[Incident] = []
    next_before = None
    if not filter_problems:
        page, next_before = _page(filters.rows(), request.GET.get("before"))
    for incident in page:
        incident.shown_place = free_text(access, incident).place_name  # type: ignore[attr-defined]
    query = filters.query_string()
    return render(
        request,
        "incidents/incident_list.html",
        {
            "filter_problems": filter_problems,
            "page": page,
            "next_before": next_before,
            "first_page": bool(request.GET.get("before")),
            "filters": filters,
            "queue": filters.queue_name(),
            "queues": list(QUEUE_LABELS.items()),
            "query": query,
            "query_without_queue": "&".join(
                p for p in query.split("&") if p and not p.startswith("queue=")
            ),
            "saved_filters": list(queries.saved_filters(access)),
            "save_form": save_form,
            "coordinating": coordinating,
            "organisations": list(
                access.scope(Organisation.objects.filter(is_active=True)).order_by("name")
            )
            if coordinating
            else [],
        },
        status=400 if filter_problems else 200,
    )


def _status_label(value: str | None) -> str:
    return str(Status(value).label) if value in Status.values else ""


def _merge_note(event: AuditEvent) -> str:
    """What a merge event says on the case page: on the kept case which reports were merged
    into it, on a merged report which case it was merged into."""
    if event.action != AuditAction.CASE_MERGED:
        return ""
    merged = (event.changes.get("merged") or [None, None])[1]
    if merged:
        return _("merged into this case: %(references)s") % {
            "references": ", ".join(str(r) for r in merged)
        }
    into = (event.changes.get("duplicate_of") or [None, None])[1]
    return _("merged into %(reference)s") % {"reference": into} if into else ""


def _history(access: Access, incident: Incident) -> list[tuple[AuditEvent, str, str, str]]:
    """The case's events, with status changes as translated labels (old, new) and what a merge
    joined; empty for the roles the audit policy keeps them from
    (audit/queries.may_read_case_history)."""
    events = audit_queries.case_history(access, incident)
    out = []
    for event in events:
        old, new = (event.changes.get("status") or [None, None])[:2]
        out.append((event, _status_label(old), _status_label(new), _merge_note(event)))
    return out


def _map_markers(
    access: Access, incident: Incident, neighbours: list[nearby.Neighbour]
) -> dict[str, Any]:
    """The case page map's points (read by map.js from a JSON script element): the case, and
    the incidents nearby in space and time that the user may see."""
    slug = access.municipality.slug

    def label(i: Incident) -> str:
        when = i.occurred_at or i.occurred_from
        return f"{i.reference}: {i.category.label}, {formatting.moment(when) if when else ''}"

    return {
        "focus": {"lat": incident.lat, "lon": incident.lon, "label": label(incident)}
        if incident.lat is not None and incident.lon is not None
        else None,
        "nearby": [
            {
                "lat": n.incident.lat,
                "lon": n.incident.lon,
                "label": label(n.incident),
                "url": reverse("incident_detail", args=[slug, n.incident.pk]),
            }
            for n in neighbours
        ],
        "labelOpen": _("Open the case"),
    }


@municipality_view(Permission.REPORT_INCIDENTS)
def incident_detail(request: HttpRequest, access: Access, incident_id: int) -> HttpResponse:
    incident: Incident = access.get_or_404(queries.incidents(access), pk=incident_id)
    held = capacities(access, incident)
    status_form = StatusForm(initial={"version": incident.version})
    assign_form = AssignForm(
        access,
        initial={
            "version": incident.version,
            "organisation": incident.handling_organisation,
            "due_date": incident.due_date,
        },
    )
    comment_form = CommentForm()
    photo_form = PhotoForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "photo":
                photo_form = PhotoForm(request.POST, request.FILES)
                if photo_form.is_valid():
                    add_photos(access, incident, _uploaded(photo_form.cleaned_data["photo"]))
                    messages.success(request, _("The photo was added."))
                    return redirect(request.path)
            elif action == "status":
                status_form = StatusForm(request.POST)
                if status_form.is_valid():
                    cases.transition(
                        access,
                        incident,
                        Status(status_form.cleaned_data["to"]),
                        comment=status_form.cleaned_data["comment"],
                        expected_version=status_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The status was changed."))
                    return redirect(request.path)
            elif action == "assign":
                assign_form = AssignForm(access, request.POST)
                if assign_form.is_valid():
                    cases.assign(
                        access,
                        incident,
                        assign_form.cleaned_data["organisation"],
                        due_date=assign_form.cleaned_data["due_date"],
                        expected_version=assign_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The case was assigned."))
                    return redirect(request.path)
            elif action == "comment":
                comment_form = CommentForm(request.POST)
                if comment_form.is_valid():
                    cases.add_comment(
                        access,
                        incident,
                        comment_form.cleaned_data["text"],
                        internal=comment_form.cleaned_data["internal"],
                    )
                    messages.success(request, _("The comment was added."))
                    return redirect(request.path)
            elif action == "merge":
                if COORDINATION not in held:
                    raise PermissionDenied
                chosen = request.POST.getlist("duplicate")
                others = list(
                    queries.incidents(access).filter(pk__in=[int(c) for c in chosen if c.isdigit()])
                )
                if others:
                    cases.merge(access, incident, others)
                    messages.success(
                        request, _("%(n)d reports were merged into this case.") % {"n": len(others)}
                    )
                return redirect(request.path)
        except cases.ConflictError as error:
            messages.error(request, error.messages[0])
        except ValidationError as error:
            forms_by_action = {
                "status": status_form,
                "assign": assign_form,
                "comment": comment_form,
                "photo": photo_form,
            }
            target = forms_by_action.get(action or "", comment_form)
            target.add_error(None, error.messages)
    neighbours = nearby.nearby(access, incident)
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "free_text": free_text(access, incident),
            # "Assigned" without an organisation is refused (cases.transition): the way there
            # is the "Assign" form, so no button offers it.
            "moves": [
                (s.value, s.label)
                for s in allowed_moves(access, incident)
                if s != Status.ASSIGNED or incident.handling_organisation_id is not None
            ],
            "can_coordinate": COORDINATION in held,
            "status_form": status_form,
            "assign_form": assign_form,
            "comment_form": comment_form,
            "photo_form": photo_form,
            "photos": list(incident.photos.all()),
            "comments": cases.visible_comments(access, incident),
            "history": _history(access, incident),
            "show_history": audit_queries.may_read_case_history(access, incident),
            "candidates": duplicates.described(
                access, incident, duplicates.candidates(access, incident)
            )
            if COORDINATION in held
            else [],
            "nearby": neighbours,
            "nearby_radius": int(nearby.RADIUS_M),
            "nearby_days": nearby.DAYS,
            "map_markers": _map_markers(access, incident, neighbours),
            "duplicates": list(queries.incidents(access).filter(duplicate_of=incident)),
        },
    )


@municipality_view(Permission.REPORT_INCIDENTS)
def incident_export(request: HttpRequest, access: Access, fmt: str) -> HttpResponseBase:
    """The filtered case list as CSV, XLSX or GeoJSON; every export is logged. More rows than
    EXPORT_BACKGROUND_ROWS are exported by the task worker: the user is sent to the job's page,
    which offers the file when it is made (exchange/jobs.py)."""
    from django.conf import settings

    from samtrygg.exchange import jobs

    filters = IncidentFilterForm(access, request.GET or None)
    if problems := filters.problems():
        return HttpResponseBadRequest(
            _("Nothing was exported: %(problems)s") % {"problems": " ".join(problems)},
            content_type="text/plain; charset=utf-8",
        )
    rows = filters.rows()
    count = rows.count()
    if count > settings.EXPORT_BACKGROUND_ROWS:
        job = jobs.start_export(access, fmt, filters.query_string())
        return redirect("job_detail", municipality=access.municipality.slug, job_id=job.pk)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"handelser-{access.municipality.slug}-{stamp}.{fmt}"
    with transaction.atomic():
        exports.log_export(access, fmt, count, filters.query_string())
    response: HttpResponseBase
    if fmt == "xlsx":
        response = HttpResponse(exports.xlsx_bytes(access, rows), content_type=exports.FORMATS[fmt])
    else:
        chunks = (
            exports.csv_lines(access, rows)
            if fmt == "csv"
            else exports.geojson_chunks(access, rows)
        )
        response = StreamingHttpResponse(
            chunks, content_type=f"{exports.FORMATS[fmt]}; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@municipality_view(Permission.REPORT_INCIDENTS)
def incident_photo(
    request: HttpRequest, access: Access, incident_id: int, photo_id: int
) -> FileResponse:
    """A photo, only for those who may see its case (photos are never public media files)."""
    incident: Incident = access.get_or_404(queries.incidents(access), pk=incident_id)
    photo = get_object_or_404(IncidentPhoto, pk=photo_id, incident=incident)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
