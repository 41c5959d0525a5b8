"""The quick report (issue 14, item 2): one incident from the start page in at most five taps —
what happened (two taps on a phone's list), "Använd min position", "Skicka". The time is now.
It goes through services.create_incident_once like the weekly report and the API, so the same
checks apply and a repeated submission (back + send, a retry) stores nothing new."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from .forms import QuickReportForm
from .models import Precision
from .services import IncidentInput, create_incident_once


def new_form(access: Access) -> QuickReportForm:
    return QuickReportForm(access, initial={"key": secrets.token_urlsafe(24)})


@municipality_view(Permission.REPORT_INCIDENTS)
def quick_report(request: HttpRequest, access: Access) -> HttpResponse:
    if request.method != "POST":
        return render(request, "incidents/quick_report.html", {"form": new_form(access)})
    form = QuickReportForm(access, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        organisation = next(o for o in access.organisations if str(o.pk) == data["organisation"])
        try:
            incident = create_incident_once(
                access,
                IncidentInput(
                    category=data["category"],
                    reporting_organisation=organisation,
                    occurred_at=timezone.now(),
                    lat=data["lat"],
                    lon=data["lon"],
                    precision=Precision.EXACT,
                ),
                data["key"] or "",
            )
        except ValidationError as error:
            for problems in error.message_dict.values():
                for problem in problems:
                    form.add_error(None, problem)
        else:
            messages.success(
                request,
                _("Reported: %(reference)s, %(category)s.")
                % {"reference": incident.reference, "category": incident.category},
            )
            return redirect("municipality_home", municipality=access.municipality.slug)
    return render(request, "incidents/quick_report.html", {"form": form}, status=400)
