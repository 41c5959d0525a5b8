"""Reminders before due dates: measures whose deadline is near and that are not green, and the
law's requirements that are due soon or overdue. Sent weekly to the coordinators and
administrators of each municipality."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

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
            f"Åtgärd ”{measure.title}” ({measure.responsible.name}) ska vara klar "
            f"{measure.deadline:%Y-%m-%d}."
        )
    for item in compliance.items(municipality, today):
        if item.status == "overdue":
            lines.append(
                f"{item.paragraph}: {item.requirement} – försenat sedan {item.due:%Y-%m-%d}."
                if item.due
                else f"{item.paragraph}: {item.requirement} – försenat."
            )
        elif item.status == "due_soon" and item.due:
            lines.append(f"{item.paragraph}: {item.requirement} – senast {item.due:%Y-%m-%d}.")
    return lines


def send_reminders(now: datetime) -> dict[str, int]:
    today = timezone.localtime(now).date()
    sent = {}
    for municipality in Municipality.objects.all():
        lines = reminders_for(municipality, today)
        if not lines:
            continue
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
            "Hej!\n\nDet här behöver göras snart i det brottsförebyggande arbetet:\n\n"
            + "\n".join(f"- {line}" for line in lines)
            + f"\n\n{link}\n\nSamtrygg\n"
        )
        for email in recipients:
            send_mail(
                f"Påminnelse: brottsförebyggande arbete i {municipality.name}", body, None, [email]
            )
        record(
            AuditAction.NOTIFICATION_SENT,
            actor="samtrygg",
            municipality=municipality,
            changes={"kind": "plan_reminders", "items": len(lines), "sent": len(recipients)},
        )
        sent[municipality.slug] = len(recipients)
    return sent
