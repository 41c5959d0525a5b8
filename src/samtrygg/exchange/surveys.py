"""Survey indicators (trygghet and victimisation) per kommun, and fires from MSB's statistics
(deliberately set fires among them) per region, with the same reading, checking and writing as
exchange/reference_stats.py: CSV (UTF-8 or Windows-1252; tab, ";" or ",") or XLSX, Swedish
numbers, every error named by row and column, all rows or none, re-import updates.

Survey files (one kommun's; no national export format exists — Polisens trygghetsmätning, NTU's
kommun tables, the kommun's own or a school survey are all reported as share of those answering):
a header row, then one row per figure::

    undersökning;fråga;år;område;grupp;andel;antal svarande;ki låg;ki hög
    Polisens trygghetsmätning;Andel som känner sig otrygga …;2023;Centrum;kvinnor;62 %;412;;

Header variants: "enkät"/"mätning" for the survey, "indikator"/"påstående" for the question,
"stadsdel"/"delområde" for the area, "andel (%)"/"procent" for the share, "svarande"/"n"/
"antal svar" for the number answering, "ki nedre"/"nedre gräns" and "ki övre"/"övre gräns" for
the interval. Area and group are optional (empty: the whole kommun, everybody); an area is one
of the kommun's own areas, by name or code. A share is written "62", "62,0", "62 %" or "62,5 %".
Without an interval the 95 % Wilson interval is computed from the share and the number answering.

Fire files — MSB's IDA (ida.msb.se, "Statistik om olyckor, skador och räddningsinsatser":
"Detaljerad statistik" from the rescue services' incident reports, "Källa: MSB"). The column
layout of IDA's saved tables could NOT be found in any reachable source, so the layouts of Brå's
tables are read here too (see reference_stats.py):

* wide: an optional title line, a header with a region column ("Kommun", "Område", "Region"
  or "Län"), a category column ("Händelsetyp", "Kategori", "Brandtyp", "Typ av brand"),
  optionally a measure column ("Enhet"/"Mått": rows other than "Antal" are skipped) and one
  column per year;
* long: ``regionkod;region;kategori;år;antal``.

Regions as in Brå's files: riket "00", a county or a municipality code, with or without its name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.core import bounds
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import FireStatistic, Population, SurveyIndicator
from .reference_stats import (
    COUNT_MEASURES,
    MAX_ERRORS,
    MIN_YEAR,
    ReferenceImportError,
    _Checker,
    _Columns,
    _Errors,
    _find_header,
    _get,
    _is_note,
    _missing_column,
    _quoted,
    rate_per_100k,
    read_rows,
)

Z_95 = 1.959963984540054  # the 97.5 % quantile of the standard normal distribution

# ---- the Wilson interval -----------------------------------------------------------------


def wilson_interval(share: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion, in percent (share in percent, n answering).

    With p = share / 100:

        centre    = (p + z²/(2n)) / (1 + z²/n)
        half      = z / (1 + z²/n) · √( p(1 − p)/n + z²/(4n²) )
        interval  = centre ± half

    E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    Journal of the American Statistical Association 22 (1927) 209–212; recommended over the
    normal ("Wald") interval for small n and shares near 0 or 100 % by L. D. Brown, T. T. Cai and
    A. DasGupta, "Interval estimation for a binomial proportion", Statistical Science 16 (2001)
    101–133 (eq. 4). The same as statsmodels' proportion_confint(method="wilson").
    """
    p = share / 100
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - half) * 100), min(100.0, (centre + half) * 100)


# ---- survey indicators: one validator for files and for entry by hand ------------------------

SURVEY_MAX_LENGTHS = {"survey": 200, "question": 500, "group": 100}
FIELDS = ("survey", "question", "year", "area", "group", "share", "respondents", "low", "high")
SURVEY_HEADERS: dict[str, set[str]] = {
    "survey": {"undersökning", "undersokning", "enkät", "enkat", "mätning", "survey"},
    "question": {"fråga", "fraga", "indikator", "påstående", "question"},
    "year": {"år", "ar", "mätår", "year"},
    "area": {"område", "omrade", "delområde", "stadsdel", "area"},
    "group": {"grupp", "redovisningsgrupp", "undergrupp", "group"},
    "share": {"andel", "procent", "andel i procent", "share"},
    "respondents": {
        "antal svarande",
        "svarande",
        "antal svar",
        "n",
        "antal",
        "respondents",
    },
    "low": {"ki låg", "ki lag", "ki nedre", "nedre gräns", "konfidensintervall låg", "ci low"},
    "high": {"ki hög", "ki hog", "ki övre", "övre gräns", "konfidensintervall hög", "ci high"},
}
UPDATED_FIELDS = [
    "area",
    "share",
    "respondents",
    "ci_low",
    "ci_high",
    "interval_computed",
    "source",
    "imported_at",
]
REQUIRED = ("survey", "question", "year", "share", "respondents")
_SHARE = re.compile(r"^(\d{1,3}(?:[.,]\d+)?)%?$")


def _header_key(text: str) -> str:
    """'Andel (%)' -> 'andel', 'KI, låg' -> 'ki låg', 'antal_svarande' -> 'antal svarande'."""
    text = text.lower().replace("(%)", " ").replace("%", " ")
    text = re.sub(r"[,.:;_()\-]+", " ", text)
    return " ".join(text.split())


def _field_names() -> dict[str, str]:
    """The Swedish (or English) name of each field, for a missing column or a form error."""
    return {
        "survey": _("survey"),
        "question": _("question"),
        "year": _("year"),
        "area": _("area"),
        "group": _("group"),
        "share": _("share"),
        "respondents": _("number answering"),
        "low": _("interval, low"),
        "high": _("interval, high"),
    }


@dataclass
class _Indicator:
    row: int
    survey: str
    question: str
    year: int
    area: Any  # an areas.Area of the municipality, or None for the whole kommun
    group: str
    share: float
    respondents: int
    low: float
    high: float
    computed: bool

    @property
    def key(self) -> tuple[str, str, int, str, str]:
        return (self.survey, self.question, self.year, self.area_name, self.group)

    @property
    def area_name(self) -> str:
        return self.area.name if self.area is not None else ""


def parse_share(text: str) -> float:
    """A percentage the Swedish way ("62", "62,0", "62 %", "62,5 %"); ValueError otherwise
    (range not checked)."""
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    match = _SHARE.match(cleaned)
    if match is None:
        raise ValueError(text)
    return float(match.group(1).replace(",", "."))


class _SurveyValidator:
    """Checks one figure given as text (a file's cells, or a form's values); collects
    (field, message) pairs."""

    def __init__(self, municipality: Any) -> None:
        from samtrygg.areas.models import Area

        self.municipality = municipality
        self.this_year = timezone.localdate().year
        self.areas = list(Area.objects.filter(municipality=municipality))

    def area(self, text: str) -> tuple[Any, str | None]:
        if not text:
            return None, None
        wanted = text.casefold()
        by_name = [a for a in self.areas if a.name.casefold() == wanted]
        if len(by_name) == 1:
            return by_name[0], None
        by_code = [a for a in self.areas if a.code and a.code.casefold() == wanted]
        if len(by_code) == 1:
            return by_code[0], None
        if len(by_name) > 1:
            return None, _("several areas are called “%(value)s”; write the area's code.") % {
                "value": _quoted(text)
            }
        return None, _("%(municipality)s has no area “%(value)s”.") % {
            "municipality": self.municipality.name,
            "value": _quoted(text),
        }

    def check(
        self, row: int, cells: Mapping[str, str]
    ) -> tuple[_Indicator | None, list[tuple[str, str]]]:
        problems: list[tuple[str, str]] = []

        def problem(name: str, message: str) -> None:
            problems.append((name, message))

        texts = {name: " ".join((cells.get(name) or "").split()) for name in FIELDS}
        for name in REQUIRED:
            if not texts[name]:
                problem(name, _("a value is needed."))
        for name, limit in SURVEY_MAX_LENGTHS.items():
            if texts[name] and (message := bounds.text_problem(texts[name], limit)):
                problem(name, message)
        year = None
        if texts["year"]:
            try:
                year = int(texts["year"])
            except ValueError:
                year = None
            if year is None or not MIN_YEAR <= year <= self.this_year:
                problem(
                    "year",
                    _("“%(value)s” is not a year between %(first)d and %(last)d.")
                    % {"value": _quoted(texts["year"]), "first": MIN_YEAR, "last": self.this_year},
                )
                year = None
        area, area_problem = self.area(texts["area"])
        if area_problem:
            problem("area", area_problem)
        share = self._percent(texts["share"], "share", problem, share=True)
        respondents = None
        if texts["respondents"]:
            cleaned = re.sub(r"[\s\u00a0\u202f]", "", texts["respondents"])
            if re.fullmatch(r"\d+", cleaned) and int(cleaned) >= 1:
                respondents = int(cleaned)
            else:
                problem(
                    "respondents",
                    _("“%(value)s” is not a number answering (a whole number, at least 1).")
                    % {"value": _quoted(texts["respondents"])},
                )
        low = self._percent(texts["low"], "low", problem)
        high = self._percent(texts["high"], "high", problem)
        if (texts["low"] == "") != (texts["high"] == ""):
            problem(
                "low" if texts["low"] == "" else "high",
                _("give both ends of the interval, or neither."),
            )
        elif (
            low is not None and high is not None and share is not None and not low <= share <= high
        ):
            problem(
                "low",
                _("the interval %(low)s–%(high)s does not hold the share %(share)s.")
                % {"low": texts["low"], "high": texts["high"], "share": texts["share"]},
            )
        if problems or year is None or share is None or respondents is None:
            return None, problems
        computed = low is None
        if low is None or high is None:
            low, high = wilson_interval(share, respondents)
        indicator = _Indicator(
            row,
            texts["survey"],
            texts["question"],
            year,
            area,
            texts["group"],
            share,
            respondents,
            low,
            high,
            computed,
        )
        return indicator, []

    @staticmethod
    def _percent(text: str, name: str, problem: Any, *, share: bool = False) -> float | None:
        if not text:
            return None
        try:
            value = parse_share(text)
        except ValueError:
            value = None
        if value is None or not 0 <= value <= 100:
            message = (
                _("%(value)s is not a share between 0 and 100.")
                if share
                else _("%(value)s is not a percentage between 0 and 100.")
            )
            problem(name, message % {"value": _quoted(text)})
            return None
        return value


@dataclass
class SurveyImportResult:
    created: int = 0
    updated: int = 0
    questions: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)


def describe_surveys(result: SurveyImportResult) -> str:
    years = sorted(result.years)
    return _(
        "%(created)d survey figures added and %(updated)d updated, for %(questions)d questions, "
        "%(first)s–%(last)s."
    ) % {
        "created": result.created,
        "updated": result.updated,
        "questions": len(result.questions),
        "first": years[0] if years else "",
        "last": years[-1] if years else "",
    }


def _survey_header(
    rows: list[tuple[int, list[str]]], errors: _Errors
) -> tuple[int, dict[str, int], list[str], list[tuple[int, list[str]]]] | None:
    """The header row (the first of the first 20 with a question and a share column): its
    number, the column of each field, the column names as written, and the rows after it."""
    for position, (number, cells) in enumerate(rows[:20]):
        keys = [_header_key(c) for c in cells]
        columns: dict[str, int] = {}
        for index, key in enumerate(keys):
            for name, variants in SURVEY_HEADERS.items():
                if key in variants and name not in columns:
                    columns[name] = index
                    break
        if "question" in columns and "share" in columns:
            return number, columns, [c.strip() for c in cells], rows[position + 1 :]
    errors.file(
        _("No header row with the columns “fråga” and “andel” was found in the first 20 rows.")
    )
    return None


def check_surveys(raw: bytes | str, municipality: Any) -> list[_Indicator]:
    """The one validator of survey files: checked figures, or ReferenceImportError."""
    rows = read_rows(raw)
    errors = _Errors()
    found = _survey_header(rows, errors)
    if found is None:
        raise ReferenceImportError(errors.messages)
    header_row, columns, names, data = found
    field_names = _field_names()
    for name in REQUIRED:
        if name not in columns:
            errors.file(
                _("Row %(row)d: the column “%(column)s” is missing.")
                % {"row": header_row, "column": field_names[name]}
            )
    if errors.messages:
        raise ReferenceImportError(errors.messages)
    validator = _SurveyValidator(municipality)
    indicators: list[_Indicator] = []
    for number, cells in data:
        if not any(c.strip() for c in cells) or _is_note(cells):
            continue
        values = {name: _get(cells, index) for name, index in columns.items()}
        indicator, problems = validator.check(number, values)
        for name, message in problems:
            errors.add(number, names[columns[name]] if name in columns else name, message)
        if indicator is not None:
            indicators.append(indicator)
    if not indicators and not errors.messages:
        errors.file(_("The file holds no figures."))
    seen: dict[tuple[str, str, int, str, str], int] = {}
    for indicator in indicators:
        other = seen.setdefault(indicator.key, indicator.row)
        if other != indicator.row:
            errors.add(
                indicator.row,
                names[columns["question"]],
                _("the same survey, question, year, area and group is also on row %(other)d.")
                % {"other": other},
            )
    if errors.messages:
        raise ReferenceImportError(errors.messages[:MAX_ERRORS])
    return indicators


def _write_indicators(
    municipality: Any, indicators: list[_Indicator], source: str
) -> SurveyImportResult:
    now = timezone.now()
    result = SurveyImportResult()
    existing = {
        (i.survey, i.question, i.year, i.area_name, i.group): i
        for i in SurveyIndicator.objects.select_for_update().filter(
            municipality=municipality, year__in={i.year for i in indicators}
        )
    }
    new, changed = [], []
    for i in indicators:
        row = existing.get(i.key)
        values = {
            "area": i.area,
            "share": i.share,
            "respondents": i.respondents,
            "ci_low": i.low,
            "ci_high": i.high,
            "interval_computed": i.computed,
            "source": source[:200],
            "imported_at": now,
        }
        if row is None:
            new.append(
                SurveyIndicator(
                    municipality=municipality,
                    survey=i.survey,
                    question=i.question,
                    year=i.year,
                    area_name=i.area_name,
                    group=i.group,
                    **values,
                )
            )
        else:
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
        result.questions.add(i.question)
        result.years.add(i.year)
    SurveyIndicator.objects.bulk_create(new, batch_size=1000)
    SurveyIndicator.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    return result


def import_surveys(
    raw: bytes | str, municipality: Any, *, actor: Any = None, source: str = ""
) -> SurveyImportResult:
    """Check a survey file of one kommun and write all its figures, or nothing; a figure
    already there (same survey, question, year, area and group) is updated."""
    indicators = check_surveys(raw, municipality)
    source = source.strip() or _("Survey file")
    with transaction.atomic():
        result = _write_indicators(municipality, indicators, source)
        _record_surveys(actor, municipality, source, result)
    return result


def save_indicator(access: Access, **values: Any) -> SurveyIndicator:
    """One figure entered by hand, checked by the same validator as the files (ValidationError
    with a message per field otherwise). ``values``: survey, question, year, share,
    respondents, and optionally area (an Area or its name), group, low, high, source."""
    access.require(Permission.EDIT_SITUATION_REPORTS)
    cells: dict[str, str] = {}
    area = values.get("area")
    if area is not None and not isinstance(area, str):
        if area.municipality_id != access.municipality.pk:
            raise ValidationError({"area": _("The area belongs to another municipality.")})
        area = area.name
    for name in FIELDS:
        value = area if name == "area" else values.get(name)
        if value is None:
            cells[name] = ""
        elif isinstance(value, float):
            cells[name] = f"{value:g}".replace(".", ",")
        else:
            cells[name] = str(value)
    indicator, problems = _SurveyValidator(access.municipality).check(1, cells)
    if indicator is None:
        by_field: dict[str, list[str]] = {}
        for name, message in problems:
            by_field.setdefault(name, []).append(message)
        raise ValidationError(by_field)
    source = str(values.get("source") or "").strip() or _("Entered by hand")
    with transaction.atomic():
        result = _write_indicators(access.municipality, [indicator], source)
        _record_surveys(access.user, access.municipality, source, result)
    return SurveyIndicator.objects.get(municipality=access.municipality, **_key(indicator))


def _key(indicator: _Indicator) -> dict[str, Any]:
    return {
        "survey": indicator.survey,
        "question": indicator.question,
        "year": indicator.year,
        "area_name": indicator.area_name,
        "group": indicator.group,
    }


def _record_surveys(actor: Any, municipality: Any, source: str, result: SurveyImportResult) -> None:
    years = sorted(result.years)
    record(
        AuditAction.TABLE_IMPORTED,
        actor=actor,
        municipality=municipality,
        object_repr=source[:200],
        changes={
            "kind": "survey_indicators",
            "created": result.created,
            "updated": result.updated,
            "questions": len(result.questions),
            "years": f"{years[0]}–{years[-1]}" if years else "",
        },
    )


@dataclass(frozen=True)
class SurveyPoint:
    year: int
    share: float
    respondents: int
    low: float
    high: float
    interval_computed: bool


@dataclass(frozen=True)
class SurveyTrend:
    """One question (of one survey, area and group) over the years asked for."""

    survey: str
    question: str
    area: str  # "" for the whole kommun
    group: str  # "" for everybody
    points: tuple[SurveyPoint, ...]


def survey_trends(municipality: Any, years: Iterable[int]) -> list[SurveyTrend]:
    """Per survey, question, area and group (in that order): the figures of the years asked
    for, ascending; a year without a figure is left out."""
    series: dict[tuple[str, str, str, str], list[SurveyPoint]] = {}
    for i in SurveyIndicator.objects.filter(
        municipality=municipality, year__in=set(years)
    ).order_by("survey", "question", "area_name", "group", "year"):
        series.setdefault((i.survey, i.question, i.area_name, i.group), []).append(
            SurveyPoint(i.year, i.share, i.respondents, i.ci_low, i.ci_high, i.interval_computed)
        )
    return [SurveyTrend(*key, points=tuple(points)) for key, points in series.items()]


# ---- fires (MSB) --------------------------------------------------------------------------

FIRE_CATEGORY_HEADERS = {
    "kategori",
    "händelsetyp",
    "handelsetyp",
    "brandtyp",
    "typ av brand",
    "typ av händelse",
    "category",
}


@dataclass
class _Fire:
    row: int
    region_code: str
    region_name: str
    category: str
    label: str
    year: int
    count: int | None


def _fire_columns(rows: list[tuple[int, list[str]]], errors: _Errors) -> Any:
    from .reference_stats import COUNT_HEADERS

    found = _find_header(rows, COUNT_HEADERS | {"bränder", "antal bränder"}, errors)
    if found is None:
        return None
    columns, data = found
    for index, name in enumerate(columns.names):
        key = _header_key(name)
        if key in FIRE_CATEGORY_HEADERS and columns.crime is None:
            columns.crime = index
    return columns, data


def check_fires(raw: bytes | str) -> list[_Fire]:
    """The one validator of MSB fire files: checked figures, or ReferenceImportError."""
    checker = _Checker()
    errors = checker.errors
    found = _fire_columns(read_rows(raw), errors)
    if found is None:
        raise ReferenceImportError(errors.messages)
    columns: _Columns = found[0]
    data: list[tuple[int, list[str]]] = found[1]
    wide = bool(columns.years)
    if not wide and (columns.year is None or columns.value is None):
        if columns.year is None:
            _missing_column(columns, _("year (or one column per year)"), errors)
        if columns.value is None:
            _missing_column(columns, _("count"), errors)
    if columns.crime is None:
        _missing_column(columns, _("category"), errors)
    if errors.messages:
        raise ReferenceImportError(errors.messages)
    checker.check_header_years(columns)
    not_a_number = _("“%(value)s” is not a count.")
    fires: list[_Fire] = []
    for number, cells in data:
        if not any(c.strip() for c in cells) or _is_note(cells):
            continue
        if columns.measure is not None:
            measure = _get(cells, columns.measure).lower()
            if measure and measure not in COUNT_MEASURES:
                continue  # a rate: computed here from SCB's population
        region = checker.region(number, columns, cells)
        label = _get(cells, columns.crime)
        category = slugify(label)[:64]
        if not category:
            errors.add(number, columns.name(columns.crime), _("a category is needed."))
        pairs: list[tuple[int | None, int]]
        if wide:
            pairs = list(columns.years.items())
        else:
            year = checker.year(number, columns.name(columns.year), _get(cells, columns.year))
            pairs = [(columns.value, year)] if year is not None else []
            if year is None:  # still check the count
                checker.number(
                    number, columns.name(columns.value), _get(cells, columns.value), not_a_number
                )
        for index, year_value in pairs:
            name = columns.name(index)
            ok, value = checker.number(number, name, _get(cells, index), not_a_number)
            if ok and region and category and year_value is not None:
                fires.append(
                    _Fire(number, region[0], region[1], category, label[:200], year_value, value)
                )
    if not fires and not errors.messages:
        errors.file(_("The file holds no figures."))
    key_column = columns.name(columns.code if columns.code is not None else columns.region)
    seen: dict[tuple[str, str, int], int] = {}
    for fire in fires:
        other = seen.setdefault((fire.region_code, fire.category, fire.year), fire.row)
        if other != fire.row:
            errors.add(
                fire.row,
                key_column,
                _("the same region, category and year %(year)d is also on row %(other)d.")
                % {"year": fire.year, "other": other},
            )
    if errors.messages:
        raise ReferenceImportError(errors.messages)
    return fires


@dataclass
class FireImportResult:
    created: int = 0
    updated: int = 0
    regions: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)


def import_fires(
    raw: bytes | str, *, actor: Any = None, source: str = "MSB, räddningstjänstens insatser"
) -> FireImportResult:
    """Check an MSB fire file and write all its figures, or nothing; a figure already there
    (same region, category and year) is updated."""
    fires = check_fires(raw)
    now = timezone.now()
    result = FireImportResult()
    with transaction.atomic():
        existing = {
            (f.region_code, f.category, f.year): f
            for f in FireStatistic.objects.select_for_update().filter(
                region_code__in={f.region_code for f in fires}, year__in={f.year for f in fires}
            )
        }
        new, changed = [], []
        for f in fires:
            row = existing.get((f.region_code, f.category, f.year))
            if row is None:
                new.append(
                    FireStatistic(
                        region_code=f.region_code,
                        region_name=f.region_name,
                        category=f.category,
                        category_label=f.label,
                        year=f.year,
                        count=f.count,
                        source=source[:200],
                        imported_at=now,
                    )
                )
            else:
                row.region_name, row.category_label, row.count = f.region_name, f.label, f.count
                row.source, row.imported_at = source[:200], now
                changed.append(row)
            result.regions.add(f.region_code)
            result.years.add(f.year)
        FireStatistic.objects.bulk_create(new, batch_size=1000)
        FireStatistic.objects.bulk_update(
            changed,
            ["region_name", "category_label", "count", "source", "imported_at"],
            batch_size=1000,
        )
        result.created, result.updated = len(new), len(changed)
        years = sorted(result.years)
        record(
            AuditAction.TABLE_IMPORTED,
            actor=actor,
            object_repr=source[:200],
            changes={
                "kind": "fires",
                "created": result.created,
                "updated": result.updated,
                "regions": len(result.regions),
                "years": f"{years[0]}–{years[-1]}" if years else "",
            },
        )
    return result


def describe_fires(result: FireImportResult) -> str:
    years = sorted(result.years)
    return _(
        "%(created)d figures added and %(updated)d updated, for %(regions)d regions, "
        "%(first)s–%(last)s."
    ) % {
        "created": result.created,
        "updated": result.updated,
        "regions": len(result.regions),
        "first": years[0] if years else "",
        "last": years[-1] if years else "",
    }


@dataclass(frozen=True)
class FireCount:
    category: str
    category_label: str
    count: int | None
    per_100k: float | None  # None without a count or a population


@dataclass(frozen=True)
class FireYear:
    year: int
    population: int | None
    categories: tuple[FireCount, ...]


def fire_rates(kommun_code: str, years: Iterable[int]) -> list[FireYear]:
    """Per year (ascending) the kommun's fires per category (in label order; every category
    the kommun has in any of the years) and per 100 000 inhabitants (SCB's population of the
    same year, reference_stats.Population)."""
    wanted = sorted(set(years))
    counts: dict[tuple[str, int], int | None] = {}
    labels: dict[str, str] = {}
    for fire in FireStatistic.objects.filter(region_code=kommun_code, year__in=wanted):
        counts[(fire.category, fire.year)] = fire.count
        labels.setdefault(fire.category, fire.category_label)
    populations = {
        p.year: p.population
        for p in Population.objects.filter(region_code=kommun_code, year__in=wanted)
    }
    order = sorted(labels, key=lambda c: labels[c].casefold())
    return [
        FireYear(
            year,
            populations.get(year),
            tuple(
                FireCount(
                    category,
                    labels[category],
                    counts.get((category, year)),
                    rate_per_100k(counts.get((category, year)), populations.get(year)),
                )
                for category in order
            ),
        )
        for year in wanted
    ]
