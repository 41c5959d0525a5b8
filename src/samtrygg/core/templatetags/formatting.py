"""Template filters over core/formatting.py: the same numbers, money, percentages and counts in
pages and documents as in Python-made text. A missing value reads "–"; a hidden count "dolt"
("hidden" in English, through situation/templatetags/disclosure.py's one mark)."""

from __future__ import annotations

import math
from typing import Any

from django import template

from samtrygg.core import formatting
from samtrygg.situation.templatetags.disclosure import HIDDEN

register = template.Library()
MISSING = "–"


def _missing(value: Any) -> bool:
    """None, or what a template makes of a missing attribute (""), or not a number at all."""
    if value is None or value == "":
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


@register.filter
def number(value: Any, decimals: int = 0) -> str:
    return MISSING if _missing(value) else formatting.number(float(value), int(decimals))


@register.filter
def count(value: Any) -> str:
    """A count that disclosure control may have hidden."""
    if value is None:
        return str(HIDDEN)
    return MISSING if _missing(value) else formatting.number(float(value))


@register.filter
def moment(value: Any) -> str:
    """A point in time: "25 november 2026 10:00"."""
    return MISSING if value is None or value == "" else formatting.moment(value)


@register.filter
def money(value: Any) -> str:
    return MISSING if _missing(value) else formatting.money(float(value))


@register.filter
def percent(value: Any, decimals: int = 0) -> str:
    return MISSING if _missing(value) else formatting.percent(float(value), int(decimals))


@register.filter
def incidents(value: Any) -> str:
    return MISSING if _missing(value) else formatting.incidents(int(float(value)))


@register.filter
def p_value(value: Any) -> str:
    return MISSING if _missing(value) else formatting.p_value(float(value))


@register.filter
def day(value: Any) -> str:
    """A date as "1 januari 2026"."""
    return MISSING if not value else formatting.day(value)


@register.filter
def period(first: Any, last: Any) -> str:
    """Two dates as one period: ``{{ start|period:end }}`` → "1 januari–31 december 2026"."""
    return MISSING if not first or not last else formatting.period(first, last)
