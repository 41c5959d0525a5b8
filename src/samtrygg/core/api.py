"""The HTTP API under /api/v1/ (OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from samtrygg.areas.api import router as areas_router
from samtrygg.tenancy.api import router as tenancy_router

api = NinjaAPI(
    title="Samtrygg API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    description="Samtrygg's API. Every route is scoped to what the caller may see: "
    "objects outside that scope answer 404.",
)
api.add_router("", tenancy_router)
api.add_router("", areas_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "Forbidden"}, status=403)
