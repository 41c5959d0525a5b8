"""Disclosure control for aggregates that viewers (politicians, managers) and other
aggregates-only users see (issue 11; DESIGN.md rule 9).

Three rules, in one place:

1. **Primary suppression**: a count above zero and below the threshold
   (``SAMTRYGG_SMALL_COUNT_THRESHOLD``, default 3) is not shown.
2. **Complementary suppression**: where a breakdown is shown with its total, the hidden cells
   could be computed as the total minus the visible ones; more cells are hidden (the smallest
   first) until the hidden cells together hold at least the threshold and are at least two, or
   else the total is hidden.
3. **Fixed periods and units**: these users choose among completed calendar periods (the last
   ISO week, calendar month, calendar quarter, calendar year), never a free date range or a
   period that grows day by day, and no filters: they read the whole municipality's tables by
   area, category, weekday and time band (broad bands, never the hour) and 250 m square.
4. **Nested periods**: where one published period holds another (a month in its quarter, a week
   in its month), a cell shown in both must not differ by a small count, or the difference
   would be a small count for the rest of the period; such a cell is hidden in the shorter
   period, and a period whose total differs so from a longer one's is not shown at all.

``protect`` applies all of them together to the release (situation/release.py), from which
every page, layer, CSV and document for these users reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .filters import SituationFilters

# The periods an aggregates-only user may choose: completed calendar periods, by the same keys
# as the free periods of the other roles (so links and saved views keep working).
CALENDAR_PERIODS = {
    "week": _("Last week (ISO week)"),
    "4weeks": _("Last calendar month"),
    "quarter": _("Last calendar quarter"),
    "year": _("Last calendar year"),
}


def threshold() -> int:
    return int(settings.SMALL_COUNT_THRESHOLD)


def is_small(count: float) -> bool:
    return 0 < count < threshold()


def hide(count: int) -> int | None:
    """Primary suppression: None for a count that may not be shown."""
    return None if is_small(count) else count


def protect_breakdown(
    cells: Sequence[int], total: int | None = None
) -> tuple[list[int | None], int | None]:
    """A breakdown and its total as they may be shown: primary suppression of every cell, then
    complementary suppression so that the hidden cells cannot be computed from the total."""
    shown: list[int | None] = [hide(c) for c in cells]
    if total is None:
        return shown, None
    if is_small(total):
        return [None if c else c for c in cells], None
    hidden = [i for i, value in enumerate(shown) if value is None]
    while hidden and (len(hidden) < 2 or sum(cells[i] for i in hidden) < threshold()):
        candidates = [i for i, value in enumerate(shown) if value]  # visible and above zero
        if not candidates:
            return shown, None  # nothing left to hide with: hide the total
        smallest = min(candidates, key=lambda i: cells[i])
        shown[smallest] = None
        hidden.append(smallest)
    return shown, total


def protect_areas(cells: Sequence[int], total: int) -> list[int | None]:
    """Counts per area protected against the total: incidents outside every area form a
    remainder that is never shown, so it is protected like a cell."""
    remainder = total - sum(cells)
    shown, _total = protect_breakdown([*cells, remainder], total)
    return shown[:-1]


def calendar_dates(period: str, today: date) -> tuple[date, date]:
    """The last completed calendar period of this kind before ``today`` (inclusive dates)."""
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if period == "year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    months = 3 if period == "quarter" else 1
    first_of_current = date(today.year, (today.month - 1) // months * months + 1, 1)
    last = first_of_current - timedelta(days=1)
    start_month = (last.month - 1) // months * months + 1
    return date(last.year, start_month, 1), last


def fixed_for_aggregates(filters: SituationFilters) -> SituationFilters:
    """What an aggregates-only user may ask: a completed calendar period of the whole
    municipality. A filter would make each table one of many that can be subtracted from the
    unfiltered one (all categories in an area minus one category is the others)."""
    period = filters.period if filters.period in CALENDAR_PERIODS else "4weeks"
    return replace(
        filters,
        period=period,
        first=None,
        last=None,
        calendar=True,
        problems=(),
        entered_from="",
        entered_to="",
        categories=(),
        areas=(),
        organisations=(),
        statuses=(),
        sources=(),
    )


@dataclass(eq=False)
class Table:
    """One breakdown of one period's incidents (by area, category, …): the true counts and which
    of them may not be shown. Incidents outside every cell (no area, no place on the map) form
    a remainder that is never shown, so it counts as hidden."""

    counts: NDArray[np.int64]
    hidden: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        self.hidden = np.zeros(self.counts.shape, dtype=bool)

    def shown(self) -> list[int | None]:
        return [
            None if h else int(c)
            for c, h in zip(self.counts.tolist(), self.hidden.tolist(), strict=True)
        ]


@dataclass(eq=False)
class Period:
    """One completed calendar period's total and tables, as they may be shown."""

    first: date
    last: date
    total: int
    total_hidden: bool = False
    tables: dict[str, Table] = field(default_factory=dict)

    def shown_total(self) -> int | None:
        return None if self.total_hidden else self.total

    def holds(self, other: Period) -> bool:
        return (
            self.first <= other.first
            and other.last <= self.last
            and (self.first, self.last) != (other.first, other.last)
        )

    def hide_all(self) -> bool:
        changed = not self.total_hidden
        self.total_hidden = True
        for table in self.tables.values():
            before = int(table.hidden.sum())
            table.hidden |= table.counts > 0
            changed |= int(table.hidden.sum()) != before
        return changed


def protect(periods: list[Period]) -> None:
    """Primary, complementary and nested-period suppression over all periods together, until
    nothing more needs hiding (every step only hides, so it ends)."""
    changed = True
    while changed:
        changed = False
        for period in periods:
            changed |= _protect_period(period)
        for longer in periods:
            for shorter in periods:
                if longer.holds(shorter):
                    changed |= _protect_nested(shorter, longer)


def _protect_period(period: Period) -> bool:
    if is_small(period.total) and not period.total_hidden:
        return period.hide_all()
    if period.total_hidden:
        return period.hide_all()
    changed = False
    for table in period.tables.values():
        primary = (table.counts > 0) & (table.counts < threshold()) & ~table.hidden
        if primary.any():
            table.hidden |= primary
            changed = True
        changed |= _complement(period, table)
        if period.total_hidden:
            period.hide_all()
            return True
    return changed


def _complement(period: Period, table: Table) -> bool:
    """Hide more cells (the smallest first) until the hidden ones, with the remainder outside
    every cell, hold at least the threshold together; if nothing is left to hide, the
    period's total goes."""
    changed = False
    remainder = period.total - int(table.counts.sum())
    while True:
        # What the total minus the shown cells tells: the hidden cells and the remainder
        # together. Nothing hidden, or at least the threshold, and no hidden cell is pinned down.
        held = int(table.counts[table.hidden].sum()) + remainder
        if held == 0 or held >= threshold():
            return changed
        candidates = np.flatnonzero(~table.hidden & (table.counts > 0))
        if candidates.size == 0:
            period.total_hidden = True
            return True
        table.hidden[candidates[np.argmin(table.counts[candidates])]] = True
        changed = True


def _protect_nested(shorter: Period, longer: Period) -> bool:
    if shorter.total_hidden:
        return False
    if not longer.total_hidden and is_small(longer.total - shorter.total):
        return shorter.hide_all()
    changed = False
    for dim, table in shorter.tables.items():
        other = longer.tables.get(dim)
        if other is None:
            continue
        difference = other.counts - table.counts
        bad = ~table.hidden & ~other.hidden & (difference > 0) & (difference < threshold())
        if bad.any():
            table.hidden |= bad
            changed = True
    return changed
