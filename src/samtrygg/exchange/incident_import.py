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
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import islice, repeat
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
from samtrygg.incidents.category_admin import routes_by_category_area
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
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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


# ---- reading: every format becomes columns of strings -------------------------------------


@dataclass
class Table:
    columns: dict[str, list[str]]
    n: int

    def get(self, name: str) -> list[str] | None:
        return self.columns.get(name)


def _columns(header: list[str], records: Iterator[list[str]]) -> Table:
    names = [h.strip().lower() for h in header]
    width = len(names)
    rows = [
        r if len(r) == width else (r + [""] * width)[:width]
        for r in records
        if any(v.strip() for v in r)
    ]
    transposed = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    columns = {
        name: [v.strip() for v in values]
        for name, values in zip(names, transposed, strict=True)
        if name
    }
    return Table(columns, len(rows))


def _read_csv(raw: bytes) -> Table:
    text = raw.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return _columns(next(reader, []), reader)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _read_xlsx(raw: bytes) -> Table:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(h) for h in next(rows, ())]
    return _columns(header, ([_cell(v) for v in values] for values in rows))


def _read_geojson(raw: bytes) -> Table:
    features = json.loads(raw.decode("utf-8-sig")).get("features", [])
    names: dict[str, None] = {}
    records = []
    for feature in features:
        props = {str(k).lower(): _cell(v) for k, v in (feature.get("properties") or {}).items()}
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            props.setdefault("lon", str(lon))
            props.setdefault("lat", str(lat))
        names.update(dict.fromkeys(props))
        records.append(props)
    header = list(names)
    return _columns(header, ([r.get(h, "") for h in header] for r in records))


def read_table(raw: bytes, filename: str) -> Table:
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            return _read_xlsx(raw)
        if name.endswith((".geojson", ".json")):
            return _read_geojson(raw)
        return _read_csv(raw)
    except UnicodeDecodeError:
        raise IncidentImportError([_("The file is not UTF-8 text.")]) from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise IncidentImportError(
            [_("The file cannot be read: %(error)s") % {"error": error}]
        ) from None


# ---- checking, column by column --------------------------------------------------------------


class _Checker:
    """Collects errors as "Row N, column C: message" (row numbers as in the file)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.errors: list[str] = []

    def add(self, index: int, column: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                _("Row %(row)d, column “%(column)s”: %(message)s")
                % {"row": index + 2, "column": column, "message": message}
            )

    def raw(self, column: str) -> list[str]:
        return self.table.get(column) or [""] * self.table.n

    def parse(
        self, column: str, convert: Callable[[str], Any], message: str, required: bool = False
    ) -> list[Any]:
        values = self.table.get(column)
        if values is None:
            if required:
                self.add(0, column, _("the column is missing"))
            return [None] * self.table.n
        out: list[Any] = [None] * len(values)
        for index, value in enumerate(values):
            if not value:
                if required:
                    self.add(index, column, _("a value is needed"))
                continue
            try:
                out[index] = convert(value)
            except (ValueError, InvalidOperation, KeyError):
                self.add(index, column, message % {"value": value})
        return out

    def numbers(self, column: str, message: str) -> np.ndarray:
        values = self.table.get(column)
        if values is None:
            return np.full(self.table.n, np.nan)
        try:  # the fast path: every cell a plain number or empty
            return np.array([v or "nan" for v in values], dtype=float)
        except ValueError:
            parsed = self.parse(column, _number, message)
            return np.array([np.nan if v is None else v for v in parsed], dtype=float)

    def times(self, column: str, message: str) -> list[datetime | None]:
        """Local wall-clock times (Europe/Stockholm) read with pandas, all at once; cells in
        other formats are read one by one."""
        import pandas as pd

        values = self.table.get(column)
        if values is None:
            return [None] * self.table.n
        series = pd.to_datetime(
            pd.Series(values, dtype="string"), format="%Y-%m-%d %H:%M", errors="coerce"
        )
        missing = series.isna().to_numpy() & np.array([bool(v) for v in values])
        for index in np.nonzero(missing)[0].tolist():
            try:
                series.iloc[index] = _time(values[index]).replace(tzinfo=None)
            except ValueError:
                self.add(index, column, message % {"value": values[index]})
        local = series.dt.tz_localize(
            STOCKHOLM, ambiguous=np.ones(len(series), dtype=bool), nonexistent="shift_forward"
        )
        out: list[datetime | None] = list(np.asarray(local.dt.to_pydatetime(), dtype=object))
        for index in np.nonzero(local.isna().to_numpy())[0].tolist():
            out[index] = None
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


@dataclass
class _Checked:
    category: list[Any]
    organisation: list[Any]
    occurred_at: list[datetime | None]
    occurred_from: list[datetime | None]
    occurred_to: list[datetime | None]
    severity: list[Any]
    place_type: list[Any]
    police: list[Any]
    cost: list[Any]
    xy: dict[str, np.ndarray]
    external: list[str]
    flagged: list[str]


def _check(
    table: Table,
    municipality: Municipality,
    default_organisation: Organisation | None,
    confirm_flagged: bool,
) -> _Checked:
    check = _Checker(table)
    categories = {c.code: c for c in Category.objects.filter(municipality=municipality)}
    categories |= {c.label_sv.lower(): c for c in categories.values()}
    organisations = {
        o.name.lower(): o
        for o in Organisation.objects.filter(municipality=municipality, is_active=True)
    }
    category = check.parse(
        "category",
        lambda v: categories[v.lower()],
        _("“%(value)s” is not a category of the municipality"),
        required=True,
    )
    organisation = check.parse(
        "organisation",
        lambda v: organisations[v.lower()],
        _("“%(value)s” is not an organisation of the municipality"),
    )
    if default_organisation is None:
        for index, org in enumerate(organisation):
            if org is None and check.raw("organisation")[index] == "":
                check.add(index, "organisation", _("a value is needed"))
    not_a_time = _("“%(value)s” is not a time")
    occurred_at = check.times("occurred_at", not_a_time)
    occurred_from = check.times("occurred_from", not_a_time)
    occurred_to = check.times("occurred_to", not_a_time)
    now = timezone.now()
    raw_at, raw_from = check.raw("occurred_at"), check.raw("occurred_from")
    for index in range(table.n):
        at, start, end = occurred_at[index], occurred_from[index], occurred_to[index]
        if not raw_at[index] and not raw_from[index]:
            check.add(index, "occurred_at", _("give the time, or occurred_from"))
        if start and end and end < start:
            check.add(index, "occurred_to", _("the latest time is before the earliest"))
        if (at or start or now) > now:
            check.add(index, "occurred_at", _("the time is in the future"))
    severity = check.parse("severity", int, _("“%(value)s” is not 1, 2 or 3"))
    for index, value in enumerate(severity):
        if value is not None and not 1 <= value <= 3:
            check.add(index, "severity", _("“%(value)s” is not 1, 2 or 3") % {"value": value})
    place_type = check.parse(
        "place_type",
        lambda v: PlaceType(v.lower()),
        _("“%(value)s” is not indoor, semi_public or public"),
    )
    police = check.parse("reported_to_police", _bool, _("“%(value)s” is not ja or nej"))
    cost = check.parse(
        "estimated_cost", lambda v: Decimal(v.replace(" ", "")), _("“%(value)s” is not an amount")
    )
    xy = _coordinates(check, municipality)
    flagged = _scan_text(check, confirm_flagged)
    external = [e[:100] for e in check.raw("external_id")]
    seen: dict[str, int] = {}
    for index, ext in enumerate(external):
        if ext and ext in seen:
            check.add(
                index,
                "external_id",
                _("“%(value)s” is also on row %(other)d") % {"value": ext, "other": seen[ext] + 2},
            )
        seen.setdefault(ext, index)
    if check.errors:
        raise IncidentImportError(check.errors, table.n)
    return _Checked(
        category,
        organisation,
        occurred_at,
        occurred_from,
        occurred_to,
        severity,
        place_type,
        police,
        cost,
        xy,
        external,
        flagged,
    )


def _coordinates(check: _Checker, municipality: Municipality) -> dict[str, np.ndarray]:
    """WGS 84 and SWEREF 99 TM for every row (NaN where none), all rows at once."""
    not_a_number = _("“%(value)s” is not a number")
    lat, lon = check.numbers("lat", not_a_number), check.numbers("lon", not_a_number)
    x, y = check.numbers("x", not_a_number), check.numbers("y", not_a_number)
    from_wgs = ~np.isnan(lat) & ~np.isnan(lon)
    from_sweref = ~from_wgs & ~np.isnan(x) & ~np.isnan(y)
    for index in np.nonzero(np.isnan(lat) != np.isnan(lon))[0].tolist():
        check.add(index, "lat", _("give both lat and lon"))
    x[from_wgs], y[from_wgs] = wgs84_to_sweref(lon[from_wgs], lat[from_wgs])
    lon[from_sweref], lat[from_sweref] = sweref_to_wgs84(x[from_sweref], y[from_sweref])
    boundary = municipality_boundary_sweref(municipality)
    located = from_wgs | from_sweref
    if boundary is not None and located.any():
        inside = np.ones(x.size, dtype=bool)
        inside[located] = shapely.contains_xy(boundary, x[located], y[located])
        for index in np.nonzero(~inside)[0].tolist():
            column = "lat" if from_wgs[index] else "x"
            check.add(index, column, _("the place is outside the municipality"))
    x[~located], y[~located] = np.nan, np.nan
    lat[~located], lon[~located] = np.nan, np.nan
    return {"lat": lat, "lon": lon, "x": x, "y": y}


def _scan_text(check: _Checker, confirm_flagged: bool) -> list[str]:
    flagged: list[str] = []
    for column in ("description", "place_name"):
        for index, text in enumerate(check.table.get(column) or []):
            if not text or not pii.might_contain(text):
                continue  # the fast path: nothing a finding could be made of
            for finding in pii.scan(text):
                if finding.refused:
                    check.add(
                        index,
                        column,
                        _("a personal identity number (“%(text)s”): remove it")
                        % {"text": finding.text},
                    )
                elif not confirm_flagged:
                    check.add(
                        index,
                        column,
                        _(
                            "may contain personal details (“%(text)s”); "
                            "remove them or import with --confirm-flagged"
                        )
                        % {"text": finding.text},
                    )
                else:
                    flagged.append(f"{index + 2}:{column}")
    return flagged


# ---- writing ---------------------------------------------------------------------------------

INSERT_COLUMNS = (
    "municipality_id",
    "reference",
    "category_id",
    "occurred_at",
    "occurred_from",
    "occurred_to",
    "lat",
    "lon",
    "x",
    "y",
    "precision",
    "area_id",
    "place_name",
    "description",
    "severity",
    "place_type",
    "reported_to_police",
    "estimated_cost",
    "reporting_organisation_id",
    "reported_by_id",
    "source",
    "external_id",
    "status",
    "handling_organisation_id",
    "assignee_id",
    "due_date",
    "weekly_report_id",
    "duplicate_of_id",
    "version",
    "created_at",
    "updated_at",
    "details_removed_at",
)


def _write(
    municipality: Municipality,
    checked: _Checked,
    table: Table,
    keep: list[int],
    default_organisation: Organisation | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    """All kept rows with ``executemany`` in chunks: the model layer's per-object work is what
    made a million rows slow, and the rows are already checked."""
    from django.db import connection

    ops = connection.ops
    xy = checked.xy
    area_ids = assign_areas(municipality.pk, xy["x"][keep], xy["y"][keep])
    routes = routes_by_category_area(municipality.pk)
    references = reserve_references(
        municipality, [checked.occurred_at[i] or checked.occurred_from[i] for i in keep]
    )
    now = ops.adapt_datetimefield_value(timezone.now())
    place_names = table.get("place_name") or [""] * table.n
    descriptions = table.get("description") or [""] * table.n
    # Columns as Python lists with None for missing values, converted once, not per cell.
    lat, lon, x, y = (_nullable(xy[k]) for k in ("lat", "lon", "x", "y"))
    at, start, end = (
        adapt_times(connection.vendor, values)
        for values in (checked.occurred_at, checked.occurred_from, checked.occurred_to)
    )

    # Column by column (list comprehensions and zip run in C), then rows by zip.
    organisations = [(checked.organisation[i] or default_organisation) for i in keep]
    categories = [checked.category[i] for i in keep]
    costs = [checked.cost[i] for i in keep]
    columns: list[Iterable[Any]] = [
        repeat(municipality.pk),
        references,
        [c.pk for c in categories],
        [at[i] for i in keep],
        [start[i] for i in keep],
        [end[i] for i in keep],
        [lat[i] for i in keep],
        [lon[i] for i in keep],
        [x[i] for i in keep],
        [y[i] for i in keep],
        [Precision.EXACT if x[i] is not None else Precision.MUNICIPALITY for i in keep],
        area_ids,
        [place_names[i][:200] for i in keep],
        [descriptions[i] for i in keep],
        [checked.severity[i] or 1 for i in keep],
        [checked.place_type[i] or PlaceType.PUBLIC for i in keep],
        [checked.police[i] for i in keep],
        [None if c is None else ops.adapt_decimalfield_value(c, 12, 0) for c in costs],
        [o.pk for o in organisations],  # type: ignore[union-attr]  # checked: never None
        repeat(None),
        repeat(Source.IMPORT),
        [checked.external[i] for i in keep],
        repeat("new"),
        [
            routes.get((c.pk, area), c.default_handler_id)
            for c, area in zip(categories, area_ids, strict=True)
        ],
        *(repeat(None) for _ in range(4)),
        repeat(1),
        repeat(now),
        repeat(now),
        repeat(None),
    ]
    rows = zip(*columns)  # noqa: B905  (the repeat() columns are endless by design)

    def chunks() -> Iterator[list[tuple[Any, ...]]]:
        while chunk := list(islice(rows, CHUNK_ROWS)):
            yield chunk

    insert_chunks(chunks(), len(keep), progress)


CHUNK_ROWS = 20_000


def insert_rows(
    rows: list[tuple[Any, ...]], progress: Callable[[int, int], None] | None = None
) -> None:
    """Write checked rows (values in INSERT_COLUMNS order, adapted for the database) in bulk."""
    insert_chunks(
        (rows[b : b + CHUNK_ROWS] for b in range(0, len(rows), CHUNK_ROWS)), len(rows), progress
    )


def insert_chunks(
    chunks: Iterator[list[tuple[Any, ...]]],
    total: int,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write chunks of checked rows in bulk, inside the caller's transaction.

    PostgreSQL: COPY. SQLite: ``executemany`` on the raw connection in a second thread while
    this thread builds the next chunk — sqlite3 releases the GIL while it writes, so building
    rows and maintaining the table's indexes overlap instead of taking turns."""
    from django.db import connection

    columns = ", ".join(INSERT_COLUMNS)
    done = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: the same rows, several times faster than INSERTs.
            copy_sql = f"COPY {Incident._meta.db_table} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for chunk in chunks:
                    for values in chunk:
                        copy.write_row(values)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            return
        if connection.vendor != "sqlite":
            sql = (
                f"INSERT INTO {Incident._meta.db_table} ({columns}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
            )
            for chunk in chunks:
                cursor.executemany(sql, chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
            return
        # Table and column names are this module's constants; every value is a parameter.
        sql = (
            f"INSERT INTO {Incident._meta.db_table} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['?'] * len(INSERT_COLUMNS))})"
        )
        raw = connection.connection  # Django opens SQLite with check_same_thread=False
        # A large page cache while writing: the indexes of a growing table stay in memory.
        before = raw.execute("PRAGMA cache_size").fetchone()[0]
        raw.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
        try:
            _pipelined(raw, sql, chunks, total, progress)
        finally:
            raw.execute(f"PRAGMA cache_size = {int(before)}")


IMPORT_CACHE_KIB = 512 * 1024


def _pipelined(
    raw: Any,
    sql: str,
    chunks: Iterator[list[tuple[Any, ...]]],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    done = 0
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[Any] | None = None
        for chunk in chunks:
            if pending is not None:
                pending.result()
                if progress:
                    progress(done, total)
            pending = writer.submit(raw.executemany, sql, chunk)
            done += len(chunk)
        if pending is not None:
            pending.result()
            if progress:
                progress(done, total)


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
    table = read_table(raw, filename)
    if table.n == 0:
        raise IncidentImportError([_("The file holds no rows.")])
    checked = _check(table, municipality, default_organisation, confirm_flagged)
    existing = (
        set(
            Incident.objects.filter(municipality=municipality, source=Source.IMPORT)
            .exclude(external_id="")
            .values_list("external_id", flat=True)
            .iterator(chunk_size=50_000)
        )
        if any(checked.external)
        else set()
    )
    keep = [i for i, ext in enumerate(checked.external) if not ext or ext not in existing]
    # In time order: reference numbers follow the calendar, and the time indexes are appended
    # to rather than split all over (a third faster on a million rows).
    keep.sort(key=lambda i: checked.occurred_at[i] or checked.occurred_from[i] or EPOCH)
    result = IncidentImportResult(
        rows=table.n, skipped_existing=table.n - len(keep), flagged=checked.flagged
    )
    if dry_run:
        return result
    with transaction.atomic():
        if keep:
            _write(municipality, checked, table, keep, default_organisation, progress)
        result.created = len(keep)
        record(
            AuditAction.INCIDENTS_IMPORTED,
            actor=actor,
            municipality=municipality,
            object_repr=filename[:200],
            changes={"created": result.created, "skipped": result.skipped_existing},
        )
    return result


def _nullable(values: np.ndarray) -> list[float | None]:
    """A float array as a list, NaN as None (what the database calls NULL)."""
    out: list[float | None] = values.tolist()
    for index in np.nonzero(np.isnan(values))[0].tolist():
        out[index] = None
    return out


def adapt_times(vendor: str, values: list[datetime | None]) -> list[Any]:
    """Aware datetimes as the database takes them: SQLite stores naive UTC text (as Django
    does); PostgreSQL takes the aware value."""
    if vendor != "sqlite":
        return values
    return [
        None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ") for v in values
    ]


def reserve_references(municipality: Municipality, times: Sequence[datetime | None]) -> list[str]:
    """Reference numbers for many incidents at once: one counter update per year."""
    this_year = timezone.localdate().year
    years = [t.astimezone(STOCKHOLM).year if t else this_year for t in times]
    next_number: dict[int, int] = {}
    for year, count in sorted(Counter(years).items()):
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
            municipality=municipality, year=year
        )
        next_number[year] = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    out = []
    for year in years:
        out.append(f"{year}-{next_number[year]:06d}")
        next_number[year] += 1
    return out
