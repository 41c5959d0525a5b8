"""Reminders before due dates: measures whose deadline is near and that are not green, and the
law's requirements that are due soon or overdue. Sent weekly to the coordinators and
administrators of each municipality."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.tenancy.models import Municipality, User
from samtrygg.tenancy.roles import Role

from . import compliance
from .models import Measure

MEASURE_DAYS = 30


def reminders_for(municipality: Municipality, today: Any) -> list[str]:
    lines = []
    soon = (
        Measure.objects.filter(
            plan__municipality=municipality,
            deadline__lte=today + timedelta(days=MEASURE_DAYS),
            deadline__gte=today - timedelta(days=MEASURE_DAYS),
        )
        .exclude(colour="green")
        .select_related("responsible")
    )
    for measure in soon:
        lines.append(
            _("Measure “%(title)s” (%(org)s) is due on %(due)s.")
            % {"title": measure.title, "org": measure.responsible.name, "due": measure.deadline}
        )
    # Reminders are for what is done and due again, or due soon: a requirement never met is on
    # the compliance page, not in a weekly e-mail.
    for item in [*compliance.items(municipality, today), *compliance.routines(municipality, today)]:
        due_soon = item.due and (item.due - today).days <= compliance.DUE_SOON_DAYS
        if item.status == compliance.OVERDUE and item.due and item.evidence:
            lines.append(
                _("%(section)s: %(requirement)s – overdue since %(due)s.")
                % {"section": item.paragraph, "requirement": item.requirement, "due": item.due}
            )
        elif item.status in (compliance.DUE_SOON, compliance.NOT_DONE) and due_soon:
            lines.append(
                _("%(section)s: %(requirement)s – due on %(due)s.")
                % {"section": item.paragraph, "requirement": item.requirement, "due": item.due}
            )
    return lines


def send_reminders(now: datetime) -> dict[str, int]:
    today = timezone.localtime(now).date()
    sent = {}
    for municipality in Municipality.objects.all():
        with translation.override("sv"):
            sent_to = _remind(municipality, today)
        if sent_to:
            sent[municipality.slug] = sent_to
    return sent


def _remind(municipality: Municipality, today: Any) -> int:
    lines = reminders_for(municipality, today)
    if not lines:
        return 0
    recipients = sorted(
        set(
            User.objects.filter(
                memberships__organisation__municipality=municipality,
                memberships__role__gte=Role.COORDINATOR,
                is_active=True,
            ).values_list("email", flat=True)
        )
    )
    link = settings.SITE_URL.rstrip("/") + reverse("compliance", args=[municipality.slug])
    body = (
        _("Hello!\n\nThis needs doing soon in the crime prevention work:")
        + "\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + f"\n\n{link}\n\nSamtrygg\n"
    )
    subject = _("Reminder: crime prevention in %(name)s") % {"name": municipality.name}
    for email in recipients:
        send_mail(subject, body, None, [email])
    record(
        AuditAction.NOTIFICATION_SENT,
        actor="samtrygg",
        municipality=municipality,
        changes={"kind": "plan_reminders", "items": len(lines), "sent": len(recipients)},
    )
    return len(recipients)
