"""The weekly EST lägesbild ("Lägesbild vecka N"): what happened since last week per area, the
areas' assessments, hot spots, alerts, and open and overdue cases. It goes to every actor, so
restricted categories are left out. Made on demand and e-mailed on the municipality's chosen
weekday."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from samtrygg.analysis.alerts import farrington
from samtrygg.analysis.hotspots import gi_star
from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.core import formatting
from samtrygg.documents import render as render_document
from samtrygg.documents.model import Document, Section
from samtrygg.incidents.models import AreaAssessment, Category, Incident, Status
from samtrygg.incidents.weekly import missing_reporters
from samtrygg.tenancy.models import Municipality

from . import disclosure
from .aggregates import per_area, restricted_ids, shared_mask, weekly_counts
from .geometry import geometry_for
from .localtime import day_number, local_days, local_minutes
from .models import WeeklyPictureSettings
from .release import Release, release_for
from .snapshot import snapshot
from .templatetags.disclosure import count_or_hidden

OPEN = (Status.NEW, Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS)


def week_of(day: date) -> tuple[int, int]:
    year, week, _day = day.isocalendar()
    return year, week


def build(municipality: Municipality, iso_year: int, iso_week: int) -> dict[str, Any]:
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    sunday = monday + timedelta(days=6)
    snap = snapshot(municipality.pk)
    restricted = restricted_ids(municipality)
    days = local_days(snap["start"])
    shared = shared_mask(snap, municipality)
    this = shared & (days >= day_number(monday)) & (days <= day_number(sunday))
    last = shared & (days >= day_number(monday) - 7) & (days < day_number(monday))
    areas = list(Area.objects.filter(municipality=municipality).values_list("pk", "name"))
    ids = np.array([pk for pk, _n in areas], dtype=np.int64)
    now_counts = per_area(snap["area"][this], ids)
    before = per_area(snap["area"][last], ids)
    labels = dict(Category.objects.filter(municipality=municipality).values_list("pk", "label_sv"))
    area_rows = []
    for (pk, name), n, p in zip(areas, now_counts.tolist(), before.tolist(), strict=True):
        chosen = this & (snap["area"] == pk)
        top = np.bincount(snap["category"][chosen]) if chosen.any() else np.zeros(0)
        ranked = [int(c) for c in np.argsort(top)[::-1][:3] if top[c] > 0]
        area_rows.append(
            {
                "id": pk,
                "area": name,
                "count": n,
                "previous": p,
                "main": [labels.get(c, "") for c in ranked],
                "main_counts": [int(top[c]) for c in ranked],
            }
        )
    assessments = [
        {
            "area": a.area.name,
            "level": a.get_level_display(),
            "colour": a.level,
            "comment": a.comment,
            "by": a.weekly_report.organisation.name,
        }
        for a in AreaAssessment.objects.filter(
            weekly_report__municipality=municipality,
            weekly_report__iso_year=iso_year,
            weekly_report__iso_week=iso_week,
        )
        .select_related("area", "weekly_report__organisation")
        .order_by("area__name")
    ]
    return {
        "municipality": municipality.name,
        "year": iso_year,
        "week": iso_week,
        "monday": monday,
        "sunday": sunday,
        "total": int(this.sum()),
        "previous_total": int(last.sum()),
        "per_area": sorted(area_rows, key=lambda r: -r["count"]),
        "assessments": assessments,
        "hotspots": _hotspots(municipality, snap, shared, days, sunday),
        "alerts": _alerts(snap, shared, days, sunday, labels),
        "cases": _cases(municipality, restricted),
        "missing": len(missing_reporters(municipality, iso_year, iso_week)),
        "happenings": _happenings(snap, this, areas, labels),
        **_meeting(municipality, sunday),
    }


DAY_NAMES = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
BAND_NAMES = ["natt (00–06)", "förmiddag (06–12)", "eftermiddag (12–18)", "kväll (18–24)"]
HAPPENINGS_MAX = 300


def _happenings(
    snap: Any, this: Any, areas: list[tuple[int, str]], labels: dict[int, str]
) -> list[dict[str, Any]]:
    """What happened where: per area, each incident's category, weekday and time of day (in
    six-hour bands), in time order. Places stay areas; no free text, no street."""
    names = dict(areas)
    chosen = np.flatnonzero(this)
    chosen = chosen[np.argsort(snap["start"][chosen], kind="stable")][:HAPPENINGS_MAX]
    local = local_minutes(snap["start"][chosen])
    weekday = ((local // 1440) + 3) % 7
    band = (local % 1440) // 60 // 6
    by_area: dict[str, list[str]] = {}
    for k, day, part in zip(chosen.tolist(), weekday.tolist(), band.tolist(), strict=True):
        area = names.get(int(snap["area"][k]), "Utan område")
        label = labels.get(int(snap["category"][k]), "")
        by_area.setdefault(area, []).append(f"{label}, {DAY_NAMES[day]} {BAND_NAMES[part]}")
    return [{"area": area, "items": items} for area, items in sorted(by_area.items())]


def _meeting(municipality: Municipality, sunday: date) -> dict[str, Any]:
    """The last EST meeting on or before the week's Sunday: its tasks and whether they are done
    ("gjort sedan förra veckan"), and its decisions ("fokus nästa vecka")."""
    from samtrygg.plans.models import Meeting, MeetingKind

    meeting = (
        Meeting.objects.filter(municipality=municipality, kind=MeetingKind.WEEKLY, date__lte=sunday)
        .prefetch_related("tasks__organisation")
        .first()
    )
    if meeting is None:
        return {"meeting": None, "tasks": [], "focus": ""}
    return {
        "meeting": meeting.date,
        "tasks": [
            {
                "text": task.text,
                "organisation": task.organisation.name,
                "due": task.due,
                "done": task.done,
            }
            for task in meeting.tasks.all()
        ],
        "focus": meeting.decisions,
    }


def with_map(content: dict[str, Any], municipality: Municipality) -> dict[str, Any]:
    """The picture with its map: the week's incidents per area, drawn from the counts the
    content holds (for aggregates-only readers the protected ones; a hidden area is marked)."""
    from samtrygg.documents import charts

    if not municipality.boundary:
        return {**content, "map": None}
    areas = list(Area.objects.filter(municipality=municipality).values_list("name", "geometry"))
    counts: dict[str, float | None] = {
        row["area"]: row["count"] if isinstance(row["count"], int) else None
        for row in content["per_area"]
    }
    png = charts.choropleth(
        municipality.boundary, areas, counts, f"Händelser per område, vecka {content['week']}"
    )
    return {**content, "map": base64.b64encode(png).decode()}


def _hotspots(
    municipality: Municipality, snap: Any, shared: Any, days: Any, sunday: date
) -> list[dict[str, Any]]:
    geometry = geometry_for(municipality)
    if geometry is None:
        return []
    recent = (
        shared
        & (days > day_number(sunday) - 28)
        & (days <= day_number(sunday))
        & ~np.isnan(snap["x"])
    )
    counts = geometry.inside_counts(snap["x"][recent], snap["y"][recent])
    if counts.sum() == 0:
        return []
    result = gi_star(counts, geometry.weights)
    names = dict(Area.objects.filter(municipality=municipality).values_list("pk", "name"))
    by_area: dict[str, int] = {}
    for k in np.flatnonzero(result.bins >= 2):
        area = geometry.cell_area[k]
        name = names.get(area, "–") if area is not None else "–"
        by_area[name] = by_area.get(name, 0) + 1
    return [{"area": a, "squares": n} for a, n in sorted(by_area.items(), key=lambda i: -i[1])]


def _alerts(snap: Any, shared: Any, days: Any, sunday: date, labels: dict[int, str]) -> list[str]:
    weeks = 3 * 52 + 4
    first = day_number(sunday) - weeks * 7 + 1
    mask = shared & (days >= first) & (days <= day_number(sunday))
    week = (days[mask] - first) // 7
    ids = list(labels)
    if not ids:
        return []
    result = farrington(weekly_counts(snap["category"][mask], week, ids, weeks))
    return [labels[pk] for row, pk in enumerate(ids) if result.alert[row, -1]]


def _cases(municipality: Municipality, restricted: list[int]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    rows = (
        Incident.objects.filter(
            municipality=municipality, status__in=OPEN, handling_organisation__isnull=False
        )
        .exclude(category_id__in=restricted)
        .values("handling_organisation__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
        .order_by("-open")
    )
    return [
        {
            "organisation": r["handling_organisation__name"],
            "open": r["open"],
            "overdue": r["overdue"],
        }
        for r in rows
    ]


def suppressed(content: dict[str, Any], release: Release) -> dict[str, Any]:
    """The picture as aggregates-only users may see it: the week must be the release's last
    completed ISO week, and every count is the release's (situation/disclosure.py), so that the
    picture and the map, the dashboard and the public page hide the same cells and no hidden
    area can be computed from the week's total ("5 in all, 3 in one area" no longer tells 2).
    """
    threshold = disclosure.threshold()

    this, before = release.period("week"), release.period("previous:week")
    if (content["monday"], content["sunday"]) != (this.first, this.last):
        raise ValueError("aggregates-only users see the last completed week only")
    now = dict(zip(release.area_ids, this.tables["area"].shown(), strict=True))
    then = dict(zip(release.area_ids, before.tables["area"].shown(), strict=True))
    out = dict(content)
    out["total"] = count_or_hidden(this.shown_total())
    out["previous_total"] = count_or_hidden(before.shown_total())
    out["per_area"] = [
        {
            **row,
            "count": count_or_hidden(now.get(row["id"])),
            "previous": count_or_hidden(then.get(row["id"])),
            # Only categories with enough incidents in the area: "the main ones were A, B and C"
            # of an area with three incidents would tell one of each.
            "main": [
                label
                for label, n in zip(row["main"], row["main_counts"], strict=True)
                if n >= threshold and now.get(row["id"]) is not None
            ],
        }
        for row in content["per_area"]
    ]
    # Single incidents' category, area and time: not for aggregates-only readers.
    out["happenings"] = None
    # An alert names a category: only one whose count this week may be shown.
    out["alerts"] = [label for label in content["alerts"] if label in _shown_categories(release)]
    cases = content["cases"]
    open_counts, _ = disclosure.protect_breakdown([r["open"] for r in cases])
    overdue_counts, _ = disclosure.protect_breakdown([r["overdue"] for r in cases])
    out["cases"] = [
        {
            **row,
            "open": count_or_hidden(o),
            # Overdue within open: their difference would be a count too.
            "overdue": count_or_hidden(
                None if disclosure.is_small(row["open"] - row["overdue"]) else d
            ),
        }
        for row, o, d in zip(cases, open_counts, overdue_counts, strict=True)
    ]
    return out


def _shown_categories(release: Release) -> set[str]:
    labels = dict(
        Category.objects.filter(pk__in=release.category_ids).values_list("pk", "label_sv")
    )
    table = release.period("week").tables["category"].shown()
    return {labels[pk] for pk, value in zip(release.category_ids, table, strict=True) if value}


def happenings_hidden() -> str:
    return _("The list of single incidents is not part of this version, which shows totals only.")


def meeting_heading(content: dict[str, Any]) -> str:
    if content.get("meeting"):
        return _("Done since last week (tasks from the EST meeting %(date)s)") % {
            "date": f"{content['meeting']:%Y-%m-%d}"
        }
    return _("Done since last week")


def task_line(task: dict[str, Any]) -> str:
    if task["done"]:
        state = pgettext("task", "done")
    else:
        state = _("not done, due %(date)s") % {"date": f"{task['due']:%Y-%m-%d}"}
    return f"{task['text']} – {task['organisation']} ({state})"


def _count(value: Any) -> str:
    """A count as the one formatter writes it; a hidden one as the word the release gives."""
    return formatting.number(value) if isinstance(value, int) else str(value)


def _lead(content: dict[str, Any]) -> list[str]:
    total, previous = content["total"], content["previous_total"]
    incidents = (
        formatting.incidents(total)
        if isinstance(total, int)
        else ngettext("%(n)s incident", "%(n)s incidents", 2) % {"n": total}
    )
    return [
        _("%(period)s: %(incidents)s (%(before)s the week before).")
        % {
            "period": formatting.period(content["monday"], content["sunday"]),
            "incidents": incidents,
            "before": _count(previous),
        }
        + " "
        + ngettext(
            "%(n)s reporter has not reported.",
            "%(n)s reporters have not reported.",
            content["missing"],
        )
        % {"n": formatting.number(content["missing"])}
        + " "
        + _("Categories with restricted visibility are left out."),
    ]


def _sections(content: dict[str, Any]) -> list[Section]:
    area_header = [
        pgettext("place", "Area"),
        _("Incidents"),
        _("The week before"),
        _("Most common"),
    ]
    out = [
        Section(
            _("Per area"),
            header=area_header if content["per_area"] else [],
            rows=[
                [r["area"], _count(r["count"]), _count(r["previous"]), ", ".join(r["main"])]
                for r in content["per_area"]
            ],
            paragraphs=[] if content["per_area"] else [_("None.")],
        ),
        Section(
            _("Assessments of the areas"),
            header=[pgettext("place", "Area"), _("Assessment"), _("By"), _("Comment")]
            if content["assessments"]
            else [],
            rows=[[a["area"], a["level"], a["by"], a["comment"]] for a in content["assessments"]],
            paragraphs=[] if content["assessments"] else [_("No assessments.")],
        ),
        Section(
            _("Hot spots, last four weeks"),
            bullets=[
                ngettext(
                    "%(area)s: %(n)s square (Gi*, 95 %%)",
                    "%(area)s: %(n)s squares (Gi*, 95 %%)",
                    h["squares"],
                )
                % {"area": h["area"], "n": formatting.number(h["squares"])}
                for h in content["hotspots"]
            ],
            paragraphs=[] if content["hotspots"] else [_("None.")],
        ),
        Section(
            _("Alerts"),
            paragraphs=[
                _("Unusually many incidents this week: %(categories)s.")
                % {"categories": ", ".join(content["alerts"])}
                if content["alerts"]
                else _("No unusual increases.")
            ],
        ),
        Section(
            _("Open and overdue cases"),
            header=[_("Organisation"), pgettext("cases", "Open"), pgettext("cases", "Overdue")]
            if content["cases"]
            else [],
            rows=[
                [c["organisation"], _count(c["open"]), _count(c["overdue"])]
                for c in content["cases"]
            ],
            paragraphs=[] if content["cases"] else [_("No open cases.")],
        ),
        Section(
            _("Map"),
            images=[("map", map_caption(content))] if content.get("map") else [],
            paragraphs=[]
            if content.get("map")
            else [_("No map: the municipality's boundary is missing.")],
        ),
    ]
    happenings = content["happenings"]
    out.append(
        Section(
            _("What happened where"),
            paragraphs=[happenings_hidden()]
            if happenings is None
            else ([] if happenings else [_("None.")]),
        )
    )
    out += [Section(g["area"], bullets=g["items"], level=2) for g in happenings or []]
    tasks = [task_line(t) for t in content["tasks"]]
    out += [
        Section(
            meeting_heading(content),
            bullets=tasks,
            paragraphs=[] if tasks else [_("No tasks.")],
        ),
        Section(
            _("Focus next week"),
            paragraphs=[" ".join(p.split()) for p in content["focus"].split("\n\n") if p.strip()]
            or [_("Nothing decided.")],
        ),
    ]
    return out


def map_caption(content: dict[str, Any]) -> str:
    return _("Map: incidents per area, week %(week)s.") % {"week": content["week"]}


def document(content: dict[str, Any], municipality: Municipality) -> Document:
    """The week's picture as one document (documents/model.py) for the PDF and the Word file."""
    with translation.override("sv"):
        return Document(
            title=_("Lägesbild week %(week)s") % {"week": content["week"]},
            subject=_("EST lägesbild"),
            lead=_lead(content),
            sections=_sections(content),
            images={"map": content["map"]} if content.get("map") else {},
            municipality=municipality,
            keywords=[_("lägesbild"), _("EST"), _("week %(week)s") % {"week": content["week"]}],
        )


def pdf_bytes(content: dict[str, Any], municipality: Municipality) -> bytes:
    return render_document.pdf(document(content, municipality))


def docx_bytes(content: dict[str, Any], municipality: Municipality) -> bytes:
    return render_document.docx(document(content, municipality))


def send(
    municipality: Municipality,
    iso_year: int,
    iso_week: int,
    actor: Any = None,
    once: str | None = None,
) -> int:
    """E-mail the week's lägesbild (PDF and Word attached) to the distribution list. With
    ``once`` (a task run's key) it is sent at most once, also when the task runs again."""
    settings_row = WeeklyPictureSettings.objects.filter(municipality=municipality).first()
    recipients = settings_row.addresses() if settings_row else []
    if not recipients:
        return 0
    # The list reaches people outside the municipality's own staff: the protected picture, as of
    # the Monday after the week (release.py), like a viewer reading it that week.
    content = build(municipality, iso_year, iso_week)
    content = suppressed(content, release_for(municipality, content["sunday"] + timedelta(days=1)))
    content = with_map(content, municipality)
    name = f"lagesbild-vecka-{iso_week}"
    with translation.override("sv"):
        message = EmailMessage(
            subject=_("Lägesbild week %(week)d, %(name)s")
            % {"week": iso_week, "name": municipality.name},
            body=_(
                "Hello!\n\nHere is the lägesbild for week %(week)d: %(n)s incidents "
                "(%(before)s the week before), as PDF and Word.\n\nSamtrygg\n"
            )
            % {"week": iso_week, "n": content["total"], "before": content["previous_total"]},
            bcc=recipients,
        )
    message.attach(f"{name}.pdf", pdf_bytes(content, municipality), "application/pdf")
    message.attach(
        f"{name}.docx",
        docx_bytes(content, municipality),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    if once is not None:
        from samtrygg.core.models import SentMail

        if not SentMail.send_message_once(once, message):
            return 0
    else:
        message.send()
    with transaction.atomic():
        if settings_row:
            settings_row.last_sent = f"{iso_year}-W{iso_week:02d}"
            settings_row.save(update_fields=["last_sent"])
        record(
            AuditAction.NOTIFICATION_SENT,
            actor=actor or "samtrygg",
            municipality=municipality,
            changes={
                "kind": "weekly_picture",
                "week": f"{iso_year}-W{iso_week:02d}",
                "sent": len(recipients),
            },
        )
    return len(recipients)


def save_settings(access: Any, *, recipients: str, weekday: int, hour: int) -> None:
    """The distribution list and the weekday it goes out (coordinators); logged."""
    from samtrygg.tenancy.roles import Permission

    access.require(Permission.APPROVE_SITUATION_REPORTS)
    with transaction.atomic():
        row, _created = WeeklyPictureSettings.objects.update_or_create(
            municipality=access.municipality,
            defaults={"recipients": recipients, "weekday": weekday, "hour": hour},
        )
        record(
            AuditAction.SITUATION_REPORT_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            object_repr="Sändlista för veckans lägesbild",
            changes={"recipients": len(row.addresses()), "weekday": weekday, "hour": hour},
        )


def send_due(now: Any) -> dict[str, int]:
    """Scheduled: each municipality's picture of the week just ended, on its chosen weekday."""
    local = timezone.localtime(now)
    year, week = week_of(local.date() - timedelta(days=7))
    key = f"{year}-W{week:02d}"
    sent = {}
    for row in WeeklyPictureSettings.objects.select_related("municipality"):
        if (local.weekday(), local.hour) >= (row.weekday, row.hour) and row.last_sent != key:
            sent[row.municipality.slug] = send(row.municipality, year, week)
    return sent
