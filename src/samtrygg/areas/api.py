from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from samtrygg.core.api_auth import api_access
from samtrygg.core.api_types import ApiId, error_answers
from samtrygg.tenancy.roles import Permission

from . import queries
from .models import Area

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    population: int | None
    day_population: int | None
    area_m2: float


class AreaDetailOut(AreaOut):
    geometry: dict[str, Any]


@router.get(
    "/k/{municipality}/areas",
    response={200: list[AreaOut], **error_answers(401, 403, 404)},
)
def list_areas(request: HttpRequest, municipality: str) -> list[Area]:
    access = api_access(request, municipality)
    access.require(Permission.VIEW_AREAS)
    return list(queries.areas(access).defer("geometry"))


@router.get(
    "/k/{municipality}/areas/{area_id}",
    response={200: AreaDetailOut, **error_answers(401, 403, 404, 422)},
)
def get_area(request: HttpRequest, municipality: str, area_id: ApiId) -> Area:
    access = api_access(request, municipality)
    access.require(Permission.VIEW_AREAS)
    area: Area = access.get_or_404(Area.objects.all(), pk=area_id)
    return area
