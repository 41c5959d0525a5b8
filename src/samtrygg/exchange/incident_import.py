"""Importing incidents from CSV (";" or ",", UTF-8 with or without BOM), XLSX or GeoJSON.

Every row is checked first and every problem reported by row and column; only then are all rows
written, in one transaction, or none. Rows whose external id is already in the municipality are
skipped, so importing the same file twice adds nothing. Columns (case-insensitive):

    external_id, category (code or Swedish name), occurred_at | occurred_from + occurred_to,
    lat + lon (WGS 84) | x + y (SWEREF 99 TM), place_name, description, severity (1–3),
    place_type (indoor/semi_public/public), reported_to_police (ja/nej), estimated_cost,
    organisation (name of the reporting organisation; default: the one given to the command)

The work is done column by column (coordinates, areas, personal-data scan) so that a million
rows import in about a minute (bench/import_incidents.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.analysis.geo import sweref_to_wgs84, wgs84_to_sweref
from samtrygg.areas.queries import assign_areas
from samtrygg.areas.services import municipality_boundary_sweref
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.incidents import pii
from samtrygg.incidents.models import (
    Category,
    Incident,
    PlaceType,
    Precision,
    ReferenceCounter,
    Source,
)
from samtrygg.tenancy.models import Municipality, Organisation

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_ERRORS = 200
TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
)
YES = {"ja", "yes", "j", "1", "true", "sant"}
NO = {"nej", "no", "n", "0", "false", "falskt"}


class IncidentImportError(Exception):
    def __init__(self, errors: list[str], total: int = 0) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors
        self.total = total


@dataclass
class IncidentImportResult:
    created: int = 0
    skipped_existing: int = 0
    rows: int = 0
    flagged: list[str] = field(default_factory=list)


# ---- reading ---------------------------------------------------------------------------------


def _rows_from_csv(raw: bytes) -> Iterator[dict[str, str]]:
    text = raw.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    for values in reader:
        if any(v.strip() for v in values):
            yield dict(zip(header, values, strict=False))


def _rows_from_xlsx(raw: bytes) -> Iterator[dict[str, str]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows, ())]
    for values in rows:
        if any(v not in (None, "") for v in values):
            yield {
                h: ""
                if v is None
                else (v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else str(v))
                for h, v in zip(header, values, strict=False)
            }


def _rows_from_geojson(raw: bytes) -> Iterator[dict[str, str]]:
    data = json.loads(raw.decode("utf-8-sig"))
    for feature in data.get("features", []):
        props = {
            str(k).lower(): "" if v is None else str(v)
            for k, v in (feature.get("properties") or {}).items()
        }
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            props.setdefault("lon", str(lon))
            props.setdefault("lat", str(lat))
        yield props


def read_rows(raw: bytes, filename: str) -> list[dict[str, str]]:
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            return list(_rows_from_xlsx(raw))
        if name.endswith((".geojson", ".json")):
            return list(_rows_from_geojson(raw))
        return list(_rows_from_csv(raw))
    except UnicodeDecodeError:
        raise IncidentImportError([_("The file is not UTF-8 text.")]) from None
    except (ValueError, KeyError, TypeError) as error:
        raise IncidentImportError(
            [_("The file cannot be read: %(error)s") % {"error": error}]
        ) from None


# ---- checking --------------------------------------------------------------------------------


class _Checker:
    """Collects errors as "Row N, column C: message" (row numbers as in the file)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                _("Row %(row)d, column “%(column)s”: %(message)s")
                % {"row": row, "column": column, "message": message}
            )

    def parse(
        self,
        rows: list[dict[str, str]],
        column: str,
        convert: Callable[[str], Any],
        message: str,
        required: bool = False,
    ) -> list[Any]:
        out: list[Any] = []
        for number, row in enumerate(rows, start=2):
            value = (row.get(column) or "").strip()
            if not value:
                if required:
                    self.add(number, column, _("a value is needed"))
                out.append(None)
                continue
            try:
                out.append(convert(value))
            except (ValueError, InvalidOperation, KeyError):
                self.add(number, column, message % {"value": value})
                out.append(None)
        return out


def _time(value: str) -> datetime:
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=STOCKHOLM)
        except ValueError:
            continue
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=STOCKHOLM)


def _number(value: str) -> float:
    return float(value.replace(",", ".").replace(" ", "").replace("\u00a0", ""))


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise ValueError(value)


def import_incidents(
    raw: bytes,
    filename: str,
    municipality: Municipality,
    default_organisation: Organisation | None = None,
    actor: Any = None,
    dry_run: bool = False,
    confirm_flagged: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> IncidentImportResult:
    rows = read_rows(raw, filename)
    if not rows:
        raise IncidentImportError([_("The file holds no rows.")])
    check = _Checker()
    n = len(rows)
    categories = {c.code: c for c in Category.objects.filter(municipality=municipality)}
    categories |= {c.label_sv.lower(): c for c in categories.values()}
    organisations = {
        o.name.lower(): o
        for o in Organisation.objects.filter(municipality=municipality, is_active=True)
    }

    category = check.parse(
        rows,
        "category",
        lambda v: categories[v.lower()],
        _("“%(value)s” is not a category of the municipality"),
        required=True,
    )
    organisation = check.parse(
        rows,
        "organisation",
        lambda v: organisations[v.lower()],
        _("“%(value)s” is not an organisation of the municipality"),
    )
    if default_organisation is None:
        for number, org in enumerate(organisation, start=2):
            if org is None:
                check.add(number, "organisation", _("a value is needed"))
    occurred_at = check.parse(rows, "occurred_at", _time, _("“%(value)s” is not a time"))
    occurred_from = check.parse(rows, "occurred_from", _time, _("“%(value)s” is not a time"))
    occurred_to = check.parse(rows, "occurred_to", _time, _("“%(value)s” is not a time"))
    now = timezone.now()
    for number, (row, at, start, end) in enumerate(
        zip(rows, occurred_at, occurred_from, occurred_to, strict=True), start=2
    ):
        if (
            not (row.get("occurred_at") or "").strip()
            and not (row.get("occurred_from") or "").strip()
        ):
            check.add(number, "occurred_at", _("give the time, or occurred_from"))
        if start and end and end < start:
            check.add(number, "occurred_to", _("the latest time is before the earliest"))
        if (at or start or now) > now:
            check.add(number, "occurred_at", _("the time is in the future"))
    severity = check.parse(rows, "severity", int, _("“%(value)s” is not 1, 2 or 3"))
    for number, value in enumerate(severity, start=2):
        if value is not None and not 1 <= value <= 3:
            check.add(number, "severity", _("“%(value)s” is not 1, 2 or 3") % {"value": value})
    place_type = check.parse(
        rows,
        "place_type",
        lambda v: PlaceType(v.lower()),
        _("“%(value)s” is not indoor, semi_public or public"),
    )
    police = check.parse(rows, "reported_to_police", _bool, _("“%(value)s” is not ja or nej"))
    cost = check.parse(
        rows,
        "estimated_cost",
        lambda v: Decimal(v.replace(" ", "")),
        _("“%(value)s” is not an amount"),
    )
    xy = _coordinates(rows, check, municipality)
    flagged = _scan_text(rows, check, confirm_flagged)
    external = [(row.get("external_id") or "").strip()[:100] for row in rows]
    seen: dict[str, int] = {}
    for number, ext in enumerate(external, start=2):
        if ext and ext in seen:
            check.add(
                number,
                "external_id",
                _("“%(value)s” is also on row %(other)d") % {"value": ext, "other": seen[ext]},
            )
        seen.setdefault(ext, number)
    if check.errors:
        raise IncidentImportError(check.errors, n)

    existing = (
        set(
            Incident.objects.filter(
                municipality=municipality,
                source=Source.IMPORT,
                external_id__in=[e for e in external if e],
            ).values_list("external_id", flat=True)
        )
        if any(external)
        else set()
    )
    keep = [i for i in range(n) if not external[i] or external[i] not in existing]
    result = IncidentImportResult(rows=n, skipped_existing=n - len(keep), flagged=flagged)
    if dry_run:
        return result
    if not keep:
        record(
            AuditAction.INCIDENTS_IMPORTED,
            actor=actor,
            municipality=municipality,
            object_repr=filename[:200],
            changes={"created": 0, "skipped": len(external)},
        )
        return result
    area_ids = assign_areas(municipality.pk, xy["x"][keep], xy["y"][keep])
    with transaction.atomic():
        references = _reserve_references(
            municipality, [occurred_at[i] or occurred_from[i] for i in keep]
        )
        batch: list[Incident] = []
        for position, i in enumerate(keep):
            row = rows[i]
            has_point = not np.isnan(xy["x"][i])
            batch.append(
                Incident(
                    municipality=municipality,
                    reference=references[position],
                    category=category[i],
                    occurred_at=occurred_at[i],
                    occurred_from=occurred_from[i],
                    occurred_to=occurred_to[i],
                    lat=float(xy["lat"][i]) if has_point else None,
                    lon=float(xy["lon"][i]) if has_point else None,
                    x=float(xy["x"][i]) if has_point else None,
                    y=float(xy["y"][i]) if has_point else None,
                    precision=Precision.EXACT if has_point else Precision.MUNICIPALITY,
                    area_id=area_ids[position],
                    place_name=(row.get("place_name") or "")[:200],
                    description=row.get("description") or "",
                    severity=severity[i] or 1,
                    place_type=place_type[i] or PlaceType.PUBLIC,
                    reported_to_police=police[i],
                    estimated_cost=cost[i],
                    reporting_organisation=organisation[i] or default_organisation,
                    source=Source.IMPORT,
                    external_id=external[i],
                    handling_organisation_id=category[i].default_handler_id,
                )
            )
            if len(batch) >= 5000:
                Incident.objects.bulk_create(batch)
                batch = []
                if progress:
                    progress(position + 1, len(keep))
        Incident.objects.bulk_create(batch)
        if progress:
            progress(len(keep), len(keep))
        result.created = len(keep)
        record(
            AuditAction.INCIDENTS_IMPORTED,
            actor=actor,
            municipality=municipality,
            object_repr=filename[:200],
            changes={"created": result.created, "skipped": result.skipped_existing},
        )
    return result


def _coordinates(
    rows: list[dict[str, str]], check: _Checker, municipality: Municipality
) -> dict[str, np.ndarray]:
    """WGS 84 and SWEREF 99 TM for every row (NaN where none), all rows at once."""
    n = len(rows)
    columns = {name: np.full(n, np.nan) for name in ("lat", "lon", "x", "y")}
    for name, values in columns.items():
        for number, value in enumerate(
            check.parse(rows, name, _number, _("“%(value)s” is not a number")), start=2
        ):
            if value is not None:
                values[number - 2] = value
    lat, lon, x, y = columns["lat"], columns["lon"], columns["x"], columns["y"]
    from_wgs = ~np.isnan(lat) & ~np.isnan(lon)
    from_sweref = ~from_wgs & ~np.isnan(x) & ~np.isnan(y)
    for index in np.nonzero(np.isnan(lat) != np.isnan(lon))[0].tolist():
        check.add(index + 2, "lat", _("give both lat and lon"))
    x[from_wgs], y[from_wgs] = wgs84_to_sweref(lon[from_wgs], lat[from_wgs])
    lon[from_sweref], lat[from_sweref] = sweref_to_wgs84(x[from_sweref], y[from_sweref])
    boundary = municipality_boundary_sweref(municipality)
    located = from_wgs | from_sweref
    if boundary is not None and located.any():
        inside = np.ones(n, dtype=bool)
        inside[located] = shapely.contains_xy(boundary, x[located], y[located])
        for index in np.nonzero(~inside)[0].tolist():
            column = "lat" if from_wgs[index] else "x"
            check.add(index + 2, column, _("the place is outside the municipality"))
    x[~located], y[~located] = np.nan, np.nan
    return {"lat": lat, "lon": lon, "x": x, "y": y}


def _scan_text(rows: list[dict[str, str]], check: _Checker, confirm_flagged: bool) -> list[str]:
    flagged: list[str] = []
    for number, row in enumerate(rows, start=2):
        for column in ("description", "place_name"):
            text = row.get(column) or ""
            if not pii.might_contain(text):
                continue  # the fast path: nothing a finding could be made of
            for finding in pii.scan(text):
                if finding.refused:
                    check.add(
                        number,
                        column,
                        _("a personal identity number (“%(text)s”): remove it")
                        % {"text": finding.text},
                    )
                elif not confirm_flagged:
                    check.add(
                        number,
                        column,
                        _(
                            "may contain personal details (“%(text)s”); "
                            "remove them or import with --confirm-flagged"
                        )
                        % {"text": finding.text},
                    )
                else:
                    flagged.append(f"{number}:{column}")
    return flagged


def _reserve_references(municipality: Municipality, times: list[datetime | None]) -> list[str]:
    """Reference numbers for many incidents at once: one counter update per year."""
    years = [timezone.localtime(t).year if t else timezone.localdate().year for t in times]
    out: list[str] = []
    next_number: dict[int, int] = {}
    for year, count in sorted(Counter(years).items()):
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
            municipality=municipality, year=year
        )
        next_number[year] = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    for year in years:
        out.append(f"{year}-{next_number[year]:06d}")
        next_number[year] += 1
    return out
