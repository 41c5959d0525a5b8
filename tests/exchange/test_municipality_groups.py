"""SKR's kommungruppsindelning: the import (every layout variant read, broken files named by row
and column and nothing written) and the group's rate of reported crime, checked by hand."""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from samtrygg.exchange.models import MunicipalityGroup
from samtrygg.exchange.municipality_groups import (
    group_of,
    import_municipality_groups,
    parse_group,
)
from samtrygg.exchange.reference_stats import (
    ReferenceImportError,
    crime_rates,
    import_population,
    import_reported_crime,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("swedish")]

GROUPS = (
    "Kommungruppsindelning 2023\n"
    "Kommunkod;Kommun;Kommungrupp 2023\n"
    "1380;Halmstad;B3. Större stad\n"
    "0880;Kalmar;b3 Större stad\n"
    "1315;Hylte;C8\n"
)


def groups() -> dict[str, str]:
    return dict(MunicipalityGroup.objects.values_list("kommun_code", "group"))


def errors_of(raw: bytes | str) -> list[str]:
    with pytest.raises(ReferenceImportError) as caught:
        import_municipality_groups(raw)
    return caught.value.errors


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("B3", "B3"),
        ("b3. Större stad", "B3"),
        ("C9 Landsbygdskommun med besöksnäring", "C9"),
        ("Större stad", "B3"),
        ("pendlingskommun nära storstad", "A2"),
        ("B7", None),
        ("D1", None),
        ("Stor stad", None),
    ],
)
def test_group_cells(cell: str, code: str | None) -> None:
    assert parse_group(cell) == code


def test_import_and_reimport() -> None:
    result = import_municipality_groups(GROUPS)
    assert (result.created, result.updated) == (3, 0)
    assert groups() == {"1380": "B3", "0880": "B3", "1315": "C8"}
    again = import_municipality_groups("Kommunkod\tKommungrupp\n1315\tC9\n")
    assert (again.created, again.updated) == (0, 1)
    assert groups() == {"1380": "B3", "0880": "B3", "1315": "C9"}
    group = group_of("1380")
    assert group is not None
    assert (group.code, group.label, group.members) == ("B3", "Större stad", ("0880", "1380"))


def test_xlsx_with_names_only() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Kommunnamn", "Kommungrupp 2023"])
    sheet.append(["Halmstad", "B3 Större stad"])
    sheet.append(["Upplands-Bro", "A2 Pendlingskommun nära storstad"])
    buffer = io.BytesIO()
    book.save(buffer)
    import_municipality_groups(buffer.getvalue())
    assert groups() == {"1380": "B3", "0139": "A2"}


def test_broken_file_names_row_and_column_and_writes_nothing() -> None:
    import_municipality_groups(GROUPS)
    before = groups()
    messages = errors_of(
        "Kommunkod;Kommun;Kommungrupp\n"
        "1380;Halmstad;C8\n"  # a good row: must not be written either
        "9999;Ingenstans;B3\n"
        "0880;Kalmar;Mellanstad\n"
        "1380;Halmstad;B3\n"
    )
    assert messages == [
        "Rad 3, kolumn ”Kommunkod”: inte en svensk kommun (en fyrsiffrig kod).",
        "Rad 4, kolumn ”Kommungrupp”: inte en av SKR:s kommungrupper (A1–C9, t.ex. ”B3 Större "
        "stad”).",
        "Rad 5, kolumn ”Kommungrupp”: kommunen står två gånger.",
    ]
    assert groups() == before
    assert errors_of("Kommun;Grupp\nHalmstad;B3\n") == [
        "Ingen rubrikrad med kolumnerna ”Kommunkod” (eller ”Kommun”) och ”Kommungrupp” fanns "
        "bland de 20 första raderna."
    ]
    assert errors_of("Kommunkod;Kommungrupp\n") == ["Filen innehåller ingen kommun."]
    assert groups() == before


def test_the_group_rate_is_all_its_crimes_over_all_its_inhabitants() -> None:
    """By hand: Halmstad 2024 120 crimes / 100 000 inhabitants and Kalmar 90 / 50 000 give the
    group (120 + 90) / 150 000 × 100 000 = 140 — not the mean of 120 and 180 (150)."""
    import_municipality_groups("Kommunkod;Kommungrupp\n1380;B3\n0880;B3\n")
    import_population("region;2023;2024\n1380 Halmstad;99 000;100 000\n0880 Kalmar;49 000;50 000\n")
    import_reported_crime(
        "Område;Brottstyp;2023;2024\n1380 Halmstad;Bostadsinbrott;99;120\n"
        "0880 Kalmar;Bostadsinbrott;..;90\n"
    )
    rates = crime_rates("1380", [2023, 2024])
    assert [(r.year, r.kommun, r.group) for r in rates] == [
        (2023, 100.0, None),  # Kalmar's count is missing: no group rate over part of the group
        (2024, 120.0, 140.0),
    ]
    # A kommun outside every group gets no group rate.
    MunicipalityGroup.objects.all().delete()
    assert {r.group for r in crime_rates("1380", [2024])} == {None}


def test_command(tmp_path: Path) -> None:
    good = tmp_path / "grupper.csv"
    good.write_text(GROUPS, encoding="utf-8")
    out = StringIO()
    call_command("import_municipality_groups", str(good), stdout=out)
    assert "3 kommuner tillagda" in out.getvalue()
    bad = tmp_path / "fel.csv"
    bad.write_text("Kommunkod;Kommungrupp\n12;B3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Rad 2"):
        call_command("import_municipality_groups", str(bad))
