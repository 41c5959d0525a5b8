"""The public information page (12 §, opt-in, no login) and the regional overview."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from samtrygg.areas.models import Area
from samtrygg.situation.aggregates import per_area, shared_mask
from samtrygg.situation.filters import statistics_mask
from samtrygg.situation.localtime import day_number, local_days
from samtrygg.situation.snapshot import snapshot
from samtrygg.tenancy.models import Municipality
from samtrygg.tenancy.policy import access_for, municipalities_for

from . import compliance
from .models import ActionPlan, CitizenPromise, ComplianceSettings, PlanStatus

QUARTERS = 4


def _quarters(today: date) -> list[tuple[str, date, date]]:
    """The last four whole calendar quarters, oldest first."""
    out = []
    year, quarter = today.year, (today.month - 1) // 3  # the current, unfinished one
    for _ in range(QUARTERS):
        quarter -= 1
        if quarter < 0:
            year, quarter = year - 1, 3
        first = date(year, 3 * quarter + 1, 1)
        last = (date(year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)) - timedelta(days=1)
        out.append((f"{year} K{quarter + 1}", first, last))
    return out[::-1]


def public_figures(municipality: Municipality, today: date) -> dict[str, Any]:
    """Counted incidents per area and quarter, restricted categories left out, every count
    under the threshold suppressed (None): nothing more precise than an area."""
    snap = snapshot(municipality.pk)
    days = local_days(snap["start"])
    shared = shared_mask(snap, municipality)
    areas = list(Area.objects.filter(municipality=municipality).values_list("pk", "name"))
    ids = np.array([pk for pk, _n in areas], dtype=np.int64)
    quarters = _quarters(today)
    threshold = settings.SMALL_COUNT_THRESHOLD
    columns = []
    for _label, first, last in quarters:
        mask = shared & (days >= day_number(first)) & (days <= day_number(last))
        columns.append(per_area(snap["area"][mask], ids).tolist())
    rows = [
        {"area": name, "counts": [None if 0 < col[i] < threshold else col[i] for col in columns]}
        for i, (_pk, name) in enumerate(areas)
    ]
    return {"quarters": [label for label, _f, _l in quarters], "rows": rows, "threshold": threshold}


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
            "promises": CitizenPromise.objects.filter(municipality=municipality).select_related(
                "owner"
            ),
            "coordination": settings_row.coordination_function,
        },
    )


@login_required
def regional_overview(request: HttpRequest) -> HttpResponse:
    """For a user with memberships in several municipalities (e.g. Länsstyrelsen): aggregates
    and compliance side by side, through each municipality's access policy."""
    today = timezone.localdate()
    rows = []
    for municipality in municipalities_for(request.user).order_by("name"):
        access = access_for(request.user, municipality.slug)
        snap = snapshot(municipality.pk)
        days = local_days(snap["start"])
        mask = statistics_mask(snap, access)
        year = int((mask & (days > day_number(today) - 365)).sum())
        before = int(
            (mask & (days <= day_number(today) - 365) & (days > day_number(today) - 730)).sum()
        )
        population = sum(
            p or 0
            for p in Area.objects.filter(municipality=municipality).values_list(
                "population", flat=True
            )
        )
        items = compliance.items(municipality, today)
        threshold = settings.SMALL_COUNT_THRESHOLD
        rows.append(
            {
                "municipality": municipality,
                "year": None if 0 < year < threshold else year,
                "before": None if 0 < before < threshold else before,
                "per_1000": round(year / population * 1000, 1)
                if population and year >= threshold
                else None,
                "ok": sum(1 for i in items if i.status == "ok"),
                "attention": [
                    str(i.paragraph) for i in items if i.status in ("overdue", "missing")
                ],
            }
        )
    if not rows:
        raise Http404
    return render(request, "plans/region.html", {"rows": rows})
