"""The personal-data guard for free text (DOMAIN.md §4: places and events, never persons).

``scan(text)`` returns findings. Swedish personal identity numbers (personnummer) and
co-ordination numbers (samordningsnummer, day + 60) with a valid date and check digit are
**refused**; phone numbers, e-mail addresses, car registration numbers and name patterns
("heter Anna", "killen som heter …"), common first names written with a capital letter
("Ahmed och Kalle", "Anna Lind", "Kalles moped") and surnames in -sson ("Svensson") are
**flagged**: the writer must edit or confirm.

Identity numbers are looked for in a *normalised* copy of the text, so that the way a number
was typed or pasted cannot hide it:

- every Unicode dash, hyphen and minus (U+2010–U+2015, U+2212, U+FE58, U+FE63, U+FF0D) is read
  as "-"; no-break and other Unicode spaces (U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000)
  as " "; full-width digits as digits;
- invisible characters (zero-width spaces and joiners U+200B–U+200D, word joiner and invisible
  operators U+2060–U+2064, U+FEFF, soft hyphen U+00AD) are dropped.

Forms recognised in the normalised text: 10 or 12 digits, the last four after an optional
separator "-", "+" or "." (spaces around it allowed) or after spaces alone: ``YYMMDD-NNNC``,
``YYMMDD+NNNC``, ``YYMMDD - NNNC``, ``YYMMDD.NNNC``, ``YYMMDDNNNC``, ``YYYYMMDD-NNNC``,
``YYYYMMDDNNNC``; and the date part written in groups with "-" or "." (the same separator
twice), then a separator before the last four, all without spaces: ``YY-MM-DD-NNNC``,
``YY.MM.DD-NNNC``, ``YYYY-MM-DD-NNNC``. (With spaces, a date followed by a time or an amount,
"2026-11-25 - 1931", would be read as a number about one time in ten.) The check digit C is
the Luhn digit of the 10-digit form. A number that continues a longer run of digits (directly,
or after "-", ".", ",", ":", "/" or "+") is not matched, so amounts, dates (2026-11-23), date
ranges, times, coordinates and police case numbers (K-numbers) pass. A finding's span and text
are those of the text as written, invisible characters included, so messages quote what the
writer typed.

Only identity numbers are looked for in the normalised copy; the flagged kinds read the text
as written.
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


# Read in the normalised text (see the module's docstring and _normalise).
_IDENTITY = re.compile(
    r"(?<!\d)(?<!\d[-.,:/+])"  # not the continuation of a longer number, date or amount
    r"(?P<century>19|20)?(?P<yy>\d\d)"
    r"(?:"
    r"(?P<mm>\d\d)(?P<dd>\d\d)(?: *[-+.] *| *)"  # YYMMDD, then a separator, spaces or nothing
    r"|"
    r"(?P<ds>[-.])(?P<gmm>\d\d)(?P=ds)(?P<gdd>\d\d)[-+.]"  # YY-MM-DD-, YY.MM.DD-: no spaces
    r")"
    r"(?P<serial>\d{3})(?P<check>\d)"
    r"(?!\d)(?![-.,:/+]\d)"
)

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = "\u00a0" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
_FULLWIDTH_DIGITS = "".join(chr(0xFF10 + d) for d in range(10))
_NORMALISE = str.maketrans(
    {
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SPACES, " "),
        **dict.fromkeys(_INVISIBLE),
        **{c: str(d) for d, c in enumerate(_FULLWIDTH_DIGITS)},
    }
)
_UNUSUAL = re.compile(f"[{_DASHES}{_SPACES}{_INVISIBLE}{_FULLWIDTH_DIGITS}]")

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

# The most common first names in Sweden (SCB's name statistics, all ages, and the names most
# often given in recent years), written with a capital letter. Names that are also ordinary
# words or well-known places when they open a sentence (Per, Bo, Hans, Björn, Sten, Klara,
# Sanna, Nora, Sofia) are left out: the list flags, it is not meant to catch every name.
FIRST_NAMES = frozenset(
    """
    Anna Eva Maria Karin Kristina Lena Sara Kerstin Emma Ingrid Marie Malin Jenny Birgitta
    Hanna Linnea Inger Annika Elin Monica Susanne Johanna Ulla Margareta Camilla Elsa Ida
    Julia Linda Alice Maja Ebba Wilma Ella Olivia Astrid Agnes Alva Saga Freja Selma Vera
    Stella Lisa Helena Petra Emilia Amanda Moa Tove Felicia Matilda Josefin Fatima Amina
    Sandra Caroline Therese Jessica Frida Lina Maya Lova Elvira Isabelle Nellie Tindra Leah
    Lars Mikael Anders Johan Erik Karl Peter Thomas Jan Daniel Fredrik Andreas Stefan
    Mohammed Mohamed Muhammad Mohammad Ahmed Ahmad Ali Omar Hassan Hussein Yusuf Ibrahim
    Mustafa Abdi Mehmet Magnus Mattias Jonas Martin Niklas Bengt Sven Nils Alexander Oscar
    Oskar William Liam Noah Hugo Lucas Adam Elias Oliver Leo Alfred Axel Vincent Theo Arvid
    Filip Gustav Emil Isak Viktor Ludvig Anton Albin Melvin Olle Kalle Pelle Nisse Janne
    Micke Jocke Sebastian Simon Jakob Linus Rasmus Kevin Dennis Marcus Markus Tobias Patrik
    Henrik Tommy Göran Leif Roger Ulf Kjell Rolf Åke Gunnar Ola Mats Christer Jonathan David
    Samuel
    """.split()  # noqa: SIM905 (a list of words reads better as text)
)
_FIRST_NAME = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(FIRST_NAMES, key=len, reverse=True)) + r")s?"
    r"(?:\s+[A-ZÅÄÖ][a-zåäöé]+)?(?!\w)"
)
_SURNAME = re.compile(r"(?<!\w)[A-ZÅÄÖ][a-zåäöé]+sson(?!\w)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _identity_kind(match: re.Match[str]) -> Kind | None:
    mm_digits, dd_digits = match["mm"] or match["gmm"], match["dd"] or match["gdd"]
    ten = match["yy"] + mm_digits + dd_digits + match["serial"] + match["check"]
    if not luhn_ok(ten):
        return None
    yy, mm, dd = int(match["yy"]), int(mm_digits), int(dd_digits)
    kind = Kind.PERSONAL_IDENTITY_NUMBER
    if dd > 60:
        kind, dd = Kind.COORDINATION_NUMBER, dd - 60
    # Without a century, any year fits; 2000 is a leap year, so 29 February is accepted.
    year = int(match["century"] + match["yy"]) if match["century"] else 2000 + yy
    return kind if _valid_date(year, mm, dd) else None


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """The text as the identity pattern reads it, and where each of its characters came from
    (None when nothing was dropped: the positions are the same)."""
    if text.isascii() or not _UNUSUAL.search(text):
        return text, None  # the common case: nothing to do
    normal = text.translate(_NORMALISE)
    if len(normal) == len(text):
        return normal, None
    return normal, [i for i, char in enumerate(text) if char not in _INVISIBLE]


def _identity_findings(text: str) -> list[Finding]:
    normal, origin = _normalise(text)
    findings = []
    for match in _IDENTITY.finditer(normal):
        kind = _identity_kind(match)
        if kind is None:
            continue
        start, end = match.span()
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        findings.append(Finding(kind, start, end, text[start:end]))
    return findings


_MIGHT = re.compile(r"[\d@]|heter|hette|kalla|namn", re.IGNORECASE)


def might_contain(text: str) -> bool:
    """A cheap first test: text without digits, "@", the name words or a listed name cannot
    hold a finding.

    Normalisation changes nothing here: every written form of an identity number still holds
    digits (``\\d`` matches full-width digits too)."""
    return bool(_MIGHT.search(text) or _FIRST_NAME.search(text) or _SURNAME.search(text))


def scan(text: str) -> list[Finding]:
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for finding in _identity_findings(text):
        findings.append(finding)
        taken.append((finding.start, finding.end))

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
        taken.append(match.span("name"))
    for pattern in (_FIRST_NAME, _SURNAME):
        for match in pattern.finditer(text):
            if free(match.span()):
                findings.append(Finding(Kind.NAME, match.start(), match.end(), match.group()))
                taken.append(match.span())
    return sorted(findings, key=lambda f: f.start)


def refused(text: str) -> list[Finding]:
    return [f for f in scan(text) if f.refused]


def flagged(text: str) -> list[Finding]:
    return [f for f in scan(text) if not f.refused]
