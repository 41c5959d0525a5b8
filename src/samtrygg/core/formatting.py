"""One formatter for numbers, percentages, money, p-values, dates and periods in every output
(issue 12): Swedish conventions through Django's localisation of the active language — decimal
comma, a non-breaking space between thousands, "kr", "1 januari 2025", "p < 0,001" — and the
English ones when the language is English. Documents render under ``translation.override("sv")``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats

NBSP = "\u00a0"


def number(value: float | int, decimals: int = 0) -> str:
    """1234567.891 → "1 234 567,9" (decimals=1) in Swedish, "1,234,567.9" in English."""
    return formats.number_format(round(value, decimals), decimals, force_grouping=True)


def percent(value: float | int, decimals: int = 0, signed: bool = False) -> str:
    """41 → "41 %"; signed: "+12 %" / "−8 %" (a true minus sign)."""
    text = number(abs(value) if signed else value, decimals)
    if signed:
        text = ("+" if value > 0 else "−" if value < 0 else "") + text
    return f"{text}{NBSP}%"


def money(value: float | int) -> str:
    """4028000 → "4 028 000 kr"."""
    return f"{number(value)}{NBSP}kr"


def p_value(p: float) -> str:
    """0.0000123 → "p < 0,001"; 0.0123 → "p = 0,012"."""
    if p < 0.001:
        return f"p < {number(0.001, 3)}"
    return f"p = {number(p, 3)}"


def day(value: date) -> str:
    """2025-01-01 → "1 januari 2025"."""
    return formats.date_format(value, "j F Y")


def moment(value: datetime) -> str:
    """A point in time in Stockholm: "25 november 2026 10:00"."""
    from django.utils import timezone

    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, "j F Y H:i")


def period(first: date, last: date) -> str:
    """ "1 januari–31 december 2025", "1 december 2024–31 januari 2025"; a whole calendar year
    as "2025"."""
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return str(first.year)
    dash = "–"
    if first.year == last.year:
        return f"{formats.date_format(first, 'j F')}{dash}{day(last)}"
    return f"{day(first)}{dash}{day(last)}"


def incidents(n: int) -> str:
    """1 → "1 händelse", 1200 → "1 200 händelser" (ngettext through the translation)."""
    from django.utils.translation import ngettext

    return ngettext("%(n)s incident", "%(n)s incidents", n) % {"n": number(n)}
