"""A document handed out as a download: PDF or Word, with the export written to the audit log
(who took which version of which document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.http import HttpResponse

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.tenancy.policy import Access

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def download(
    access: Access,
    obj: Model,
    fmt: str,
    render: dict[str, Callable[[], bytes]],
    filename: str,
    **changes: Any,
) -> HttpResponse:
    """``render`` maps "pdf" and "docx" to the functions that build the bytes."""
    response = HttpResponse(render[fmt](), content_type=CONTENT_TYPES[fmt])
    record(
        AuditAction.EXPORT,
        actor=access.user,
        municipality=access.municipality,
        obj=obj,
        changes={"format": fmt, **changes},
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
