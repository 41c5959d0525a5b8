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
   period that grows day by day, and at most one category and one area, never other filters:
   two questions they may ask cannot be subtracted to isolate a few incidents in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

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
    """What an aggregates-only user may ask: a completed calendar period, at most one category
    and one area, no other filters."""
    period = filters.period if filters.period in CALENDAR_PERIODS else "4weeks"
    return replace(
        filters,
        period=period,
        first=None,
        last=None,
        calendar=True,
        categories=filters.categories[:1],
        areas=filters.areas[:1],
        organisations=(),
        statuses=(),
        sources=(),
    )
