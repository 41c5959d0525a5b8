"""SKR's kommungruppsindelning: which of nine groups of similar municipalities each kommun
belongs to, so that a kommun's reported crime can be compared with kommuner like it (Brå's
guidance compares with riket, länet and similar kommuner).

Layout read (SKR publishes the classification as a spreadsheet with the report
"Kommungruppsindelning 2023"; its exact column headers could not be found in any reachable source,
so the reader looks for the columns by name, in the first 20 rows):

* a code column: "Kommunkod", "Kod", "Regionkod" or "kommun_code" (four digits, "1380" or
  "1380 Halmstad"); or, without one, a name column "Kommun"/"Kommunnamn" whose names are looked up;
* a group column whose header starts with "Kommungrupp" (e.g. "Kommungrupp 2023"); its cells are
  the group's code ("B3"), code and name ("B3. Större stad", "B3 Större stad") or the name alone
  ("Större stad"), in any case.

CSV (tab, ";" or ",") or XLSX, like the other reference tables. Every row is checked first and each
error named by row and column; then all rows are written in one transaction, or none. Importing
again updates a kommun's group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record

from .models import MunicipalityGroup
from .reference_stats import ReferenceImportError, _Errors, read_rows, region_names

# SKR's kommungruppsindelning 2017 and 2023 (the same nine groups in three main groups).
GROUPS = {
    "A1": "Storstäder",
    "A2": "Pendlingskommun nära storstad",
    "B3": "Större stad",
    "B4": "Pendlingskommun nära större stad",
    "B5": "Lågpendlingskommun nära större stad",
    "C6": "Mindre stad/tätort",
    "C7": "Pendlingskommun nära mindre stad/tätort",
    "C8": "Landsbygdskommun",
    "C9": "Landsbygdskommun med besöksnäring",
}
CODE_HEADERS = {"kommunkod", "kod", "regionkod", "kommun_code", "code"}
NAME_HEADERS = {"kommun", "kommunnamn", "namn", "kommun_name"}
_GROUP_CELL = re.compile(r"^([abc])\s*([1-9])\b")
_CODE_CELL = re.compile(r"^(\d{4})(?:\s.*)?$")


@dataclass(frozen=True)
class Group:
    """A kommun's group and the kommuner in it (codes, sorted)."""

    code: str
    label: str
    members: tuple[str, ...]


def group_of(kommun_code: str) -> Group | None:
    row = MunicipalityGroup.objects.filter(kommun_code=kommun_code).first()
    if row is None:
        return None
    members = MunicipalityGroup.objects.filter(group=row.group).values_list(
        "kommun_code", flat=True
    )
    return Group(row.group, GROUPS[row.group], tuple(sorted(members)))


def parse_group(cell: str) -> str | None:
    """ "B3", "b3. Större stad", "Större stad" → "B3"; None when it names no group."""
    text = cell.strip()
    if (match := _GROUP_CELL.match(text.lower())) is not None:
        code = (match.group(1) + match.group(2)).upper()
        return code if code in GROUPS else None
    by_name = {label.casefold(): code for code, label in GROUPS.items()}
    return by_name.get(text.casefold())


def _columns(cells: list[str]) -> tuple[int | None, int | None, int | None]:
    lowered = [c.strip().lower() for c in cells]
    code = next((i for i, c in enumerate(lowered) if c in CODE_HEADERS), None)
    name = next((i for i, c in enumerate(lowered) if c in NAME_HEADERS), None)
    group = next((i for i, c in enumerate(lowered) if c.startswith("kommungrupp")), None)
    return code, name, group


def check_groups(raw: bytes | str) -> dict[str, str]:
    """{kommun code: group code} from the file, or ReferenceImportError naming every bad row."""
    rows = read_rows(raw)
    errors = _Errors()
    header = next(
        (
            (position, number, cells)
            for position, (number, cells) in enumerate(rows[:20])
            if _columns(cells)[2] is not None and _columns(cells)[0:2] != (None, None)
        ),
        None,
    )
    if header is None:
        raise ReferenceImportError(
            [
                _(
                    "No header row with the columns “Kommunkod” (or “Kommun”) and “Kommungrupp” "
                    "was found in the first 20 rows."
                )
            ]
        )
    position, _number, names = header
    code_at, name_at, found_group_at = _columns(names)
    group_at: int = found_group_at  # type: ignore[assignment]  # the header test found it
    known = region_names()
    by_name = {name.casefold(): code for code, name in known.items() if len(code) == 4}
    found: dict[str, str] = {}
    for number, cells in rows[position + 1 :]:
        if not any(cells):
            continue
        kommun = _kommun(cells, code_at, name_at, known, by_name)
        group = parse_group(cells[group_at]) if group_at < len(cells) else None
        if kommun is None:
            column = names[code_at if code_at is not None else name_at or 0]
            errors.add(number, column, _("not a Swedish municipality (a four-digit code)."))
        if group is None:
            errors.add(
                number,
                names[group_at],
                _("not one of SKR's municipality groups (A1–C9, e.g. “B3 Större stad”)."),
            )
        if kommun is not None and group is not None:
            if found.get(kommun, group) != group:
                errors.add(number, names[group_at], _("the municipality is listed twice."))
            found[kommun] = group
    if not found and not errors.messages:
        errors.file(_("The file holds no municipality."))
    if errors.messages:
        raise ReferenceImportError(errors.messages)
    return found


def _kommun(
    cells: list[str],
    code_at: int | None,
    name_at: int | None,
    known: dict[str, str],
    by_name: dict[str, str],
) -> str | None:
    if code_at is not None:
        cell = cells[code_at].strip() if code_at < len(cells) else ""
        match = _CODE_CELL.match(cell)
        return match.group(1) if match and match.group(1) in known else None
    cell = cells[name_at].strip() if name_at is not None and name_at < len(cells) else ""
    return by_name.get(cell.casefold())


@dataclass
class GroupImportResult:
    created: int = 0
    updated: int = 0


def import_municipality_groups(
    raw: bytes | str, *, actor: Any = None, source: str = "SKR, kommungruppsindelning 2023"
) -> GroupImportResult:
    """Check the file and write every kommun's group, or nothing."""
    found = check_groups(raw)
    now = timezone.now()
    result = GroupImportResult()
    with transaction.atomic():
        existing = {
            g.kommun_code: g
            for g in MunicipalityGroup.objects.select_for_update().filter(kommun_code__in=found)
        }
        changed = []
        for kommun, group in found.items():
            row = existing.get(kommun)
            if row is None:
                continue
            row.group, row.source, row.imported_at = group, source[:200], now
            changed.append(row)
        MunicipalityGroup.objects.bulk_create(
            [
                MunicipalityGroup(kommun_code=k, group=g, source=source[:200], imported_at=now)
                for k, g in found.items()
                if k not in existing
            ]
        )
        MunicipalityGroup.objects.bulk_update(changed, ["group", "source", "imported_at"])
        result.created, result.updated = len(found) - len(changed), len(changed)
        record(
            AuditAction.TABLE_IMPORTED,
            actor=actor,
            object_repr=source[:200],
            changes={"kind": "municipality_groups", **vars(result)},
        )
    return result


def describe(result: GroupImportResult) -> str:
    return _("%(created)d municipalities added and %(updated)d updated.") % vars(result)
