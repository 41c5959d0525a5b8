"""E-mail notifications (Swedish, sent by the task worker): cases assigned to an organisation,
status changes, the reporter's outcome, a weekly "what happened with your reports", and the
reminder when a weekly report is missing. Each user chooses which they get."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskContext, task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.audit.services import diff, record
from samtrygg.core.models import SentMail
from samtrygg.tenancy.models import Municipality, User
from samtrygg.tenancy.roles import Role

from .models import Incident, NotificationPreference, Status
from .visibility import organisation_reads_free_text
from .weekly import missing_reporters, missing_weekly_reports

OUTCOME_STATUSES = {Status.RESOLVED, Status.CLOSED, Status.REJECTED}


def preference(user: User) -> NotificationPreference:
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def _wants(users: list[User], what: str) -> list[User]:
    opted_out = set(
        NotificationPreference.objects.filter(user__in=users, **{what: False}).values_list(
            "user_id", flat=True
        )
    )
    return [u for u in users if u.is_active and u.pk not in opted_out]


def _send(template: str, context: dict[str, Any], recipients: list[User], task_id: str = "") -> int:
    """One mail per recipient; from a task (``task_id``), once even when the task runs again."""
    if not recipients:
        return 0
    with translation.override("sv"):
        subject = render_to_string(f"incidents/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"incidents/email/{template}_body.txt", context)
    for user in recipients:  # one mail each: recipients do not see each other
        if task_id:
            SentMail.send_once(f"{task_id}:{template}:{user.pk}", subject, body, [user.email])
        else:
            send_mail(subject, body, None, [user.email])
    return len(recipients)


def _link(incident: Incident) -> str:
    path = reverse("incident_detail", args=[incident.municipality.slug, incident.pk])
    return settings.SITE_URL.rstrip("/") + path


def _handlers(incident: Incident) -> list[User]:
    if incident.handling_organisation_id is None:
        return []
    return list(
        User.objects.filter(
            memberships__organisation_id=incident.handling_organisation_id,
            memberships__role__gte=Role.HANDLER,
        ).distinct()
    )


def _incident(incident_id: int) -> Incident:
    return Incident.objects.select_related(
        "municipality", "category", "area", "handling_organisation"
    ).get(pk=incident_id)


def _place(incident: Incident) -> str:
    """The place text, only when the handling organisation may read it (visibility.py): the
    same mail goes to all its handlers (and to the reporter, who knows the place anyway)."""
    if incident.handling_organisation_id is None or organisation_reads_free_text(
        incident.handling_organisation, incident
    ):
        return incident.place_name
    return ""


@task(takes_context=True)
def notify_assignment(context: TaskContext, incident_id: int, actor_id: int | None) -> int:
    incident = _incident(incident_id)
    recipients = [u for u in _wants(_handlers(incident), "case_updates") if u.pk != actor_id]
    values = {"incident": incident, "link": _link(incident), "place": _place(incident)}
    return _send("assigned", values, recipients, str(context.task_result.id))


@task(takes_context=True)
def notify_status(
    context: TaskContext, incident_id: int, old: str, new: str, actor_id: int | None
) -> int:
    incident = _incident(incident_id)
    people = _handlers(incident)
    if new in OUTCOME_STATUSES and incident.reported_by_id:
        people.append(User.objects.get(pk=incident.reported_by_id))
    recipients = [
        u
        for u in _wants(list({u.pk: u for u in people}.values()), "case_updates")
        if u.pk != actor_id
    ]
    values = {
        "incident": incident,
        "link": _link(incident),
        "place": _place(incident),
        "old": Status(old).label,
        "new": Status(new).label,
    }
    return _send("status", values, recipients, str(context.task_result.id))


def _last_week(now: datetime) -> tuple[int, int]:
    year, week, _day = (timezone.localtime(now).date() - timedelta(days=7)).isocalendar()
    return year, week


def _remind(municipality: Municipality, year: int, week: int, actor: Any, log_none: bool) -> int:
    """E-mail the reporters missing for the week (who want reminders); logged."""
    missing = missing_reporters(municipality, year, week)
    users = _wants(list({m.user_id: m.user for m in missing}.values()), "reminders")
    link = settings.SITE_URL.rstrip("/") + reverse("weekly_report", args=[municipality.slug])
    context = {"municipality": municipality, "week": week, "year": year, "link": link}
    count = _send("reminder", context, users)
    if count or log_none:
        record(
            AuditAction.NOTIFICATION_SENT,
            actor=actor,
            municipality=municipality,
            changes={
                "kind": "weekly_report_reminder",
                "week": f"{year}-W{week:02d}",
                "sent": count,
            },
        )
    return count


def send_missing_report_reminders(now: datetime) -> dict[str, int]:
    """Remind each reporter whose report for last week is missing (scheduled on Mondays)."""
    year, week = _last_week(now)
    return {
        municipality.slug: _remind(municipality, year, week, "samtrygg", log_none=False)
        for municipality in Municipality.objects.all()
    }


def _outcomes_since(since: datetime) -> dict[int, list[tuple[str, str]]]:
    """incident id → status changes (old, new) since the given time, from the event log."""
    changes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    events = AuditEvent.objects.filter(
        action=AuditAction.CASE_STATUS_CHANGED, at__gte=since, object_type="incidents.incident"
    ).values_list("object_id", "changes")
    for object_id, change in events:
        old, new = (change.get("status") or [None, None])[:2]
        changes[int(object_id)].append((old, new))
    return changes


def send_weekly_summaries(now: datetime) -> dict[str, int]:
    """Each reporter's weekly summary of what happened with the reports they made."""
    since = now - timedelta(days=7)
    changed = _outcomes_since(since)
    mine = Incident.objects.filter(
        Q(pk__in=list(changed)) | Q(created_at__gte=since), reported_by__isnull=False
    ).select_related("municipality", "category")
    by_user: dict[int, list[Incident]] = defaultdict(list)
    for incident in mine:
        by_user[incident.reported_by_id].append(incident)  # type: ignore[index]
    users = _wants(list(User.objects.filter(pk__in=list(by_user))), "weekly_summary")
    sent = 0
    for user in users:
        incidents = sorted(by_user[user.pk], key=lambda i: i.reference)
        rows = [(i, Status(i.status).label, _link(i)) for i in incidents]
        sent += _send("summary", {"rows": rows, "since": since.date()}, [user])
    return {"sent": sent}


def remind_now(access: Any, iso_year: int, iso_week: int) -> int:
    """A coordinator reminds the reporters missing for a week, at once."""
    missing_weekly_reports(access, iso_year, iso_week)  # 403 unless a coordinator
    return _remind(access.municipality, iso_year, iso_week, access.user, log_none=True)


def save_preference(user: User, **values: bool) -> NotificationPreference:
    with transaction.atomic():
        existing = NotificationPreference.objects.filter(user=user).first()
        before = {name: getattr(existing, name) for name in values} if existing else {}
        chosen, _created = NotificationPreference.objects.update_or_create(
            user=user, defaults=values
        )
        record(
            AuditAction.PREFERENCES_CHANGED, actor=user, obj=chosen, changes=diff(before, values)
        )
    return chosen
