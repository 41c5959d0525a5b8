from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from . import queries, services
from .forms import AreaUploadForm, BoundaryUploadForm
from .models import Area
from .population import DAY_POPULATION_FACTOR


@municipality_view(Permission.VIEW_AREAS)
def area_list(request: HttpRequest, access: Access) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "population":
        return _import_population(request, access)
    if request.method == "POST" and request.POST.get("action") == "boundaries":
        return _import_boundaries(request, access)
    form = AreaUploadForm(request.POST or None, request.FILES or None)
    import_errors: list[str] = []
    if request.method == "POST":
        access.require(Permission.MANAGE_AREAS)
        if form.is_valid():
            try:
                result = services.import_areas(
                    access.municipality,
                    form.cleaned_data["file"].read(),
                    kind=form.cleaned_data["kind"],
                    actor=access.user,
                    access=access,
                    name_field=form.cleaned_data["name_field"] or None,
                )
            except services.AreaImportError as error:
                import_errors = error.errors
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(created)d area created, %(updated)d updated.",
                        "%(created)d areas created, %(updated)d updated.",
                        result.created,
                    )
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("area_list", municipality=access.municipality.slug)
    areas = _areas(access)
    return render(
        request,
        "areas/area_list.html",
        {
            "areas": areas,
            "form": form,
            "boundary_form": BoundaryUploadForm(),
            "import_errors": import_errors,
            "day_factor": DAY_POPULATION_FACTOR,
        },
        status=400 if import_errors else 200,
    )


def _import_population(request: HttpRequest, access: Access) -> HttpResponse:
    """SCB's population per DeSO/RegSO onto the areas with those codes (areas/population.py)."""
    from samtrygg.exchange.reference_stats import ReferenceImportError

    from .population import import_area_population

    access.require(Permission.MANAGE_AREAS)
    upload = request.FILES.get("population_file")
    figure = request.POST.get("figure") or "population"
    errors = [_("Choose a file.")] if upload is None else []
    if upload is not None:
        try:
            result = import_area_population(access, upload.read(), figure=figure)
        except ReferenceImportError as error:
            errors = list(error.errors)
        else:
            if figure == "day_population":
                text = ngettext(
                    "Day population %(year)d set for %(n)d area.",
                    "Day population %(year)d set for %(n)d areas.",
                    result.updated,
                ) % {"year": result.year, "n": result.updated}
            else:
                text = ngettext(
                    "Population %(year)d set for %(n)d area.",
                    "Population %(year)d set for %(n)d areas.",
                    result.updated,
                ) % {"year": result.year, "n": result.updated}
            if result.unknown:
                text += " " + _("No area has these codes: %(codes)s.") % {
                    "codes": ", ".join(result.unknown[:20])
                }
            messages.success(request, text)
            return redirect("area_list", municipality=access.municipality.slug)
    return render(
        request,
        "areas/area_list.html",
        {
            "areas": _areas(access),
            "form": AreaUploadForm(),
            "boundary_form": BoundaryUploadForm(),
            "population_errors": errors,
            "day_factor": DAY_POPULATION_FACTOR,
        },
        status=400,
    )


def _areas(access: Access) -> object:
    return queries.areas(access).only(
        "name", "code", "kind", "population", "day_population", "area_m2"
    )


def _import_boundaries(request: HttpRequest, access: Access) -> HttpResponse:
    """SCB's DeSO or RegSO boundaries of this kommun (areas/boundaries.py) as areas."""
    access.require(Permission.MANAGE_AREAS)
    form = BoundaryUploadForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["boundary_file"]
        # A large upload is on disk already: the GeoPackage is read there, not into memory.
        path = getattr(upload, "temporary_file_path", None)
        try:
            result = services.import_boundaries(
                access.municipality,
                Path(path()) if path else upload.read(),
                kind=form.cleaned_data["boundary_kind"],
                access=access,
                layer=form.cleaned_data["layer"] or None,
            )
        except services.AreaImportError as error:
            errors = error.errors
        else:
            text = ngettext(
                "%(created)d area created, %(updated)d updated.",
                "%(created)d areas created, %(updated)d updated.",
                result.created,
            ) % {"created": result.created, "updated": result.updated}
            if result.missing:
                text += " " + _("Not in the file (kept): %(names)s.") % {
                    "names": ", ".join(result.missing[:20])
                }
            messages.success(request, text)
            return redirect("area_list", municipality=access.municipality.slug)
    return render(
        request,
        "areas/area_list.html",
        {
            "areas": _areas(access),
            "form": AreaUploadForm(),
            "boundary_form": form,
            "boundary_errors": errors,
            "day_factor": DAY_POPULATION_FACTOR,
        },
        status=400,
    )


@municipality_view(Permission.VIEW_AREAS)
def area_detail(request: HttpRequest, access: Access, area_id: int) -> HttpResponse:
    area: Area = access.get_or_404(Area.objects.all(), pk=area_id)
    if request.method == "POST" and "delete" in request.POST:
        if not access.can(Permission.MANAGE_AREAS):
            raise PermissionDenied
        services.delete_area(access, area)
        messages.success(request, _("The area %(name)s was deleted.") % {"name": area.name})
        return redirect("area_list", municipality=access.municipality.slug)
    return render(request, "areas/area_detail.html", {"area": area})


def _feature(area: Area) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": area.geometry,
        "properties": {
            "name": area.name,
            "code": area.code,
            "kind": area.kind,
            "population": area.population,
        },
    }


@municipality_view(Permission.VIEW_AREAS)
def areas_geojson(request: HttpRequest, access: Access) -> JsonResponse:
    rows = queries.areas(access)
    if area_id := request.GET.get("area"):
        rows = rows.filter(pk=area_id) if area_id.isdigit() else rows.none()
    return JsonResponse({"type": "FeatureCollection", "features": [_feature(a) for a in rows]})


@municipality_view(Permission.VIEW_AREAS)
def boundary_geojson(request: HttpRequest, access: Access) -> JsonResponse:
    municipality = access.municipality
    features = []
    if municipality.boundary:
        features.append(
            {
                "type": "Feature",
                "geometry": municipality.boundary,
                "properties": {"name": municipality.name, "kind": "boundary"},
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _coordinate(value: str | None, low: float, high: float) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


@municipality_view(Permission.VIEW_AREAS)
def place_lookup(request: HttpRequest, access: Access) -> JsonResponse:
    """What a tap or "min position" is at: the area and the nearest address of the kommun's
    imported register, both looked up here without any outside service."""
    from samtrygg.analysis.geo import wgs84_to_sweref

    from . import addresses

    lat = _coordinate(request.GET.get("lat"), -90, 90)
    lon = _coordinate(request.GET.get("lon"), -180, 180)
    if lat is None or lon is None:
        return JsonResponse({"error": _("Give lat and lon in degrees (WGS 84).")}, status=400)
    x, y = (float(v[0]) for v in wgs84_to_sweref([lon], [lat]))
    area_id = queries.assign_areas(access.municipality.pk, [x], [y])[0]
    area = queries.areas(access).filter(pk=area_id).first() if area_id is not None else None
    found = addresses.nearest(access.municipality.pk, x, y)
    return JsonResponse(
        {
            "area": {"id": area.pk, "name": area.name} if area else None,
            "address": ({"label": str(found[0]), "distance_m": round(found[1])} if found else None),
            "text": _place_text(area, found),
        }
    )


def _place_text(area: Area | None, found: tuple[object, float] | None) -> str:
    """What the reporter reads under the map: "Centrum · nära Storgatan 3B (30 m)"."""
    from samtrygg.core import formatting

    parts = [area.name if area else _("Outside the municipality's areas")]
    if found is not None:
        parts.append(
            _("near %(address)s (%(metres)s m)")
            % {"address": found[0], "metres": formatting.number(round(found[1]))}
        )
    return " · ".join(parts)


@municipality_view(Permission.VIEW_AREAS)
def address_search(request: HttpRequest, access: Access) -> JsonResponse:
    from . import addresses

    query = (request.GET.get("q") or "")[:100]
    return JsonResponse(
        {
            "results": [
                {"label": str(a), "lat": round(a.lat, 6), "lon": round(a.lon, 6)}
                for a in addresses.search(access.municipality.pk, query)
            ]
        }
    )
