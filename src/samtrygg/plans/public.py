"""The public information page (12 §, opt-in, no login) and the regional overview."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from samtrygg.areas.models import Area
from samtrygg.situation.release import release_for
from samtrygg.tenancy.models import Municipality
from samtrygg.tenancy.policy import municipalities_for

from . import compliance, promises
from .models import ActionPlan, CitizenPromise, ComplianceSettings, PlanStatus


def public_figures(municipality: Municipality, today: date) -> dict[str, Any]:
    """Counted incidents per area in each of the last four calendar quarters, restricted
    categories left out, from the municipality's release (situation/release.py): the same
    protected numbers viewers read, so that the two cannot be subtracted. A hidden count is
    None: nothing more precise than an area."""
    release = release_for(municipality, today)
    names = dict(Area.objects.filter(municipality=municipality).values_list("pk", "name"))
    columns = [
        dict(zip(release.area_ids, release.periods[dates].tables["area"].shown(), strict=True))
        for _label, dates in release.quarters
    ]
    rows = [
        {"area": names[pk], "counts": [column[pk] for column in columns]} for pk in release.area_ids
    ]
    return {
        "quarters": [label for label, _dates in release.quarters],
        "rows": rows,
        "threshold": settings.SMALL_COUNT_THRESHOLD,
    }


def public_promises(municipality: Municipality, today: date) -> list[dict[str, Any]]:
    """The promises in force today, each with its three parts and, per activity, the status of
    its latest follow-up and the day of it: what was promised and how it goes, never who
    wrote the follow-up or what the internal note says."""
    found = promises.with_parts(
        promises.in_force(CitizenPromise.objects.filter(municipality=municipality), today)
    )
    out = []
    for promise in found:
        parts = []
        for part in promises.parts(promise):
            rows = []
            for activity in part.activities:
                latest = promises.latest(activity)
                rows.append(
                    {
                        "text": activity.text,
                        "organisation": activity.organisation.name if activity.organisation else "",
                        "status": latest.get_status_display() if latest else None,
                        "followed_up": latest.date if latest else None,
                    }
                )
            parts.append({"label": part.label, "activities": rows})
        out.append({"promise": promise, "parts": parts})
    return out


def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, slug=slug)
    settings_row = ComplianceSettings.objects.filter(municipality=municipality).first()
    if settings_row is None or not settings_row.public_page:
        raise Http404
    today = timezone.localdate()
    plans = ActionPlan.objects.filter(municipality=municipality).exclude(status=PlanStatus.DRAFT)
    measures = [m for plan in plans for m in plan.measures.all() if m.deadline >= today]
    return render(
        request,
        "plans/public.html",
        {
            "municipality": municipality,
            "figures": public_figures(municipality, today),
            "measures": measures,
            "promises": public_promises(municipality, today),
            "coordination": settings_row.coordination_function,
        },
    )


@login_required
def regional_overview(request: HttpRequest) -> HttpResponse:
    """For a user with memberships in several municipalities (e.g. Länsstyrelsen): reported
    crime per 100 000 inhabitants (Brå and SCB) and compliance side by side. Never the counts
    of EST reports: they measure how many actors report, not crime."""
    from samtrygg.exchange.municipality_groups import group_of
    from samtrygg.exchange.reference_stats import crime_rates

    today = timezone.localdate()
    municipalities = list(municipalities_for(request.user).order_by("name"))
    if not municipalities:
        raise Http404
    years = range(today.year - 3, today.year + 1)
    rates = {
        m.pk: [r for r in crime_rates(m.scb_code, years) if r.kommun is not None]
        for m in municipalities
    }
    latest = max((r.year for found in rates.values() for r in found), default=None)
    groups = sorted(
        {
            (r.crime_group, r.crime_group_label)
            for found in rates.values()
            for r in found
            if r.year == latest
        },
        key=lambda g: g[1].casefold(),
    )
    rows = []
    for municipality in municipalities:
        mine = {r.crime_group: r for r in rates[municipality.pk] if r.year == latest}
        items = compliance.items(municipality, today)
        rows.append(
            {
                "municipality": municipality,
                "group": group_of(municipality.scb_code),
                "rates": [mine[code].kommun if code in mine else None for code, _l in groups],
                "ok": sum(1 for i in items if i.status in (compliance.OK, compliance.DUE_SOON)),
                "of": len(items),
                "attention": [
                    str(i.paragraph) for i in items if i.status in compliance.NEEDS_ATTENTION
                ],
            }
        )
    country = {}
    for found in rates.values():
        for r in found:
            if r.year == latest:
                country[r.crime_group] = r.country
    return render(
        request,
        "plans/region.html",
        {
            "rows": rows,
            "groups": [label for _code, label in groups],
            "country": [country.get(code) for code, _l in groups],
            "year": latest,
        },
    )
