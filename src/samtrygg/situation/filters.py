"""The situation picture's filters: period, categories, areas, organisations, status, source.

They live in the URL (``?period=quarter&category=3&area=12&layers=hotspots``) so that a view can
be shared by copying the address; every page, layer, table and download reads the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from numpy.typing import NDArray

from samtrygg.core import bounds
from samtrygg.incidents.models import Source, Status
from samtrygg.incidents.visibility import incident_visibility, statistics_visibility
from samtrygg.tenancy.policy import Access

from .aggregates import restricted_ids
from .snapshot import SOURCES, STATUSES, Snapshot

PERIODS = {
    "week": _("This week"),
    "4weeks": _("Last 4 weeks"),
    "quarter": _("Last quarter (13 weeks)"),
    "year": _("Last 12 months"),
    "custom": _("Chosen dates"),
}
DEFAULT_PERIOD = "4weeks"
LAYERS = ("points", "heat", "grid", "hotspots", "areas", "assessments")
DEFAULT_LAYERS = ("areas", "hotspots")


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@dataclass(frozen=True)
class SituationFilters:
    period: str = DEFAULT_PERIOD
    first: date | None = None  # custom period, inclusive
    last: date | None = None
    categories: tuple[int, ...] = ()
    areas: tuple[int, ...] = ()
    organisations: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    layers: tuple[str, ...] = DEFAULT_LAYERS
    extra: dict[str, str] = field(default_factory=dict)  # map view: zoom and centre
    # Completed calendar periods only (aggregates-only users: situation/disclosure.py).
    calendar: bool = False
    # What was wrong with typed dates, in the user's language (the page says it; the period
    # shown is then the default one), and the dates as typed, to be shown again for a fix.
    problems: tuple[str, ...] = ()
    entered_from: str = ""
    entered_to: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> SituationFilters:
        period = query.get("period", DEFAULT_PERIOD)
        if period not in PERIODS:
            period = DEFAULT_PERIOD
        period, first, last, problems = _typed_period(
            period, query.get("from", "").strip(), query.get("to", "").strip()
        )
        layers = tuple(
            layer
            for layer in query.get("layers", ",".join(DEFAULT_LAYERS)).split(",")
            if layer in LAYERS
        )
        return cls(
            period=period,
            first=first if period == "custom" else None,
            last=last if period == "custom" else None,
            categories=tuple(_ints(query.getlist("category"))),
            areas=tuple(_ints(query.getlist("area"))),
            organisations=tuple(_ints(query.getlist("organisation"))),
            statuses=tuple(s for s in query.getlist("status") if s in Status.values),
            sources=tuple(s for s in query.getlist("source") if s in Source.values),
            layers=layers,
            extra={
                **{k: str(query.get(k)) for k in ("z", "lat", "lng") if _number(query.get(k))},
                **({"rate": "1"} if query.get("rate") == "1" else {}),
            },
            problems=tuple(problems),
            entered_from=query.get("from", "").strip()[:20],
            entered_to=query.get("to", "").strip()[:20],
        )

    def dates(self, today: date | None = None) -> tuple[date, date]:
        """The period's first and last day (inclusive, Europe/Stockholm)."""
        today = today or timezone.localdate()
        if self.calendar:
            from .disclosure import calendar_dates

            return calendar_dates(self.period, today)
        if self.period == "custom" and self.first and self.last:
            return self.first, self.last
        if self.period == "week":
            return today - timedelta(days=today.weekday()), today
        days = {"4weeks": 28, "quarter": 91, "year": 365}[self.period]
        return today - timedelta(days=days - 1), today

    def previous_dates(self, today: date | None = None) -> tuple[date, date]:
        """The period of the same length just before (for change); for calendar periods the
        calendar period before."""
        first, last = self.dates(today)
        if self.calendar:
            return self.dates(first)
        length = (last - first).days + 1
        return first - timedelta(days=length), first - timedelta(days=1)

    def query(self, **changes: Any) -> str:
        """These filters as a URL query, with some changed (for links and the JS map)."""
        values = {
            "period": self.period,
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "category": list(self.categories),
            "area": list(self.areas),
            "organisation": list(self.organisations),
            "status": list(self.statuses),
            "source": list(self.sources),
            "layers": ",".join(self.layers),
            **self.extra,
        }
        values.update(changes)
        out = QueryDict(mutable=True)
        for key, value in values.items():
            if isinstance(value, list):
                out.setlist(key, [str(v) for v in value])
            elif value not in (None, ""):
                out[key] = str(value)
        return out.urlencode()


def _typed_period(
    period: str, typed_from: str, typed_to: str
) -> tuple[str, date | None, date | None, list[str]]:
    """The period, first and last day from the chosen period and the typed dates. A typed date
    chooses "Chosen dates" by itself (a from date alone runs to today, a to date alone is the
    end of four weeks); a date that cannot be used, or a to date before the from date, is
    answered with a message and the default period is shown, never silently another one."""
    problems: list[str] = []
    first, last = _date(typed_from), _date(typed_to)
    for typed, parsed, label in ((typed_from, first, _("From")), (typed_to, last, _("To"))):
        if typed and parsed is None:
            problems.append(
                str(
                    _("%(field)s: “%(value)s” is not a date; write it as year-month-day.")
                    % {"field": label, "value": typed[:20]}
                )
            )
        elif parsed is not None and not (bounds.DB_EARLIEST.date() <= parsed <= _latest()):
            problems.append(
                str(
                    _("%(field)s: %(value)s is outside the dates the map can show.")
                    % {"field": label, "value": parsed.isoformat()}
                )
            )
    if problems:
        return DEFAULT_PERIOD, None, None, problems
    if first is None and last is None:
        if period == "custom":
            problems.append(str(_("Write a from date or a to date for “Chosen dates”.")))
            return DEFAULT_PERIOD, None, None, problems
        return period, None, None, []
    last = last or timezone.localdate()
    first = first or last - timedelta(days=27)
    if last < first:
        problems.append(
            str(
                _(
                    "The to date (%(to)s) is before the from date (%(from)s): change one of "
                    "them. Until then the map shows the last 4 weeks."
                )
                % {"to": last.isoformat(), "from": first.isoformat()}
            )
        )
        return DEFAULT_PERIOD, None, None, problems
    return "custom", first, last, []


def _latest() -> date:
    return min(bounds.DB_LATEST.date(), timezone.localdate() + timedelta(days=366))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _number(value: str | None) -> bool:
    try:
        return value is not None and np.isfinite(float(value))
    except ValueError:
        return False


def minutes(day: date, end: bool = False) -> int:
    """Minutes since 1970 (UTC) at the start (or end) of a local day."""
    moment = datetime.combine(day, time.max if end else time.min, timezone.get_current_timezone())
    return int(moment.timestamp() // 60)


def restricted_category_ids(access: Access) -> set[int]:
    return set(restricted_ids(access.municipality))


def statistics_mask(snap: Snapshot, access: Access) -> NDArray[np.bool_]:
    """Incidents that count in this user's aggregates: the whole municipality's counted
    incidents (the shared lägesbild), without restricted categories unless the user may see
    them (coordinators, or the reporting organisation)."""
    rule = statistics_visibility(access)
    if rule.everything:
        return snap.counted
    return snap.counted & rule.mask(snap, restricted_category_ids(access))


def points_mask(snap: Snapshot, access: Access) -> NDArray[np.bool_]:
    """Incidents this user may see one by one: the rule of incidents/visibility.py as a mask
    (the case list reads it as a query); viewers none."""
    rule = incident_visibility(access)
    if rule.everything:
        return np.ones(snap.size, dtype=bool)
    return rule.mask(snap, restricted_category_ids(access))


def filter_mask(
    snap: Snapshot, filters: SituationFilters, period: tuple[date, date] | None = None
) -> NDArray[np.bool_]:
    """The incidents matching the filters (the period by when they happened)."""
    first, last = period or filters.dates()
    mask = (snap["start"] <= minutes(last, end=True)) & (snap["end"] >= minutes(first))
    if filters.categories:
        mask &= np.isin(snap["category"], filters.categories)
    if filters.areas:
        mask &= np.isin(snap["area"], filters.areas)
    if filters.organisations:
        mask &= np.isin(snap["organisation"], filters.organisations)
    if filters.statuses:
        mask &= np.isin(snap["status"], [STATUSES.index(s) for s in filters.statuses])
    if filters.sources:
        mask &= np.isin(snap["source"], [SOURCES.index(s) for s in filters.sources])
    return mask
