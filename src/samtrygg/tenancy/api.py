from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from samtrygg.core.api_auth import api_access
from samtrygg.core.api_types import ErrorOut, InvalidOut, error_answers

from . import queries

__all__ = ["ErrorOut", "InvalidOut", "router"]  # the error schemas, for older imports

router = Router(tags=["tenancy"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    is_active: bool


@router.get(
    "/k/{municipality}/organisations",
    response={200: list[OrganisationOut], **error_answers(401, 404)},
)
def list_organisations(request: HttpRequest, municipality: str) -> list[OrganisationOut]:
    """The organisations taking part in the municipality's work."""
    access = api_access(request, municipality)
    return [OrganisationOut.from_orm(o) for o in queries.organisations(access).order_by("name")]
