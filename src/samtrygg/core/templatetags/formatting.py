"""Template filters over core/formatting.py: the same numbers, money, percentages and counts in
pages and documents as in Python-made text. A missing value reads "–"; a hidden count "dolt"
("hidden" in English, through situation/templatetags/disclosure.py's one mark)."""

from __future__ import annotations

from typing import Any

from django import template

from samtrygg.core import formatting
from samtrygg.situation.templatetags.disclosure import HIDDEN

register = template.Library()
MISSING = "–"


@register.filter
def number(value: Any, decimals: int = 0) -> str:
    return MISSING if value is None or value == "" else formatting.number(value, int(decimals))


@register.filter
def count(value: Any) -> str:
    """A count that disclosure control may have hidden."""
    return str(HIDDEN) if value is None else formatting.number(value)


@register.filter
def money(value: Any) -> str:
    return MISSING if value is None else formatting.money(value)


@register.filter
def percent(value: Any, decimals: int = 0) -> str:
    return MISSING if value is None else formatting.percent(value, int(decimals))


@register.filter
def incidents(value: Any) -> str:
    return MISSING if value is None else formatting.incidents(int(value))


@register.filter
def p_value(value: Any) -> str:
    return MISSING if value is None else formatting.p_value(float(value))
