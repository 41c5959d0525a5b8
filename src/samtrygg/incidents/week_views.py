"""The coordinators' week overview (who has reported, who is missing, the assessments) and
each user's notification settings."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from . import notifications, queries
from .models import AreaAssessment, NotificationPreference
from .weekly import missing_reporters, week_from_query


@municipality_view(Permission.VIEW_AUDIT)  # coordinators and administrators
def week_overview(request: HttpRequest, access: Access) -> HttpResponse:
    year, week = week_from_query(request.GET.get("week"))
    if request.method == "POST" and request.POST.get("action") == "remind":
        sent = notifications.remind_now(access, year, week)
        messages.success(request, _("%(n)d reminders were sent.") % {"n": sent})
        return redirect(f"{request.path}?week={year}-W{week:02d}")
    reports = list(
        queries.weekly_reports(access)
        .filter(iso_year=year, iso_week=week)
        .select_related("organisation", "reporter")
        .prefetch_related("quiet_areas", "incidents")
    )
    assessments = (
        AreaAssessment.objects.filter(weekly_report__in=reports)
        .select_related("area", "weekly_report__organisation")
        .order_by("area__name")
    )
    monday = date.fromisocalendar(year, week, 1)
    previous = (monday - timedelta(days=7)).isocalendar()
    following = (monday + timedelta(days=7)).isocalendar()
    return render(
        request,
        "incidents/week_overview.html",
        {
            "year": year,
            "week": week,
            "reports": reports,
            "missing": missing_reporters(access.municipality, year, week),
            "assessments": assessments,
            "previous": f"{previous[0]}-W{previous[1]:02d}",
            "following": f"{following[0]}-W{following[1]:02d}"
            if monday + timedelta(days=7) <= timezone.localdate()
            else None,
        },
    )


class PreferenceForm(forms.ModelForm[NotificationPreference]):
    class Meta:
        model = NotificationPreference
        fields = ["case_updates", "weekly_summary", "reminders"]
        labels = {
            "case_updates": gettext_lazy("Cases assigned to my organisation, and changes to them"),
            "weekly_summary": gettext_lazy("Weekly: what happened with my reports"),
            "reminders": gettext_lazy("A reminder when my weekly report is missing"),
        }


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = notifications.preference(request.user)  # type: ignore[arg-type]
    form = PreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        notifications.save_preference(request.user, **form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, _("Your choices were saved."))
        return redirect("notification_settings")
    return render(request, "incidents/notification_settings.html", {"form": form})
