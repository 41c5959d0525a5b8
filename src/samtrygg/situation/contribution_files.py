"""The file a party gives its own lägesbild in (docs/imports.md): an XLSX workbook with the
sheets "Lägesbild", "Avsnitt", "Nyckelbudskap" and "Siffror", or a JSON object with the same
parts; the empty template; and the wording of a problem by sheet, row and column. The values
are checked by the one validator, ``contributions.check``."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .contributions import (
    FIGURE_FIELDS,
    SECTION_FIELDS,
    ContributionInput,
    FigureInput,
    Problem,
    cell_text,
)

MAX_FILE_BYTES = 5 * 1024 * 1024

# ---- the file layout (docs/imports.md) -----------------------------------------------------

SHEET_ABOUT = "Lägesbild"
SHEET_SECTIONS = "Avsnitt"
SHEET_MESSAGES = "Nyckelbudskap"
SHEET_FIGURES = "Siffror"
ABOUT_HEADER = ("Uppgift", "Värde")
ABOUT_ROWS = {"title": "Titel", "period_start": "Period från", "period_end": "Period till"}
SECTION_HEADER = ("Rubrik", "Text")
MESSAGE_HEADER = ("Budskap",)
FIGURE_HEADER = ("Benämning", "Värde", "Enhet", "Jämförelsevärde", "Jämförelsen avser")
SHEETS = {
    SHEET_SECTIONS: SECTION_HEADER,
    SHEET_MESSAGES: MESSAGE_HEADER,
    SHEET_FIGURES: FIGURE_HEADER,
}


# ---- reading files -------------------------------------------------------------------------


class FileError(ValidationError):
    pass


@dataclass
class Where:
    """Where each item came from in the file, to word a problem by sheet, row and column."""

    json: bool = False
    about_rows: dict[str, int] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)  # sheet → row of each item

    def word(self, p: Problem) -> str:
        if p.part == "about":
            sheet, column = SHEET_ABOUT, ABOUT_HEADER[1]
            row = self.about_rows.get(p.field, 0)
            label = ABOUT_ROWS[p.field]
            if self.json:
                return _("“%(sheet)s”, “%(item)s”: %(message)s") % {
                    "sheet": sheet,
                    "item": label,
                    "message": p.message,
                }
            if not row:
                return _("Sheet “%(sheet)s”: the row “%(item)s” is missing. %(message)s") % {
                    "sheet": sheet,
                    "item": label,
                    "message": p.message,
                }
        else:
            sheet = {"messages": SHEET_MESSAGES, "sections": SHEET_SECTIONS}.get(
                p.part, SHEET_FIGURES
            )
            header = SHEETS[sheet]
            fields = {
                SHEET_MESSAGES: ("text",),
                SHEET_SECTIONS: SECTION_FIELDS,
                SHEET_FIGURES: FIGURE_FIELDS,
            }[sheet]
            column = header[fields.index(p.field)]
            if p.index < 0:
                return _("Sheet “%(sheet)s”: %(message)s") % {"sheet": sheet, "message": p.message}
            row = self.rows[sheet][p.index]
        if self.json:
            return _("“%(sheet)s”, item %(row)d, “%(column)s”: %(message)s") % {
                "sheet": sheet,
                "row": row,
                "column": column,
                "message": p.message,
            }
        return _("Sheet “%(sheet)s”, row %(row)d, column “%(column)s”: %(message)s") % {
            "sheet": sheet,
            "row": row,
            "column": column,
            "message": p.message,
        }


def read_file(raw: bytes, filename: str = "") -> tuple[ContributionInput, Where]:
    if len(raw) > MAX_FILE_BYTES:
        raise FileError(_("The file is larger than 5 MB."))
    if raw[:2] == b"PK":
        return _read_xlsx(raw)
    if filename.lower().endswith(".json") or raw.lstrip()[:1] == b"{":
        return _read_json(raw)
    raise FileError(_("The file is neither an XLSX spreadsheet nor JSON."))


def _assemble(
    about: dict[str, Any], sheets: dict[str, list[tuple[int, dict[str, Any]]]], where: Where
) -> ContributionInput:
    data = ContributionInput(**about)
    data.sections = [(r.get("Rubrik"), r.get("Text")) for _n, r in sheets[SHEET_SECTIONS]]
    data.key_messages = [r.get("Budskap") for _n, r in sheets[SHEET_MESSAGES]]
    data.figures = [
        FigureInput(*(r.get(h) for h in FIGURE_HEADER)) for _n, r in sheets[SHEET_FIGURES]
    ]
    where.rows = {name: [n for n, _r in rows] for name, rows in sheets.items()}
    return data


def _read_xlsx(raw: bytes) -> tuple[ContributionInput, Where]:
    import zipfile

    from openpyxl import load_workbook

    try:
        members = zipfile.ZipFile(io.BytesIO(raw)).infolist()
        if sum(m.file_size for m in members) > 200 * max(len(raw), 1):
            raise FileError(_("The file is not an XLSX spreadsheet."))
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        tables = {
            name: list(book[name].iter_rows(values_only=True))
            for name in book.sheetnames
            if name in (SHEET_ABOUT, *SHEETS)
        }
    except FileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, AttributeError):
        raise FileError(_("The file is not an XLSX spreadsheet.")) from None
    errors: list[str] = []
    for name in (SHEET_ABOUT, *SHEETS):
        if name not in tables:
            errors.append(_("The sheet “%(sheet)s” is missing.") % {"sheet": name})
    if errors:
        raise FileError(errors)
    where = Where()
    about: dict[str, Any] = {}
    labels = {label: name for name, label in ABOUT_ROWS.items()}
    for number, values in enumerate(tables[SHEET_ABOUT], start=1):
        cells = list(values) + [None, None]
        label = cell_text(cells[0])
        if label in labels:
            about[labels[label]] = cells[1]
            where.about_rows[labels[label]] = number
    sheets: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for name, header in SHEETS.items():
        rows = tables[name]
        found = [cell_text(c) for c in (rows[0] if rows else ())]
        missing = [h for h in header if h not in found]
        for h in missing:
            errors.append(
                _("Sheet “%(sheet)s”, row 1: the column “%(column)s” is missing.")
                % {"sheet": name, "column": h}
            )
        items: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows[1:], start=2):
            row_cells: dict[str, Any] = dict(zip(found, values, strict=False))
            if all(cell_text(row_cells.get(h)) == "" for h in header):
                continue
            items.append((number, row_cells))
        sheets[name] = items
    if errors:
        raise FileError(errors)
    return _assemble(about, sheets, where), where


def _read_json(raw: bytes) -> tuple[ContributionInput, Where]:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FileError(_("The file is not JSON in UTF-8.")) from None
    if not isinstance(document, dict):
        raise FileError(_("The JSON file must hold an object with the parts of the layout."))
    where = Where(json=True)
    errors: list[str] = []
    about_part = document.get(SHEET_ABOUT)
    about: dict[str, Any] = {}
    if not isinstance(about_part, dict):
        errors.append(_("The part “%(sheet)s” is missing.") % {"sheet": SHEET_ABOUT})
    else:
        about = {name: about_part.get(label) for name, label in ABOUT_ROWS.items()}
    sheets: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for name in SHEETS:
        part = document.get(name, [])
        if not isinstance(part, list) or not all(isinstance(i, dict) for i in part):
            errors.append(_("The part “%(sheet)s” must be a list of objects.") % {"sheet": name})
            continue
        sheets[name] = list(enumerate(part, start=1))
    if errors:
        raise FileError(errors)
    return _assemble(about, sheets, where), where


def template_xlsx() -> bytes:
    """The empty file a party fills in, with the headers and one example row per sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = SHEET_ABOUT
    about.append(list(ABOUT_HEADER))
    about.append([ABOUT_ROWS["title"], "Lokal lägesbild 2025"])
    about.append([ABOUT_ROWS["period_start"], "2025-01-01"])
    about.append([ABOUT_ROWS["period_end"], "2025-12-31"])
    examples = {
        SHEET_SECTIONS: ["Bostadsinbrott", "Inbrotten ökade under hösten i de östra delarna."],
        SHEET_MESSAGES: ["Bostadsinbrotten minskade jämfört med 2024."],
        SHEET_FIGURES: ["Anmälda bostadsinbrott", 42, "st", 55, "samma period 2024"],
    }
    for name, header in SHEETS.items():
        sheet = book.create_sheet(name)
        sheet.append(list(header))
        sheet.append(examples[name])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 50
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
