"""Population per area from SCB's tables (issue 12, item 2): the PX-Web export of "Folkmängden
per region (DeSO/RegSO) och år" — a header ``"region","2022","2023",…`` and rows such as
``"1380C1010","1 234"`` or ``"1380C1010 Halmstad",…`` — or a long layout ``region;år;folkmängd``.
The rows are matched to the municipality's areas by code (a DeSO or RegSO imported as areas
carries its code); rows of other municipalities are skipped (SCB's file holds the whole
country). The latest year with a figure is taken. All or nothing, with Swedish messages by row
and column, through the same reader as Brå's and SCB's national tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.core import formatting
from samtrygg.exchange.reference_stats import ReferenceImportError, parse_count, read_rows
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import Area

REGION_HEADERS = {"region", "kod", "regionkod", "deso", "regso", "område", "omrade"}
VALUE_HEADERS = {
    "folkmängd",
    "folkmangd",
    "befolkning",
    "antal",
    "population",
    "dagbefolkning",
    "förvärvsarbetande dagbefolkning",
}
YEAR_HEADERS = {"år", "ar", "year"}
# Fewer inhabitants than this make a rate per 1 000 uncertain: a few incidents move it far.
SMALL_POPULATION = 1000
# A day population more than this many times the population: a rate per inhabitant overstates
# the risk for the residents (a centre, a workplace area). The one place of the rule.
DAY_POPULATION_FACTOR = 2
# Which figure an SCB file holds, and the Area field it sets.
FIGURES = {"population": "population", "day_population": "day_population"}


def many_by_day(population: int | None, day_population: int | None) -> bool:
    """True when many more people are here in the daytime than live here."""
    return bool(
        population and day_population and day_population > DAY_POPULATION_FACTOR * population
    )


def day_population_note(population: int, day_population: int) -> str:
    """The note for an area where ``many_by_day`` holds (the same in every output)."""
    return _(
        "Many people are here in the daytime (day population %(day)s, population %(pop)s): "
        "incidents per inhabitant overstate the risk for those who live here."
    ) % {"day": formatting.number(day_population), "pop": formatting.number(population)}


@dataclass
class PopulationResult:
    year: int
    updated: int = 0
    unknown: list[str] = field(default_factory=list)


def _code(cell: str) -> str:
    return cell.strip().split(" ")[0].strip().upper()


def _header(rows: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    for index, (_number, cells) in enumerate(rows[:5]):
        names = [c.strip().lower() for c in cells]
        if REGION_HEADERS & set(names):
            return index, names
    raise ReferenceImportError([_("No column “region” was found in the first rows.")])


def read_population(raw: bytes | str) -> tuple[int, dict[str, tuple[int, int]]]:
    """(year, {code: (row, population)}) for the latest year that has figures."""
    rows = read_rows(raw)
    start, names = _header(rows)
    region = next(i for i, n in enumerate(names) if n in REGION_HEADERS)
    errors: list[str] = []
    values: dict[int, dict[str, tuple[int, int]]] = {}

    def add(row: int, column: str, code: str, year: int, cell: str) -> None:
        try:
            count = parse_count(cell)
        except ValueError:
            errors.append(
                _("Row %(row)d, column “%(column)s”: “%(value)s” is not a number of people.")
                % {"row": row, "column": column, "value": cell}
            )
            return
        if count is not None:
            values.setdefault(year, {})[code] = (row, count)

    year_columns = {i: int(n) for i, n in enumerate(names) if re.fullmatch(r"(19|20)\d\d", n)}
    long_year = next((i for i, n in enumerate(names) if n in YEAR_HEADERS), None)
    long_value = next((i for i, n in enumerate(names) if n in VALUE_HEADERS), None)
    if not year_columns and (long_year is None or long_value is None):
        raise ReferenceImportError(
            [_("No year columns and no columns “år” and “folkmängd” were found.")]
        )
    for number, cells in rows[start + 1 :]:
        if not any(c.strip() for c in cells) or len(cells) <= region:
            continue
        code = _code(cells[region])
        if year_columns:
            for index, year in year_columns.items():
                if index < len(cells):
                    add(number, names[index], code, year, cells[index])
        else:
            assert long_year is not None and long_value is not None  # noqa: S101
            year_text = cells[long_year].strip() if long_year < len(cells) else ""
            if not re.fullmatch(r"(19|20)\d\d", year_text):
                errors.append(
                    _("Row %(row)d, column “%(column)s”: “%(value)s” is not a year.")
                    % {"row": number, "column": names[long_year], "value": year_text}
                )
                continue
            add(number, names[long_value], code, int(year_text), cells[long_value])
    if errors:
        raise ReferenceImportError(errors)
    if not values:
        raise ReferenceImportError([_("The file holds no population figures.")])
    year = max(values)
    return year, values[year]


def import_area_population(
    access: Access, raw: bytes | str, *, figure: str = "population", **_options: Any
) -> PopulationResult:
    """Set each area's population, or its day population (SCB's "förvärvsarbetande
    dagbefolkning", ``figure="day_population"``), from SCB's table, matched by the area's code."""
    access.require(Permission.MANAGE_AREAS)
    if figure not in FIGURES:
        raise ReferenceImportError([_("Unknown figure: %(figure)s.") % {"figure": figure[:40]}])
    attribute = FIGURES[figure]
    year, figures = read_population(raw)
    prefix = access.municipality.scb_code
    areas = {a.code.upper(): a for a in Area.objects.filter(municipality=access.municipality)}
    result = PopulationResult(year=year)
    mine = {code: value for code, value in figures.items() if code.startswith(prefix)}
    result.unknown = sorted(code for code in mine if code not in areas)
    changes = {}
    with transaction.atomic():
        for code, (_row, population) in sorted(mine.items()):
            area = areas.get(code)
            if area is None or getattr(area, attribute) == population:
                continue
            changes[area.name] = [getattr(area, attribute), population]
            setattr(area, attribute, population)
            area.save(update_fields=[attribute, "updated_at"])
            result.updated += 1
        record(
            AuditAction.AREAS_IMPORTED,
            actor=access.user,
            municipality=access.municipality,
            changes={"kind": figure, "year": year, figure: changes},
        )
    return result
