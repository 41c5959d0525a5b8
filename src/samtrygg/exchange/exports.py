"""Exporting incidents as CSV (";" and UTF-8 with BOM, for Swedish Excel), XLSX and GeoJSON.

The columns are those the import reads (exchange/incident_import.py), so an export can be
imported elsewhere. Exports are complete and faithful (offentlighetsprincipen): every row the
user may see under the chosen filters. Every text cell — free text and the names of areas,
organisations and categories alike, whoever typed them — that a spreadsheet would run as a
formula is prefixed with an apostrophe, in CSV, XLSX and GeoJSON alike. Every export is logged
with its filters and row count.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.incidents.models import Incident
from samtrygg.incidents.visibility import free_text
from samtrygg.tenancy.policy import Access

COLUMNS = (
    "reference",
    "external_id",
    "category",
    "category_label",
    "status",
    "occurred_at",
    "occurred_from",
    "occurred_to",
    "lat",
    "lon",
    "x",
    "y",
    "precision",
    "area",
    "place_name",
    "description",
    "severity",
    "place_type",
    "reported_to_police",
    "estimated_cost",
    "organisation",
    "handled_by",
    "source",
    "duplicate_of",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Full-width forms some spreadsheets also read as the start of a formula.
FORMULA_START_WIDE = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
CHUNK = 2000


def _time(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def safe_text(text: str) -> str:
    """Text a spreadsheet would take for a formula gets a leading apostrophe (OWASP), also when
    blanks come before the formula sign."""
    start = text.lstrip(" \u00a0")
    if text.startswith(FORMULA_START) or start.startswith(FORMULA_START + FORMULA_START_WIDE):
        return "'" + text
    return text


def safe_cells(values: list[Any]) -> list[Any]:
    """Every text value of a row neutralised; numbers and empty values as they are."""
    return [safe_text(v) if isinstance(v, str) else v for v in values]


class SafeCsvWriter:
    """A ";" CSV writer for Swedish Excel whose every text cell goes through ``safe_cells``:
    the one way the application writes CSV, so no table can forget the neutralising."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream, delimiter=";")

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow([_decimal_comma(v) for v in safe_cells(list(values))])


def _decimal_comma(value: Any) -> Any:
    """A decimal number with a comma, as Swedish Excel reads it (a point makes it a date or
    text); no thousands separator, so that it stays a number."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    return value


def _row(access: Access, incident: Incident) -> list[Any]:
    """One incident's values, every text neutralised (``safe_cells``): what a column holds
    today (a generated reference, a chosen code) may be typed by somebody tomorrow. The free
    text as this user may read it (``visibility.free_text``)."""
    police = incident.reported_to_police
    text = free_text(access, incident)
    return safe_cells(
        [
            incident.reference,
            incident.external_id,
            incident.category.code,
            incident.category.label,
            incident.status,
            _time(incident.occurred_at),
            _time(incident.occurred_from),
            _time(incident.occurred_to),
            incident.lat,
            incident.lon,
            round(incident.x, 1) if incident.x is not None else None,
            round(incident.y, 1) if incident.y is not None else None,
            incident.precision,
            incident.area.name if incident.area else "",
            text.place_name,
            text.description,
            incident.severity,
            incident.place_type,
            "" if police is None else ("ja" if police else "nej"),
            _amount(incident.estimated_cost),
            incident.reporting_organisation.name,
            incident.handling_organisation.name if incident.handling_organisation else "",
            incident.source,
            incident.duplicate_of.reference if incident.duplicate_of else "",
        ]
    )


def _amount(value: Decimal | None) -> Decimal | int | None:
    """Kronor as stored (öre kept: an export is faithful), whole kronor without ".00"."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def _incidents(rows: QuerySet[Incident]) -> Iterator[Incident]:
    return rows.select_related(
        "category", "area", "reporting_organisation", "handling_organisation", "duplicate_of"
    ).iterator(chunk_size=CHUNK)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(access: Access, rows: QuerySet[Incident]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(COLUMNS)
    for incident in _incidents(rows):
        yield writer.writerow(["" if v is None else v for v in _row(access, incident)])


def _xlsx_cells(values: list[Any]) -> list[Any]:
    """Characters XML cannot hold (control characters) left out, so that openpyxl does not
    refuse the row, and the text neutralised again: one may have stood before a formula sign.
    (openpyxl writes a string that begins with "=" as a formula: none does after ``safe_text``.)
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return [
        safe_text(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in values
    ]


def xlsx_bytes(access: Access, rows: QuerySet[Incident]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Händelser")
    sheet.append(list(COLUMNS))
    for incident in _incidents(rows):
        sheet.append(_xlsx_cells(_row(access, incident)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def geojson_chunks(access: Access, rows: QuerySet[Incident]) -> Iterator[str]:
    """Incidents with a point as Features; the rest with a null geometry (still counted)."""
    yield '{"type":"FeatureCollection","features":['
    first = True
    for incident in _incidents(rows):
        values = dict(zip(COLUMNS, _row(access, incident), strict=True))
        geometry = (
            {"type": "Point", "coordinates": [incident.lon, incident.lat]}
            if incident.lat is not None and incident.precision in ("exact", "approximate")
            else None
        )
        feature = {"type": "Feature", "geometry": geometry, "properties": values}
        yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False, default=str)
        first = False
    yield "]}"


def log_export(access: Access, kind: str, count: int, filters: str) -> None:
    record(
        AuditAction.EXPORT,
        actor=access.user,
        municipality=access.municipality,
        object_repr=f"incidents.{kind}",
        changes={"format": kind, "rows": count, "filters": filters},
    )
