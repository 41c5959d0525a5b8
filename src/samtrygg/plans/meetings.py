"""EST meetings: an agenda built from the data, decisions and tasks recorded during the meeting,
and minutes as PDF and Word sent to the participants."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.core import formatting
from samtrygg.documents import render as render_document
from samtrygg.documents.model import Document, Section
from samtrygg.incidents.models import AreaAssessment, Incident, Status, Visibility
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.models import User
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import Meeting, MeetingKind, MeetingTask

OPEN = (Status.NEW, Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS)


def agenda(access: Access, kind: str, on: date) -> dict[str, Any]:
    """What the group should look at: new incidents per area since the last meeting, hot spots
    and alerts (from the weekly picture), overdue cases, open tasks, assessments."""
    from samtrygg.situation.weekly_picture import build

    last = (
        Meeting.objects.filter(municipality=access.municipality, kind=kind, date__lt=on)
        .order_by("-date")
        .first()
    )
    since = last.date if last else on - timedelta(days=14 if kind == MeetingKind.WEEKLY else 91)
    incidents = (
        Incident.objects.filter(municipality=access.municipality, created_at__date__gt=since)
        .exclude(status__in=[Status.DUPLICATE, Status.REJECTED])
        .exclude(category__visibility=Visibility.RESTRICTED)
    )
    per_area = list(incidents.values("area__name").annotate(n=Count("id")).order_by("-n")[:15])
    year, week, _day = (on - timedelta(days=7)).isocalendar()
    picture = build(access.municipality, year, week)
    overdue = Incident.objects.filter(
        municipality=access.municipality, status__in=OPEN, due_date__lt=on
    ).count()
    tasks = MeetingTask.objects.filter(
        meeting__municipality=access.municipality, done=False
    ).select_related("organisation")
    assessments = (
        AreaAssessment.objects.filter(
            weekly_report__municipality=access.municipality,
            weekly_report__iso_year=year,
            weekly_report__iso_week=week,
        )
        .exclude(level="green")
        .select_related("area")
    )
    return {
        "since": since.isoformat(),
        "new_per_area": [{"area": r["area__name"] or "–", "count": r["n"]} for r in per_area],
        "hotspots": picture["hotspots"],
        "alerts": picture["alerts"],
        "overdue_cases": overdue,
        "open_tasks": [
            {"text": t.text, "organisation": t.organisation.name, "due": t.due.isoformat()}
            for t in tasks[:30]
        ],
        "assessments": [
            {"area": a.area.name, "level": a.level, "comment": a.comment} for a in assessments[:30]
        ],
    }


def create_meeting(access: Access, *, kind: str, date: date, participants: Any) -> Meeting:
    access.require(Permission.EDIT_PLANS)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            municipality=access.municipality,
            kind=kind,
            date=date,
            agenda=agenda(access, kind, date),
        )
        meeting.participants.set(participants)
        record(
            AuditAction.MEETING_CREATED,
            actor=access.user,
            municipality=access.municipality,
            obj=meeting,
            changes={
                "kind": kind,
                "date": date.isoformat(),
                "participants": sorted(o.name for o in meeting.participants.all()),
            },
        )
    return meeting


def save_decisions(access: Access, meeting: Meeting, text: str) -> None:
    access.require(Permission.EDIT_PLANS)
    errors = check_free_text({"decisions": text}, confirm_flagged=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = {"decisions": meeting.decisions}
        meeting.decisions = text.strip()
        meeting.save(update_fields=["decisions"])
        record(
            AuditAction.MEETING_DECISIONS_RECORDED,
            actor=access.user,
            municipality=access.municipality,
            obj=meeting,
            changes=diff(before, {"decisions": meeting.decisions}),
        )


def add_task(access: Access, meeting: Meeting, **data: Any) -> MeetingTask:
    access.require(Permission.EDIT_PLANS)
    if data["organisation"].municipality_id != access.municipality.pk:
        raise PermissionDenied
    with transaction.atomic():
        task = MeetingTask.objects.create(meeting=meeting, **data)
        record(
            AuditAction.MEETING_TASK_ADDED,
            actor=access.user,
            municipality=access.municipality,
            obj=task,
            changes={
                "meeting": str(meeting),
                "text": task.text,
                "organisation": task.organisation,
                "due": task.due.isoformat(),
            },
        )
    return task


def set_task_done(access: Access, task: MeetingTask, done: bool) -> MeetingTask:
    """Mark a task from a meeting done (today) or open again; followed from meeting to meeting
    until it is done."""
    access.require(Permission.EDIT_PLANS)
    with transaction.atomic():
        before = {"done": task.done, "done_on": task.done_on.isoformat() if task.done_on else None}
        task.done = done
        task.done_on = timezone.localdate() if done else None
        task.save(update_fields=["done", "done_on"])
        record(
            AuditAction.MEETING_TASK_DONE,
            actor=access.user,
            municipality=access.municipality,
            obj=task,
            changes=diff(
                before,
                {"done": task.done, "done_on": task.done_on.isoformat() if task.done_on else None},
            ),
        )
    return task


def open_earlier_tasks(meeting: Meeting) -> list[MeetingTask]:
    """Tasks from the municipality's earlier meetings that are not done: what this meeting
    follows up."""
    return list(
        MeetingTask.objects.filter(
            meeting__municipality=meeting.municipality, meeting__date__lt=meeting.date, done=False
        )
        .exclude(meeting=meeting)
        .select_related("organisation", "meeting")
        .order_by("due")[:50]
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def minutes_document(meeting: Meeting) -> Document:
    """The minutes as one document (documents/model.py) for the PDF and the Word file."""
    with translation.override("sv"):
        agenda = meeting.agenda or {}
        participants = ", ".join(o.name for o in meeting.participants.all()) or "–"
        since = agenda.get("since")
        found = [
            f"{h['area']}: "
            + ngettext("%(n)s square", "%(n)s squares", h["squares"])
            % {"n": formatting.number(h["squares"])}
            for h in agenda.get("hotspots", [])
        ] + [_("Alert: %(category)s") % {"category": a} for a in agenda.get("alerts", [])]
        tasks = [
            _("%(task)s – %(organisation)s, due %(date)s")
            % {
                "task": t.text,
                "organisation": t.organisation.name,
                "date": formatting.day(t.due),
            }
            + (
                " " + _("(measure: %(measure)s)") % {"measure": t.measure.title}
                if t.measure
                else ""
            )
            for t in meeting.tasks.select_related("organisation", "measure")
        ]
        return Document(
            title=_("Minutes: %(kind)s %(date)s")
            % {"kind": meeting.get_kind_display(), "date": formatting.day(meeting.date)},
            subject=_("Minutes"),
            lead=[_("Participants: %(names)s") % {"names": participants}],
            sections=[
                Section(
                    _("New incidents per area since %(date)s")
                    % {"date": formatting.day(date.fromisoformat(since))}
                    if since
                    else _("New incidents per area since the last meeting"),
                    bullets=[
                        f"{r['area']}: {formatting.number(r['count'])}"
                        for r in agenda.get("new_per_area", [])
                    ],
                    paragraphs=[] if agenda.get("new_per_area") else [_("None.")],
                ),
                Section(
                    _("Hot spots and alerts"),
                    paragraphs=[
                        *([] if found else [_("None.")]),
                        _("Overdue cases: %(n)s.")
                        % {"n": formatting.number(agenda.get("overdue_cases", 0))},
                    ],
                    bullets=found,
                ),
                Section(
                    _("Decisions"),
                    paragraphs=_lines(meeting.decisions) or [_("No decisions recorded.")],
                ),
                Section(_("Tasks"), bullets=tasks, paragraphs=[] if tasks else [_("None.")]),
            ],
            municipality=meeting.municipality,
            keywords=[pgettext("meeting", "minutes"), _("EST"), meeting.get_kind_display()],
        )


def minutes_pdf(meeting: Meeting) -> bytes:
    return render_document.pdf(minutes_document(meeting))


def minutes_docx(meeting: Meeting) -> bytes:
    return render_document.docx(minutes_document(meeting))


def minutes_response(meeting: Meeting, fmt: str) -> HttpResponse:
    if fmt == "pdf":
        response = HttpResponse(minutes_pdf(meeting), content_type="application/pdf")
    else:
        response = HttpResponse(
            minutes_docx(meeting),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    response["Content-Disposition"] = (
        f'attachment; filename="minnesanteckningar-{meeting.date}.{fmt}"'
    )
    return response


def send_minutes(access: Access, meeting: Meeting, once: str | None = None) -> int:
    """E-mail the minutes to the members of the participating organisations."""
    access.require(Permission.EDIT_PLANS)
    recipients = sorted(
        set(
            User.objects.filter(
                memberships__organisation__in=meeting.participants.all(), is_active=True
            )
            .exclude(memberships__role=100)
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return 0
    message = EmailMessage(
        subject=f"Minnesanteckningar {meeting.get_kind_display()} {meeting.date:%Y-%m-%d}",
        body="Hej!\n\nHär är minnesanteckningarna från mötet, som PDF och Word.\n\nSamtrygg\n",
        bcc=recipients,
    )
    message.attach(
        f"minnesanteckningar-{meeting.date}.pdf", minutes_pdf(meeting), "application/pdf"
    )
    message.attach(
        f"minnesanteckningar-{meeting.date}.docx",
        minutes_docx(meeting),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    if once is not None:
        from samtrygg.core.models import SentMail

        if not SentMail.send_message_once(once, message):
            return 0  # this task run sent them already
    else:
        message.send()
    record(
        AuditAction.NOTIFICATION_SENT,
        actor=access.user,
        municipality=access.municipality,
        obj=meeting,
        changes={"kind": "minutes", "sent": len(recipients)},
    )
    return len(recipients)
