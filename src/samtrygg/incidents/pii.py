"""The personal-data guard for free text (DOMAIN.md §4: places and events, never persons).

``scan(text)`` returns findings. Swedish personal identity numbers (personnummer) and
co-ordination numbers (samordningsnummer, day + 60) with a valid date and check digit are
**refused**; phone numbers, e-mail addresses, car registration numbers and name patterns
("heter Anna", "killen som heter …") are **flagged**: the writer must edit or confirm.

Forms of identity numbers recognised: 10 or 12 digits, with or without "-" or "+" (or a space)
before the last four: ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYMMDDNNNC``, ``YYYYMMDD-NNNC``,
``YYYYMMDDNNNC``. The check digit C is the Luhn digit of the 10-digit form. Digits that are
part of a longer run of digits are not matched, so amounts, dates (2026-11-23), times and
police case numbers (K-numbers) pass.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PERSONAL_IDENTITY_NUMBER = "personnummer"
    COORDINATION_NUMBER = "samordningsnummer"
    PHONE = "phone"
    EMAIL = "email"
    REGISTRATION_NUMBER = "registration_number"
    NAME = "name"


REFUSED = frozenset({Kind.PERSONAL_IDENTITY_NUMBER, Kind.COORDINATION_NUMBER})


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int
    text: str

    @property
    def refused(self) -> bool:
        return self.kind in REFUSED


_IDENTITY = re.compile(
    r"(?<![\d-])(?P<century>19|20)?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})"
    r"(?P<sep>[-+ ]?)(?P<serial>\d{3})(?P<check>\d)(?![\d])"
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+46[\s-]?|0046[\s-]?|0)(?:7[02369]|[1-9]\d{0,2})"
    r"(?:[\s-]?\d){5,8}(?!\d)"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Swedish plates: three letters (not I, Q, V, Å, Ä, Ö), two digits, a digit or a letter.
_PLATE = re.compile(r"\b[A-HJ-PR-UW-Z]{3}[ -]?\d{2}[A-HJ-PR-UW-Z0-9]\b")
_NAME = re.compile(
    r"\b(?:heter|hette|kallas|kallad|vid namn|med namnet|namnet är|namn:)\s+"
    r"(?P<name>[A-ZÅÄÖÉ][a-zåäöéü]+(?:\s+[A-ZÅÄÖÉ][a-zåäöéü]+)?)",
    re.IGNORECASE,
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _identity_kind(match: re.Match[str]) -> Kind | None:
    yy, mm, dd = int(match["yy"]), int(match["mm"]), int(match["dd"])
    ten = match["yy"] + match["mm"] + match["dd"] + match["serial"] + match["check"]
    if not luhn_ok(ten):
        return None
    kind = Kind.PERSONAL_IDENTITY_NUMBER
    if dd > 60:
        kind, dd = Kind.COORDINATION_NUMBER, dd - 60
    # Without a century, any year fits; 2000 is a leap year, so 29 February is accepted.
    year = int(match["century"] + match["yy"]) if match["century"] else 2000 + yy
    return kind if _valid_date(year, mm, dd) else None


_MIGHT = re.compile(r"[\d@]|heter|hette|kalla|namn", re.IGNORECASE)


def might_contain(text: str) -> bool:
    """A cheap first test: text without digits, "@" or the name words cannot hold a finding."""
    return bool(_MIGHT.search(text))


def scan(text: str) -> list[Finding]:
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for match in _IDENTITY.finditer(text):
        kind = _identity_kind(match)
        if kind is not None:
            findings.append(Finding(kind, match.start(), match.end(), match.group()))
            taken.append(match.span())

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for kind, pattern in (
        (Kind.EMAIL, _EMAIL),
        (Kind.PHONE, _PHONE),
        (Kind.REGISTRATION_NUMBER, _PLATE),
    ):
        for match in pattern.finditer(text):
            if free(match.span()):
                findings.append(Finding(kind, match.start(), match.end(), match.group()))
                taken.append(match.span())
    for match in _NAME.finditer(text):
        findings.append(Finding(Kind.NAME, match.start("name"), match.end("name"), match["name"]))
    return sorted(findings, key=lambda f: f.start)


def refused(text: str) -> list[Finding]:
    return [f for f in scan(text) if f.refused]


def flagged(text: str) -> list[Finding]:
    return [f for f in scan(text) if not f.refused]
