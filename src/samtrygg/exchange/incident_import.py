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
from typing import Any, BinaryIO
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
from samtrygg.core import bounds
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


# ---- reading: every format becomes chunks of columns of strings ----------------------------
#
# A file is read a chunk of rows at a time, so a 200 MB CSV costs the memory of one chunk, not of
# the whole file as Python strings (which was three to four times the file's size).

CHUNK_ROWS = 20_000
MAX_CELL_CHARACTERS = 5_000_000  # the csv module's own limit (128 KB) would end the read
MAX_XLSX_UNPACKED = 1_000_000_000  # bytes: a larger "spreadsheet" is a decompression bomb
MAX_XLSX_RATIO = 200  # packed ≈ 5–20 × in real spreadsheets; bombs are thousands
MAX_GEOJSON_BYTES = 100_000_000  # GeoJSON is read whole; large files come as CSV

csv.field_size_limit(MAX_CELL_CHARACTERS)


@dataclass
class Table:
    columns: dict[str, list[str]]
    n: int
    start: int = 0  # index of this chunk's first row among the file's data rows

    def get(self, name: str) -> list[str] | None:
        return self.columns.get(name)


def _columns(names: list[str], rows: list[list[str]], start: int) -> Table:
    width = len(names)
    rows = [r if len(r) == width else (r + [""] * width)[:width] for r in rows]
    transposed = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    columns = {
        name: [v.strip() for v in values]
        for name, values in zip(names, transposed, strict=True)
        if name
    }
    return Table(columns, len(rows), start)


def _chunks(header: list[str], records: Iterator[list[str]]) -> Iterator[Table]:
    names = [h.strip().lower() for h in header]
    start = 0
    while True:
        block = list(islice(records, CHUNK_ROWS))
        if not block:
            return
        rows = [r for r in block if any(v.strip() for v in r)]
        if rows:
            yield _columns(names, rows, start)
            start += len(rows)


def _read_csv(source: BinaryIO) -> Iterator[Table]:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    first = text.readline()
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    yield from _chunks(header, csv.reader(text, delimiter=delimiter))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _check_zip(source: BinaryIO) -> None:
    """Refuse a decompression bomb before any part of it is unpacked."""
    import zipfile

    try:
        members = zipfile.ZipFile(source).infolist()
    except zipfile.BadZipFile:
        raise IncidentImportError([_("The file is not an XLSX spreadsheet.")]) from None
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if unpacked > MAX_XLSX_UNPACKED or unpacked / packed > MAX_XLSX_RATIO:
        raise IncidentImportError(
            [_("The spreadsheet unpacks to far more than it holds: it cannot be imported.")]
        )
    source.seek(0)


def _read_xlsx(source: BinaryIO) -> Iterator[Table]:
    from openpyxl import load_workbook

    _check_zip(source)
    sheet = load_workbook(source, read_only=True, data_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(h) for h in next(rows, ())]
    yield from _chunks(header, ([_cell(v) for v in values] for values in rows))


def _read_geojson(source: BinaryIO) -> Iterator[Table]:
    raw = source.read(MAX_GEOJSON_BYTES + 1)
    if len(raw) > MAX_GEOJSON_BYTES:
        raise IncidentImportError(
            [_("A GeoJSON file may be at most 100 MB: import large files as CSV.")]
        )
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
    del raw, features
    header = list(names)
    yield from _chunks(header, iter([[r.get(h, "") for h in header] for r in records]))


def read_tables(source: BinaryIO, filename: str) -> Iterator[Table]:
    """The file's rows, a chunk at a time; a file that cannot be read is an IncidentImportError
    with a Swedish message, whenever in the reading it turns out."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            yield from _read_xlsx(source)
        elif name.endswith((".geojson", ".json")):
            yield from _read_geojson(source)
        else:
            yield from _read_csv(source)
    except UnicodeError:
        raise IncidentImportError([_("The file is not UTF-8 text.")]) from None
    except csv.Error:
        raise IncidentImportError(
            [
                _("The file cannot be read as CSV: a cell is longer than %(n)d characters.")
                % {"n": MAX_CELL_CHARACTERS}
            ]
        ) from None
    except RecursionError:
        raise IncidentImportError([_("The file is nested too deeply to be read.")]) from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise IncidentImportError([_("The file cannot be read in this format.")]) from None


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
                % {"row": self.table.start + index + 2, "column": column, "message": message}
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
            except (ValueError, InvalidOperation, KeyError, OverflowError):
                self.add(index, column, message % {"value": _quoted(value)})
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
            except (ValueError, OverflowError):
                self.add(index, column, message % {"value": _quoted(values[index])})
        local = series.dt.tz_localize(
            STOCKHOLM, ambiguous=np.ones(len(series), dtype=bool), nonexistent="shift_forward"
        )
        out: list[datetime | None] = list(np.asarray(local.dt.to_pydatetime(), dtype=object))
        for index in np.nonzero(local.isna().to_numpy())[0].tolist():
            out[index] = None
        return out


def _quoted(value: str) -> str:
    """A cell as it may be shown in a message: short, and only characters that can be shown."""
    shown = value if len(value) <= 60 else value[:57] + "…"
    return shown.encode("utf-8", "replace").decode("utf-8").translate(_UNSHOWABLE)


_UNSHOWABLE = dict.fromkeys((*range(32), 127), "�")


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


@dataclass
class _Context:
    """What every chunk is checked against, read from the database once per import."""

    municipality: Municipality
    default_organisation: Organisation | None
    confirm_flagged: bool
    categories: dict[str, Category]
    organisations: dict[str, Organisation]
    boundary: Any
    now: datetime

    @classmethod
    def load(
        cls,
        municipality: Municipality,
        default_organisation: Organisation | None,
        confirm_flagged: bool,
    ) -> _Context:
        categories = {c.code: c for c in Category.objects.filter(municipality=municipality)}
        categories |= {c.label_sv.lower(): c for c in categories.values()}
        organisations = {
            o.name.lower(): o
            for o in Organisation.objects.filter(municipality=municipality, is_active=True)
        }
        return cls(
            municipality,
            default_organisation,
            confirm_flagged,
            categories,
            organisations,
            municipality_boundary_sweref(municipality),
            timezone.now(),
        )


def _check(table: Table, context: _Context) -> _Checked:
    """Every cell of one chunk against the bounds every door uses (core/bounds.py)."""
    check = _Checker(table)
    category = check.parse(
        "category",
        lambda v: context.categories[v.lower()],
        _("“%(value)s” is not a category of the municipality"),
        required=True,
    )
    for index, value in enumerate(category):
        if value is not None and not value.is_active:
            check.add(index, "category", _("the category is no longer in use"))
    organisation = check.parse(
        "organisation",
        lambda v: context.organisations[v.lower()],
        _("“%(value)s” is not an organisation of the municipality"),
    )
    if context.default_organisation is None:
        for index, org in enumerate(organisation):
            if org is None and check.raw("organisation")[index] == "":
                check.add(index, "organisation", _("a value is needed"))
    occurred_at, occurred_from, occurred_to = _check_times(check, context.now)
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
        "estimated_cost", lambda v: Decimal(_plain_number(v)), _("“%(value)s” is not an amount")
    )
    for index, value in enumerate(cost):
        problem = None if value is None else bounds.cost_problem(value)
        if problem:
            check.add(index, "estimated_cost", problem)
    _check_texts(check)
    xy = _coordinates(check, context.boundary)
    flagged = _scan_text(check, context.confirm_flagged)
    external = check.raw("external_id")
    seen: dict[str, int] = {}
    for index, ext in enumerate(external):
        if ext and ext in seen:
            check.add(
                index,
                "external_id",
                _("“%(value)s” is also on row %(other)d")
                % {"value": _quoted(ext), "other": table.start + seen[ext] + 2},
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


def _plain_number(value: str) -> str:
    return value.replace(" ", "").replace("\u00a0", "").replace(",", ".")


TEXT_COLUMNS = {
    "description": bounds.DESCRIPTION_MAX,
    "place_name": bounds.PLACE_NAME_MAX,
    "external_id": bounds.EXTERNAL_ID_MAX,
}


def _check_texts(check: _Checker) -> None:
    for column, limit in TEXT_COLUMNS.items():
        for index, text in enumerate(check.table.get(column) or []):
            problem = bounds.text_problem(text, limit) if text else None
            if problem:
                check.add(index, column, problem)
                check.table.columns[column][index] = ""  # scanned no further


def _check_times(
    check: _Checker, now: datetime
) -> tuple[list[datetime | None], list[datetime | None], list[datetime | None]]:
    not_a_time = _("“%(value)s” is not a time")
    occurred_at = check.times("occurred_at", not_a_time)
    occurred_from = check.times("occurred_from", not_a_time)
    occurred_to = check.times("occurred_to", not_a_time)
    raw_at, raw_from = check.raw("occurred_at"), check.raw("occurred_from")
    earliest = bounds.earliest_time()
    for index in range(check.table.n):
        at, start, end = occurred_at[index], occurred_from[index], occurred_to[index]
        if not raw_at[index] and not raw_from[index]:
            check.add(index, "occurred_at", _("give the time, or occurred_from"))
        for column, value in (("occurred_at", at), ("occurred_from", start), ("occurred_to", end)):
            problem = None if value is None else bounds.time_problem(value, now, earliest)
            if problem:
                check.add(index, column, problem)
        if start and end and end < start:
            check.add(index, "occurred_to", _("the latest time is before the earliest"))
    return occurred_at, occurred_from, occurred_to


def _coordinates(check: _Checker, boundary: Any) -> dict[str, np.ndarray]:
    """WGS 84 and SWEREF 99 TM for every row (NaN where none), all rows at once."""
    not_a_number = _("“%(value)s” is not a number")
    lat, lon = check.numbers("lat", not_a_number), check.numbers("lon", not_a_number)
    x, y = check.numbers("x", not_a_number), check.numbers("y", not_a_number)
    for column, values in (("lat", lat), ("lon", lon), ("x", x), ("y", y)):
        for index in np.nonzero(np.isinf(values))[0].tolist():
            check.add(index, column, _("The coordinates are not numbers."))
            values[index] = np.nan
    for index in np.nonzero(np.isnan(lat) != np.isnan(lon))[0].tolist():
        check.add(index, "lat", _("give both lat and lon"))
    with np.errstate(invalid="ignore"):
        off_earth = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    for index in np.nonzero(off_earth)[0].tolist():
        check.add(index, "lat", str(bounds.coordinate_problem(lat[index], lon[index])))
        lat[index] = lon[index] = np.nan
    from_wgs = ~np.isnan(lat) & ~np.isnan(lon)
    from_sweref = ~from_wgs & ~np.isnan(x) & ~np.isnan(y)
    x[from_wgs], y[from_wgs] = wgs84_to_sweref(lon[from_wgs], lat[from_wgs])
    lon[from_sweref], lat[from_sweref] = sweref_to_wgs84(x[from_sweref], y[from_sweref])
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


def _rows(
    context: _Context, checked: _Checked, table: Table, keep: list[int]
) -> list[tuple[Any, ...]]:
    """The kept rows of one checked chunk as INSERT_COLUMNS tuples, adapted for the database:
    the model layer's per-object work is what made a million rows slow, and the rows are
    already checked."""
    from django.db import connection

    municipality = context.municipality
    ops = connection.ops
    xy = checked.xy
    area_ids = assign_areas(municipality.pk, xy["x"][keep], xy["y"][keep])
    routes = routes_by_category_area(municipality.pk)
    references = reserve_references(
        municipality, [checked.occurred_at[i] or checked.occurred_from[i] for i in keep]
    )
    now = ops.adapt_datetimefield_value(context.now)
    place_names = table.get("place_name") or [""] * table.n
    descriptions = table.get("description") or [""] * table.n
    # Columns as Python lists with None for missing values, converted once, not per cell.
    lat, lon, x, y = (_nullable(xy[k]) for k in ("lat", "lon", "x", "y"))
    at, start, end = (
        adapt_times(connection.vendor, values)
        for values in (checked.occurred_at, checked.occurred_from, checked.occurred_to)
    )

    # Column by column (list comprehensions and zip run in C), then rows by zip.
    organisations = [(checked.organisation[i] or context.default_organisation) for i in keep]
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
        [place_names[i] for i in keep],
        [descriptions[i] for i in keep],
        [checked.severity[i] or 1 for i in keep],
        [checked.place_type[i] or PlaceType.PUBLIC for i in keep],
        [checked.police[i] for i in keep],
        [None if c is None else adapt_cost(ops, c) for c in costs],
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
    return list(zip(*columns))  # noqa: B905  (the repeat() columns are endless by design)


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
            # One COPY per chunk: making the next chunk may query the database, which the
            # connection cannot do while a COPY is open.
            copy_sql = f"COPY {Incident._meta.db_table} ({columns}) FROM STDIN"
            for chunk in chunks:
                with cursor.cursor.copy(copy_sql) as copy:
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


# SQLite's page cache while importing: the indexes of a growing table stay in memory. It is
# part of the import's memory (issue 10: a 200 MB file within 300 MB extra), so it is bounded.
IMPORT_CACHE_KIB = 64 * 1024


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


class _ExternalIds:
    """External ids already imported and those seen earlier in this file, as 64-bit hashes in
    sorted arrays: a million ids as Python strings would cost more memory than the rows."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        hashes = [
            hash(e)
            for e in Incident.objects.filter(municipality=municipality, source=Source.IMPORT)
            .exclude(external_id="")
            .values_list("external_id", flat=True)
            .iterator(chunk_size=50_000)
        ]
        self.existing = np.sort(np.array(hashes, dtype=np.int64))
        self.seen: list[np.ndarray] = []
        self.seen_rows: list[np.ndarray] = []

    def already_imported(self, ids: list[str]) -> set[str]:
        hashes = np.array([hash(e) for e in ids], dtype=np.int64)
        maybe = [e for e, hit in zip(ids, np.isin(hashes, self.existing), strict=True) if hit]
        if not maybe:
            return set()
        # A hash may collide: the database says which ids are really there.
        return set(
            Incident.objects.filter(
                municipality=self.municipality, source=Source.IMPORT, external_id__in=maybe
            ).values_list("external_id", flat=True)
        )

    def remember(self, ids: list[str], start: int) -> None:
        rows = np.array([i for i, e in enumerate(ids) if e], dtype=np.int64) + start
        self.seen.append(np.array([hash(e) for e in ids if e], dtype=np.int64))
        self.seen_rows.append(rows)

    def repeated_across_chunks(self) -> list[tuple[int, int]]:
        """(row, first row) of each id that an earlier chunk already had (file row indices)."""
        if not self.seen:
            return []
        hashes, rows = np.concatenate(self.seen), np.concatenate(self.seen_rows)
        order = np.argsort(hashes, kind="stable")
        hashes, rows = hashes[order], rows[order]
        same = np.nonzero(hashes[1:] == hashes[:-1])[0] + 1
        first: dict[int, int] = {}
        out = []
        for index in same.tolist():
            key = int(hashes[index])
            first.setdefault(key, int(rows[index - 1]))
            if rows[index] // CHUNK_ROWS != first[key] // CHUNK_ROWS:
                out.append((int(rows[index]), first[key]))  # within a chunk: reported already
        return out


class _ImportRun:
    """Checks chunk after chunk, collecting every error, and hands on the rows to write while
    there are none: the caller's transaction is rolled back if any chunk had an error."""

    def __init__(self, context: _Context) -> None:
        self.context = context
        self.ids = _ExternalIds(context.municipality)
        self.errors: list[str] = []
        self.result = IncidentImportResult()

    def row_chunks(self, tables: Iterator[Table]) -> Iterator[list[tuple[Any, ...]]]:
        for table in tables:
            self.result.rows += table.n
            try:
                checked = _check(table, self.context)
            except IncidentImportError as error:
                self.errors.extend(error.errors[: MAX_ERRORS - len(self.errors)])
                continue
            self.ids.remember(checked.external, table.start)
            there = self.ids.already_imported([e for e in checked.external if e])
            keep = [i for i, ext in enumerate(checked.external) if not ext or ext not in there]
            self.result.skipped_existing += table.n - len(keep)
            self.result.flagged += checked.flagged
            if self.errors or not keep:
                continue
            # In time order: reference numbers follow the calendar, and the time indexes are
            # appended to rather than split all over (a third faster on a million rows).
            keep.sort(key=lambda i: checked.occurred_at[i] or checked.occurred_from[i] or EPOCH)
            self.result.created += len(keep)
            yield _rows(self.context, checked, table, keep)

    def finish(self) -> None:
        for row, first in self.ids.repeated_across_chunks():
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(
                    _("Row %(row)d, column “%(column)s”: %(message)s")
                    % {
                        "row": row + 2,
                        "column": "external_id",
                        "message": _("the same id is also on row %(other)d") % {"other": first + 2},
                    }
                )
        if self.result.rows == 0 and not self.errors:
            self.errors.append(_("The file holds no rows."))
        if self.errors:
            raise IncidentImportError(self.errors, self.result.rows)


def import_incidents(
    source: bytes | BinaryIO,
    filename: str,
    municipality: Municipality,
    default_organisation: Organisation | None = None,
    actor: Any = None,
    dry_run: bool = False,
    confirm_flagged: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> IncidentImportResult:
    """Import a file (bytes or a binary file object, read a chunk at a time). Every row is
    checked; on any error nothing is written and every error is reported by row and column."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    run = _ImportRun(_Context.load(municipality, default_organisation, confirm_flagged))
    with transaction.atomic():
        chunks = run.row_chunks(read_tables(source, filename))
        if dry_run:
            for _chunk in chunks:
                pass  # checked, never written
        else:
            insert_chunks(chunks, 0, progress)
        run.finish()  # raises on any error: the transaction rolls back what was written
        result = run.result
        if dry_run:
            result.created = 0
            return result
        record(
            AuditAction.INCIDENTS_IMPORTED,
            actor=actor,
            municipality=municipality,
            object_repr=filename[:200],
            changes={"created": result.created, "skipped": result.skipped_existing},
        )
    return result


def adapt_cost(ops: Any, amount: Decimal) -> Any:
    """An amount as the database takes it, with the digits the model's field declares."""
    field = Incident._meta.get_field("estimated_cost")
    return ops.adapt_decimalfield_value(amount, field.max_digits, field.decimal_places)


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
