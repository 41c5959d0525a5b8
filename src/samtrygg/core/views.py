from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from samtrygg.areas import queries as area_queries
from samtrygg.tenancy.policy import Access, municipalities_for, municipality_view


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to the municipality they used last, or the first they belong to."""
    municipalities = list(municipalities_for(request.user).only("slug", "name"))
    if not municipalities:
        return render(request, "core/no_municipality.html")
    slugs = {m.slug for m in municipalities}
    current = request.GET.get("k") or request.session.get("municipality")
    slug = current if current in slugs else municipalities[0].slug
    return redirect("municipality_home", municipality=slug)


@municipality_view()
def municipality_home(request: HttpRequest, access: Access) -> HttpResponse:
    areas = area_queries.areas(access).only("name", "code", "kind", "population")
    return render(request, "core/municipality_home.html", {"areas": areas})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
