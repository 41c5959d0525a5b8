"""Brå's reported crime and SCB's population as reference tables: the layouts of
exchange/reference_stats.py, Swedish errors by row and column, all or nothing, re-import,
rates per 100 000 and the demo files. Expected figures are read by hand from the fixtures."""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.demo.reference_stats import demo_reference_stats
from samtrygg.exchange.models import Population, ReportedCrime
from samtrygg.exchange.reference_stats import (
    CrimeRate,
    ReferenceImportError,
    crime_rates,
    import_population,
    import_reported_crime,
)

from ..clock import pinned_now

FIXTURES = Path(__file__).parent / "fixtures"
BRA_WIDE = (FIXTURES / "bra_wide.csv").read_bytes()
SCB = (FIXTURES / "scb_folkmangd.csv").read_bytes()
BRA_LONG_CP1252 = (FIXTURES / "bra_long_cp1252.tsv").read_bytes()

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("swedish")]

WIDE_HEADER = "Område;Brottstyp;Enhet;2022;2023\n"


def crimes() -> dict[tuple[str, str, int], int | None]:
    return {(r.region_code, r.crime_group, r.year): r.count for r in ReportedCrime.objects.all()}


def populations() -> dict[tuple[str, int], int | None]:
    return {(p.region_code, p.year): p.population for p in Population.objects.all()}


def errors_of(call: object) -> list[str]:
    with pytest.raises(ReferenceImportError) as caught:
        call()  # type: ignore[operator]
    return caught.value.errors


# ---- good files ---------------------------------------------------------------------------


def test_bra_wide_file_imports_the_counts_and_skips_the_rate_rows() -> None:
    result = import_reported_crime(BRA_WIDE)
    assert crimes() == {
        ("1380", "bostadsinbrott", 2022): 120,
        ("1380", "bostadsinbrott", 2023): 130,
        ("13", "bostadsinbrott", 2022): 1020,
        ("13", "bostadsinbrott", 2023): None,  # ".."
        ("00", "bostadsinbrott", 2022): 12000,  # "12\u00a0000"
        ("00", "bostadsinbrott", 2023): 10400,  # "10 400"
        ("1380", "misshandel", 2022): 800,
        ("1380", "misshandel", 2023): None,  # "-"
        ("00", "misshandel", 2022): 80000,
        ("00", "misshandel", 2023): 83200,
    }
    assert (result.created, result.updated) == (10, 0)
    halmstad = ReportedCrime.objects.get(region_code="1380", crime_group="misshandel", year=2022)
    assert (halmstad.region_name, halmstad.crime_group_label) == ("Halmstad", "Misshandel")
    assert halmstad.source == "Brå, anmälda brott"


def test_bra_long_tab_separated_windows_1252_file() -> None:
    import_reported_crime(BRA_LONG_CP1252)
    assert crimes() == {("0880", "skadegorelse", 2023): 1234, ("08", "skadegorelse", 2023): 3456}
    assert ReportedCrime.objects.get(region_code="08").crime_group_label == "Skadegörelse"


def test_scb_px_web_csv_imports_the_population() -> None:
    import_population(SCB)
    assert populations() == {
        ("00", 2022): 10_000_000,
        ("00", 2023): 10_400_000,
        ("13", 2022): 340_000,
        ("13", 2023): None,
        ("1380", 2022): 100_000,
        ("1380", 2023): 104_000,
    }
    assert Population.objects.get(region_code="13", year=2022).region_name == "Hallands län"


def test_scb_xlsx_export_with_title_and_lost_leading_zero() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Folkmängden efter region och år"])
    sheet.append(["region", "2023"])
    sheet.append(["0880 Kalmar", 72018])
    sheet.append([880, 72018])  # Excel made the code a number: 0880 lost its zero
    sheet.append(["08 Kalmar län", 246641])
    sheet.append(["Källa: SCB"])  # a note below the table
    out = io.BytesIO()
    book.save(out)
    messages = errors_of(lambda: import_population(out.getvalue()))
    assert messages == ["Rad 4, kolumn ”region”: samma region och år 2023 finns också på rad 3."]
    sheet.delete_rows(4)
    out = io.BytesIO()
    book.save(out)
    import_population(out.getvalue())
    assert populations() == {("0880", 2023): 72018, ("08", 2023): 246641}


def test_population_long_layout_with_names_only() -> None:
    import_population("region;år;folkmängd\nHalmstad;2023;104 000\nRiket;2023;10 400 000\n")
    assert populations() == {("1380", 2023): 104_000, ("00", 2023): 10_400_000}


# ---- rates --------------------------------------------------------------------------------


def test_crime_rates_per_100_000_against_county_and_country() -> None:
    import_population(SCB)
    import_reported_crime(BRA_WIDE)
    # By hand: Halmstad 2023 130 / 104 000 × 100 000 = 125; Hallands län 2022
    # 1 020 / 340 000 × 100 000 = 300; riket 2023 10 400 / 10 400 000 × 100 000 = 100;
    # misshandel riket 2023 83 200 / 10 400 000 × 100 000 = 800. Hallands län 2023 has
    # neither a count nor a population, misshandel there no row: None.
    assert crime_rates("1380", [2023, 2022]) == [
        CrimeRate("bostadsinbrott", "Bostadsinbrott", 2022, 120.0, 300.0, 120.0),
        CrimeRate("bostadsinbrott", "Bostadsinbrott", 2023, 125.0, None, 100.0),
        CrimeRate("misshandel", "Misshandel", 2022, 800.0, None, 800.0),
        CrimeRate("misshandel", "Misshandel", 2023, None, None, 800.0),
    ]


def test_a_rate_needs_the_population() -> None:
    import_reported_crime(BRA_WIDE)  # no population imported
    rates = crime_rates("1380", [2022])
    assert [(r.kommun, r.county, r.country) for r in rates] == [(None, None, None)] * 2


# ---- broken files: every error by row and column, in Swedish, and nothing written ---------


@pytest.fixture
def before() -> dict[tuple[str, str, int], int | None]:
    """A good import first: a broken file must leave it exactly as it was."""
    import_reported_crime(BRA_WIDE)
    return crimes()


def test_bad_number_names_row_and_column(before: dict[tuple[str, str, int], int | None]) -> None:
    text = WIDE_HEADER + "1380 Halmstad;Bostadsinbrott;Antal;999;12x\n"
    assert errors_of(lambda: import_reported_crime(text)) == [
        "Rad 2, kolumn ”2023”: ”12x” är inget antal."
    ]
    assert crimes() == before  # 999 was not written either


@pytest.mark.parametrize("value", ["-5", "12,5", "1.5e3"])
def test_negative_or_fractional_counts_are_refused(value: str) -> None:
    text = WIDE_HEADER + f"1380 Halmstad;Bostadsinbrott;Antal;1;{value}\n"
    assert errors_of(lambda: import_reported_crime(text)) == [
        f"Rad 2, kolumn ”2023”: ”{value}” är inget antal."
    ]
    assert ReportedCrime.objects.count() == 0


def test_missing_column(before: dict[tuple[str, str, int], int | None]) -> None:
    text = "Titel\nOmråde;Enhet;2022\n1380 Halmstad;Antal;7\n"
    assert errors_of(lambda: import_reported_crime(text)) == ["Rad 2: kolumnen ”brottstyp” saknas."]
    long = "regionkod;brottstyp;år\n1380;Misshandel;2022\n"
    assert errors_of(lambda: import_reported_crime(long)) == ["Rad 1: kolumnen ”antal” saknas."]
    assert crimes() == before


def test_unknown_region_code(before: dict[tuple[str, str, int], int | None]) -> None:
    text = WIDE_HEADER + "1389 Halmstad;Misshandel;Antal;1;2\n"
    assert errors_of(lambda: import_reported_crime(text)) == [
        "Rad 2, kolumn ”Område”: ”1389 Halmstad” är ingen regionkod för riket, ett län "
        "eller en kommun."
    ]
    wrong_name = WIDE_HEADER + "1381 Halmstad;Misshandel;Antal;1;2\n"  # 1381 is Laholm
    assert errors_of(lambda: import_reported_crime(wrong_name)) == [
        "Rad 2, kolumn ”Område”: koden 1381 är Laholm, inte Halmstad."
    ]
    long = "regionkod;region;brottstyp;år;antal\n17;Hallands län;Misshandel;2022;5\n"
    assert errors_of(lambda: import_reported_crime(long)) == [
        "Rad 2, kolumn ”regionkod”: koden 17 är Värmlands län, inte Hallands län."
    ]
    assert crimes() == before


def test_duplicate_row(before: dict[tuple[str, str, int], int | None]) -> None:
    text = (
        WIDE_HEADER
        + "1380 Halmstad;Misshandel;Antal;900;901\n"
        + "00 Riket;Misshandel;Antal;1;2\n"
        + "1380 Halmstad;Misshandel;Antal;900;901\n"
    )
    assert errors_of(lambda: import_reported_crime(text)) == [
        "Rad 4, kolumn ”Område”: samma region, brottstyp och år 2022 finns också på rad 2.",
        "Rad 4, kolumn ”Område”: samma region, brottstyp och år 2023 finns också på rad 2.",
    ]
    assert crimes() == before


def test_wrong_year(before: dict[tuple[str, str, int], int | None]) -> None:
    long = "regionkod;region;brottstyp;år;antal\n1380;Halmstad;Misshandel;1899;5\n"
    last = pinned_now().year  # this year's figures may be preliminary, next year's cannot be
    assert errors_of(lambda: import_reported_crime(long)) == [
        f"Rad 2, kolumn ”år”: ”1899” är inget år mellan 1950 och {last}."
    ]
    wide = f"Område;Brottstyp;{last + 1}\n1380 Halmstad;Misshandel;5\n"
    assert errors_of(lambda: import_reported_crime(wide)) == [
        f"Rad 1, kolumn ”{last + 1}”: ”{last + 1}” är inget år mellan 1950 och {last}."
    ]
    assert crimes() == before


def test_every_error_of_a_file_is_reported() -> None:
    text = (
        WIDE_HEADER
        + "9999 Ingenstans;Misshandel;Antal;1;2\n"
        + "1380 Halmstad;Misshandel;Antal;;x\n"
    )
    assert errors_of(lambda: import_reported_crime(text)) == [
        "Rad 2, kolumn ”Område”: ”9999 Ingenstans” är ingen regionkod för riket, ett län "
        "eller en kommun.",
        "Rad 3, kolumn ”2022”: ett värde behövs (”..” om det saknas).",
        "Rad 3, kolumn ”2023”: ”x” är inget antal.",
    ]
    assert ReportedCrime.objects.count() == 0


def test_broken_population_writes_nothing() -> None:
    import_population(SCB)
    text = '"region","2022","2023"\n"1380 Halmstad",1,2\n"13 Hallands län",340000,"3 4O0"\n'
    assert errors_of(lambda: import_population(text)) == [
        "Rad 3, kolumn ”2023”: ”3 4O0” är ingen folkmängd."
    ]
    assert populations()[("1380", 2022)] == 100_000


# ---- re-import, audit, commands, demo -----------------------------------------------------


def test_reimport_updates_and_does_not_duplicate() -> None:
    import_reported_crime(BRA_WIDE)
    again = import_reported_crime(BRA_WIDE)
    assert (again.created, again.updated) == (0, 10)
    assert ReportedCrime.objects.count() == 10
    changed = BRA_WIDE.replace(
        b"1380 Halmstad;Misshandel;Antal;800;-", b"1380 Halmstad;Misshandel;Antal;810;790"
    )
    import_reported_crime(changed)
    assert ReportedCrime.objects.count() == 10
    assert crimes()[("1380", "misshandel", 2022)] == 810
    assert crimes()[("1380", "misshandel", 2023)] == 790
    import_population(SCB)
    import_population(SCB)
    assert Population.objects.count() == 6


def test_each_import_is_logged() -> None:
    import_population(SCB, actor="test")
    import_reported_crime(BRA_WIDE, actor="test")
    with pytest.raises(ReferenceImportError):
        import_reported_crime(WIDE_HEADER + "1380 Halmstad;Misshandel;Antal;x;1\n")
    events = AuditEvent.objects.filter(action=AuditAction.TABLE_IMPORTED).order_by("id")
    assert [(e.actor_label, e.changes["kind"][1], e.changes["created"][1]) for e in events] == [
        ("test", "population", 6),
        ("test", "reported_crime", 10),
    ]


def test_commands(tmp_path: Path) -> None:
    (tmp_path / "scb.csv").write_bytes(SCB)
    (tmp_path / "bra.csv").write_bytes(BRA_WIDE)
    out = StringIO()
    call_command("import_population", str(tmp_path / "scb.csv"), stdout=out)
    call_command("import_bra", str(tmp_path / "bra.csv"), stdout=out)
    assert Population.objects.count() == 6
    assert ReportedCrime.objects.count() == 10
    (tmp_path / "bad.csv").write_text(WIDE_HEADER + "1380 Halmstad;Misshandel;Antal;x;1\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_bra", str(tmp_path / "bad.csv"))
    assert str(caught.value).splitlines() == [
        "Inget importerades.",
        "Rad 2, kolumn ”2022”: ”x” är inget antal.",
    ]


def test_demo_files_import() -> None:
    population, crime = demo_reference_stats()
    assert (population.created, crime.created) == (70, 420)  # 7 regions × 10 years × 6 groups
    # Read by hand from src/samtrygg/demo/data/:
    assert crimes()[("00", "bostadsinbrott", 2015)] == 21813
    assert crimes()[("0880", "bostadsinbrott", 2015)] is None
    assert crimes()[("1380", "stold", 2024)] is not None
    assert populations()[("1380", 2024)] == 105754
    row = ReportedCrime.objects.get(region_code="13", crime_group="skadegorelse", year=2020)
    assert row.source == "Demo – påhittade siffror i Brås format"
    rates = crime_rates("1380", range(2015, 2025))
    assert len(rates) == 60
    assert all(r.kommun is not None and r.county is not None for r in rates)
