"""The municipality's incidents as numpy columns in memory, kept current incrementally.

Maps and dashboards filter and count these columns (vectorised) instead of querying rows. A
snapshot is loaded once per process; on each use it reads only what changed since: incidents
with a higher id (new reports and imports) and incidents named in ``IncidentChange`` after the
last change it saw (status and handler changes by the case services). Free text is not held.
A million incidents take about 45 MB and a few seconds to load the first time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from samtrygg.incidents.models import Incident, IncidentChange, Source, Status

STATUSES = list(Status.values)
SOURCES = list(Source.values)
PRECISIONS = ["exact", "approximate", "area", "municipality", "county"]
NOT_COUNTED = (STATUSES.index(Status.DUPLICATE), STATUSES.index(Status.REJECTED))
LOOKBACK = 1000
EMPTY_DTYPES: dict[str, Any] = {
    "category": np.int32,
    "area": np.int32,
    "organisation": np.int32,
    "handler": np.int32,
    "status": np.int8,
    "source": np.int8,
    "precision": np.int8,
    "x": np.float64,
    "y": np.float64,
    "severity": np.int8,
    "cost": np.float64,
    "police": np.int8,
}
_COLUMNS = (
    "id",
    "start",  # minutes since 1970 (UTC): occurred_at, or the window's start
    "end",  # minutes since 1970: occurred_at, or the window's end
    "category",
    "area",
    "organisation",
    "handler",
    "status",
    "source",
    "precision",
    "x",
    "y",
    "severity",
    "cost",
    "police",
)


def _minutes_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 60) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER) / 60"


def _select(where: str) -> str:
    start = _minutes_sql("COALESCE(occurred_at, occurred_from)")
    end = _minutes_sql("COALESCE(occurred_at, occurred_to, occurred_from)")
    # Column names are fixed here; the values are parameters.
    return (
        f"SELECT id, {start}, {end}, category_id, area_id, reporting_organisation_id, "  # noqa: S608
        "handling_organisation_id, status, source, precision, x, y, severity, estimated_cost, "
        f"reported_to_police FROM {Incident._meta.db_table} WHERE {where} ORDER BY id"
    )


def _code(values: list[Any], choices: list[str]) -> NDArray[np.int8]:
    lookup = {value: index for index, value in enumerate(choices)}
    return np.fromiter((lookup.get(v, -1) for v in values), dtype=np.int8, count=len(values))


def _columns(rows: list[tuple[Any, ...]]) -> dict[str, NDArray[Any]]:
    if not rows:
        return {name: np.empty(0, dtype=EMPTY_DTYPES.get(name, np.int64)) for name in _COLUMNS}
    raw = list(zip(*rows, strict=True))

    def ints(values: tuple[Any, ...], dtype: Any = np.int64) -> NDArray[Any]:
        return np.array([-1 if v is None else v for v in values], dtype=dtype)

    def floats(values: tuple[Any, ...]) -> NDArray[np.float64]:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)

    return {
        "id": ints(raw[0]),
        "start": ints(raw[1]),
        "end": ints(raw[2]),
        "category": ints(raw[3], np.int32),
        "area": ints(raw[4], np.int32),
        "organisation": ints(raw[5], np.int32),
        "handler": ints(raw[6], np.int32),
        "status": _code(list(raw[7]), STATUSES),
        "source": _code(list(raw[8]), SOURCES),
        "precision": _code(list(raw[9]), PRECISIONS),
        "x": floats(raw[10]),
        "y": floats(raw[11]),
        "severity": ints(raw[12], np.int8),
        "cost": floats(raw[13]),
        "police": np.array([-1 if v is None else int(bool(v)) for v in raw[14]], dtype=np.int8),
    }


@dataclass
class Snapshot:
    municipality_id: int
    columns: dict[str, NDArray[Any]]
    last_change: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.columns[name]

    @property
    def size(self) -> int:
        return int(self.columns["id"].size)

    @property
    def max_id(self) -> int:
        ids = self.columns["id"]
        return int(ids[-1]) if ids.size else 0

    @property
    def counted(self) -> NDArray[np.bool_]:
        """Incidents that count in statistics: a merged duplicate or a rejected report does not
        (the group of duplicates counts once, as its main case)."""
        return ~np.isin(self.columns["status"], NOT_COUNTED)

    def refresh(self) -> None:
        """Add new incidents and re-read changed ones (two small queries when nothing changed)."""
        with self.lock:
            # On PostgreSQL ids can commit out of order; look back a little for late commits.
            lookback = LOOKBACK if connection.vendor == "postgresql" else 0
            new = _fetch(
                "municipality_id = %s AND id > %s", [self.municipality_id, self.max_id - lookback]
            )
            if lookback and new:
                known = set(self.columns["id"][-lookback:].tolist())
                new = [row for row in new if row[0] not in known]
            changes = list(
                IncidentChange.objects.filter(
                    municipality_id=self.municipality_id, pk__gt=self.last_change
                )
                .order_by("pk")
                .values_list("pk", "incident_id")
            )
            if changes:
                self.last_change = changes[-1][0]
                changed_ids = sorted({i for _pk, i in changes if i <= self.max_id})
                if changed_ids:
                    self._replace(changed_ids)
            if new:
                added = _columns(new)
                merged = {k: np.concatenate([v, added[k]]) for k, v in self.columns.items()}
                order = np.argsort(merged["id"], kind="stable")  # late commits fall in place
                self.columns = {k: v[order] for k, v in merged.items()}

    def _replace(self, ids: list[int]) -> None:
        placeholders = ", ".join(["%s"] * len(ids))
        fresh = _columns(
            _fetch(f"municipality_id = %s AND id IN ({placeholders})", [self.municipality_id, *ids])
        )
        positions = np.searchsorted(self.columns["id"], fresh["id"])
        for name, values in fresh.items():
            self.columns[name][positions] = values


def _fetch(where: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(_select(where), params)
        return cursor.fetchall()


_SNAPSHOTS: dict[tuple[str, int], Snapshot] = {}
_GUARD = threading.Lock()


def snapshot(municipality_id: int) -> Snapshot:
    """The current snapshot of one municipality's incidents."""
    key = (connection.settings_dict["NAME"], municipality_id)  # one per database (tests)
    with _GUARD:
        current = _SNAPSHOTS.get(key)
        if current is None:
            last = (
                IncidentChange.objects.filter(municipality_id=municipality_id)
                .order_by("-pk")
                .values_list("pk", flat=True)
                .first()
            )
            rows = _fetch("municipality_id = %s", [municipality_id])
            current = Snapshot(municipality_id, _columns(rows), last_change=last or 0)
            _SNAPSHOTS[key] = current
            return current
    current.refresh()
    return current


def forget_all() -> None:
    """Drop every snapshot (tests that rebuild their database use this)."""
    with _GUARD:
        _SNAPSHOTS.clear()
