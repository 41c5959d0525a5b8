from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from samtrygg.core.api_auth import api_access

from . import queries

router = Router(tags=["tenancy"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    is_active: bool


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    """422: the first problem in ``detail``, every problem per field in ``errors``."""

    detail: str
    errors: dict[str, list[str]]


@router.get(
    "/k/{municipality}/organisations",
    response={200: list[OrganisationOut], 401: ErrorOut, 404: ErrorOut},
)
def list_organisations(request: HttpRequest, municipality: str) -> list[OrganisationOut]:
    """The organisations taking part in the municipality's work."""
    access = api_access(request, municipality)
    return [OrganisationOut.from_orm(o) for o in queries.organisations(access).order_by("name")]
