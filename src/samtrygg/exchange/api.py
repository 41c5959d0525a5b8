"""Imports over the API: the same checked, all-or-nothing, idempotent import as the command."""

from __future__ import annotations

from typing import Annotated, Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja import Status as Reply

from samtrygg.core.api_auth import api_access
from samtrygg.core.api_types import ApiFile, FormId, error_answers
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.roles import Permission

from .incident_import import IncidentImportError, import_incidents

router = Router(tags=["imports"])


class ImportOut(Schema):
    rows: int
    created: int
    skipped_existing: int
    flagged: list[str]
    dry_run: bool


@router.post(
    "/k/{municipality}/imports/incidents",
    response={200: ImportOut, **error_answers(400, 401, 403, 404, 413, 422)},
)
def import_incident_file(
    request: HttpRequest,
    municipality: str,
    file: File[ApiFile],
    organisation_id: Annotated[FormId, Form(None)] = None,
    dry_run: Form[bool] = False,
    confirm_flagged: Form[bool] = False,
) -> Any:
    """Import a CSV, XLSX or GeoJSON file of incidents (coordinators). Every row is checked
    first; on any error nothing is written and ``errors.file`` names each row and column."""
    access = api_access(request, municipality)
    access.require(Permission.IMPORT_INCIDENTS)
    limit = settings.API_IMPORT_MAX_BYTES
    if file.size is not None and file.size > limit:
        # The API answers within the web server's timeout; larger files go through the web
        # page (a background job with progress) or `samtrygg import-incidents`.
        return Reply(
            413,
            {
                "detail": _(
                    "The file is larger than %(size)d MB: import it on the import page or with "
                    "samtrygg import-incidents."
                )
                % {"size": limit // 1_000_000},
                "code": "too_large",
            },
        )
    organisation = None
    if organisation_id is not None:
        organisation = access.get_or_404(Organisation.objects.all(), pk=organisation_id)
    try:
        result = import_incidents(
            cast(BinaryIO, file.file),  # read a chunk at a time
            file.name or "upload.csv",
            access.municipality,
            organisation,
            actor=access.user,
            dry_run=dry_run,
            confirm_flagged=confirm_flagged,
        )
    except IncidentImportError as error:
        raise ValidationError({"file": error.errors}) from None
    return {
        "rows": result.rows,
        "created": result.created,
        "skipped_existing": result.skipped_existing,
        "flagged": result.flagged,
        "dry_run": dry_run,
    }
