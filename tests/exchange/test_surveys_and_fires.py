"""Survey indicators (trygghet, victimisation) per kommun and MSB's fire statistics: the layouts
of exchange/surveys.py, the Wilson interval, Swedish errors by row and column, all or nothing,
re-import, entry by hand through the same validator, trends, fires per 100 000 and the demo
files. Expected figures are read by hand from the fixtures."""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.demo.reference_stats import demo_surveys_and_fires
from samtrygg.exchange.models import FireStatistic, SurveyIndicator
from samtrygg.exchange.reference_stats import ReferenceImportError, import_population
from samtrygg.exchange.surveys import (
    FireCount,
    FireYear,
    SurveyPoint,
    fire_rates,
    import_fires,
    import_surveys,
    save_indicator,
    survey_trends,
    wilson_interval,
)

from .. import factories
from ..clock import pinned_now
from ..conftest import World

FIXTURES = Path(__file__).parent / "fixtures"
SURVEYS = (FIXTURES / "trygghet.csv").read_bytes()
SCHOOL_CP1252 = (FIXTURES / "skolenkat_cp1252.tsv").read_bytes()
FIRES = (FIXTURES / "msb_brander.csv").read_bytes()
SCB = (FIXTURES / "scb_folkmangd.csv").read_bytes()

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("swedish")]

HEADER = "undersökning;fråga;år;område;grupp;andel;antal svarande;ki låg;ki hög\n"
Q = "Andel som känner sig otrygga utomhus sent på kvällen"


def indicators() -> dict[tuple[str, str, int, str, str], tuple[float, int, float, float, bool]]:
    return {
        (i.survey, i.question, i.year, i.area_name, i.group): (
            i.share,
            i.respondents,
            round(i.ci_low, 2),
            round(i.ci_high, 2),
            i.interval_computed,
        )
        for i in SurveyIndicator.objects.all()
    }


def fires() -> dict[tuple[str, str, int], int | None]:
    return {(f.region_code, f.category, f.year): f.count for f in FireStatistic.objects.all()}


def errors_of(call: object) -> list[str]:
    with pytest.raises(ReferenceImportError) as caught:
        call()  # type: ignore[operator]
    return caught.value.errors


# ---- the Wilson interval ------------------------------------------------------------------


def test_wilson_interval_by_hand() -> None:
    # p = 0,5, n = 100, z = 1,959964, z² = 3,841459: centre (0,5 + 0,019207) / 1,038415 = 0,5;
    # half 1,959964 / 1,038415 × √(0,0025 + 3,841459 / 40 000) = 1,887457 × 0,0509513
    # = 0,0961691: 40,383 % – 59,617 %.
    low, high = wilson_interval(50, 100)
    assert (round(low, 3), round(high, 3)) == (40.383, 59.617)
    # p = 0,4, n = 1 000: centre 0,4019207 / 1,0038415 = 0,400383; half 1,952463 ×
    # √(0,00024 + 0,00000096036) = 1,952463 × 0,0155229 = 0,030308: 37,008 % – 43,069 %.
    low, high = wilson_interval(40, 1000)
    assert (round(low, 2), round(high, 2)) == (37.01, 43.07)
    # The interval is not symmetric near 0: 0 of 50 still gives an upper end of 7,13 %.
    assert [round(v, 2) for v in wilson_interval(0, 50)] == [0.0, 7.13]


def test_wilson_interval_agrees_with_statsmodels() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    for share, n in [(62.5, 412), (3.0, 400), (97.0, 1500), (12.0, 30)]:
        expected = proportion.proportion_confint(share / 100 * n, n, alpha=0.05, method="wilson")
        got = wilson_interval(share, n)
        assert got == pytest.approx((expected[0] * 100, expected[1] * 100), abs=1e-9)


# ---- good files ---------------------------------------------------------------------------


def test_survey_file_imports_the_figures(world: World) -> None:
    result = import_surveys(SURVEYS, world.a, source="Testkälla")
    assert (result.created, result.updated) == (4, 0)
    wilson_62 = [round(v, 2) for v in wilson_interval(62.5, 412)]
    assert indicators() == {
        ("Polisens trygghetsmätning", Q, 2022, "", ""): (50.0, 100, 40.38, 59.62, True),
        ("Polisens trygghetsmätning", Q, 2023, "", ""): (40.0, 1000, 37.01, 43.07, True),
        ("Polisens trygghetsmätning", Q, 2023, "Centrum", "kvinnor"): (
            62.5,
            412,
            *wilson_62,
            True,
        ),
        ("NTU", "Andel utsatta för brott mot person", 2023, "", "16–24 år"): (
            12.0,
            800,
            9.5,
            14.8,
            False,  # the file's own interval
        ),
    }
    row = SurveyIndicator.objects.get(area_name="Centrum")
    assert row.area == world.area and row.municipality == world.a and row.source == "Testkälla"


def test_header_variants_tab_separated_windows_1252(world: World) -> None:
    import_surveys(SCHOOL_CP1252, world.a)
    assert indicators() == {
        ("Skolenkät åk 9", "Otrygg i skolan", 2024, "Centrum", ""): (11.5, 240, 7.5, 15.5, False)
    }


def test_survey_xlsx(world: World) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Fråga", "År", "Andel", "Antal svarande", "Undersökning"])
    sheet.append(["Avstått från aktiviteter", 2021, 0.5 * 30, 600, "Egen enkät"])
    out = io.BytesIO()
    book.save(out)
    import_surveys(out.getvalue(), world.a)
    (row,) = SurveyIndicator.objects.all()
    assert (row.question, row.year, row.share, row.respondents) == (
        "Avstått från aktiviteter",
        2021,
        15.0,
        600,
    )


def test_survey_trends(world: World) -> None:
    import_surveys(SURVEYS, world.a)
    import_surveys(HEADER + f"Polisens trygghetsmätning;{Q};2024;;;38;900;35;41\n", world.a)
    trends = survey_trends(world.a, range(2022, 2025))
    assert [(t.survey, t.question, t.area, t.group, len(t.points)) for t in trends] == [
        ("NTU", "Andel utsatta för brott mot person", "", "16–24 år", 1),
        ("Polisens trygghetsmätning", Q, "", "", 3),
        ("Polisens trygghetsmätning", Q, "Centrum", "kvinnor", 1),
    ]
    points = trends[1].points
    assert [p.year for p in points] == [2022, 2023, 2024]
    assert points[2] == SurveyPoint(2024, 38.0, 900, 35.0, 41.0, False)
    assert survey_trends(world.b, range(2022, 2025)) == []  # another kommun's figures
    assert len(survey_trends(world.a, [2022])) == 1


# ---- broken survey files: row and column in Swedish, nothing written ----------------------


@pytest.fixture
def before(
    world: World,
) -> dict[tuple[str, str, int, str, str], tuple[float, int, float, float, bool]]:
    import_surveys(SURVEYS, world.a)
    return indicators()


def test_share_out_of_range(world: World, before: object) -> None:
    text = HEADER + f"NTU;{Q};2023;;;12;500;;\nNTU;{Q};2022;;;12;500;;\nNTU;{Q};2021;;;120;500;;\n"
    assert errors_of(lambda: import_surveys(text, world.a)) == [
        "Rad 4, kolumn ”andel”: 120 är ingen andel mellan 0 och 100."
    ]
    assert indicators() == before


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("2023;;;62 procent;500;;", "andel", "62 procent är ingen andel mellan 0 och 100."),
        ("2023;;;-3;500;;", "andel", "-3 är ingen andel mellan 0 och 100."),
        (
            "2023;;;30;12,5;;",
            "antal svarande",
            "”12,5” är inget antal svarande (ett heltal, minst 1).",
        ),
        ("2023;;;30;0;;", "antal svarande", "”0” är inget antal svarande (ett heltal, minst 1)."),
        ("2023;;;30;;;", "antal svarande", "ett värde behövs."),
        ("2023;;;30;500;25;", "ki hög", "ange båda ändarna av intervallet eller ingen."),
        ("2023;;;30;500;31;40", "ki låg", "intervallet 31–40 innehåller inte andelen 30."),
        ("2023;;;30;500;25;101", "ki hög", "101 är ingen procentsats mellan 0 och 100."),
        ("1899;;;30;500;;", "år", "”1899” är inget år mellan 1950 och {last}."),
        ("2023;Söder;;30;500;;", "område", "Alfa har inget område ”Söder”."),
    ],
)
def test_each_kind_of_broken_cell(
    world: World, before: object, cells: str, column: str, message: str
) -> None:
    text = HEADER + f"NTU;{Q};2019;;;10;500;;\nNTU;{Q};{cells}\n"
    last = pinned_now().year
    assert errors_of(lambda: import_surveys(text, world.a)) == [
        f"Rad 3, kolumn ”{column}”: {message.format(last=last)}"
    ]
    assert indicators() == before  # the good row 2 was not written either


def test_missing_columns_and_no_header(world: World, before: object) -> None:
    text = "fråga;år;andel\nFråga;2023;12\n"
    assert errors_of(lambda: import_surveys(text, world.a)) == [
        "Rad 1: kolumnen ”undersökning” saknas.",
        "Rad 1: kolumnen ”antal svarande” saknas.",
    ]
    assert errors_of(lambda: import_surveys("a;b\n1;2\n", world.a)) == [
        "Ingen rubrikrad med kolumnerna ”fråga” och ”andel” hittades bland de första 20 raderna."
    ]
    assert indicators() == before


def test_duplicate_survey_row(world: World, before: object) -> None:
    text = HEADER + f"NTU;{Q};2023;Centrum;;10;500;;\nNTU;{Q};2023;centrum;;11;500;;\n"
    assert errors_of(lambda: import_surveys(text, world.a)) == [
        "Rad 3, kolumn ”fråga”: samma undersökning, fråga, år, område och grupp finns också "
        "på rad 2."
    ]
    assert indicators() == before


def test_an_area_of_another_municipality_is_refused(world: World, before: object) -> None:
    from samtrygg.areas.services import import_areas

    import_areas(
        world.b,
        factories.feature_collection(
            factories.feature(
                "Norr", factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.01)
            )
        ),
        kind="district",
    )
    text = HEADER + f"NTU;{Q};2023;Norr;;10;500;;\n"
    assert errors_of(lambda: import_surveys(text, world.a)) == [
        "Rad 2, kolumn ”område”: Alfa har inget område ”Norr”."
    ]
    import_surveys(text, world.b)  # in its own municipality it is found
    assert SurveyIndicator.objects.get(municipality=world.b).area == Area.objects.get(name="Norr")
    with pytest.raises(ValidationError) as caught:
        save_indicator(
            world.access(world.alice),
            survey="NTU",
            question=Q,
            year=2023,
            share=10,
            respondents=500,
            area=Area.objects.get(name="Norr"),
        )
    assert caught.value.message_dict == {"area": ["Området hör till en annan kommun."]}
    assert SurveyIndicator.objects.filter(municipality=world.a).count() == len(before)  # type: ignore[arg-type]


# ---- re-import, entry by hand, audit, command ---------------------------------------------


def test_reimport_updates_and_does_not_duplicate(world: World) -> None:
    import_surveys(SURVEYS, world.a)
    again = import_surveys(SURVEYS, world.a)
    assert (again.created, again.updated) == (0, 4)
    changed = SURVEYS.replace(b"2023;;;40,0;1 000;;", b"2023;;;41,0;1 000;39;43")
    import_surveys(changed, world.a)
    assert SurveyIndicator.objects.count() == 4
    assert indicators()[("Polisens trygghetsmätning", Q, 2023, "", "")] == (
        41.0,
        1000,
        39.0,
        43.0,
        False,
    )
    # The same figure in another kommun is its own (Beta has no area "Centrum": that row
    # would be refused there).
    import_surveys(HEADER + f"Polisens trygghetsmätning;{Q};2023;;;40;1000;;\n", world.b)
    assert SurveyIndicator.objects.count() == 5
    assert SurveyIndicator.objects.get(municipality=world.b).share == 40.0


def test_save_indicator_uses_the_same_validator(world: World) -> None:
    access = world.access(world.dave)
    saved = save_indicator(
        access, survey="NTU", question=Q, year=2023, share=50.0, respondents=100, group="män"
    )
    assert (saved.ci_low, saved.ci_high) == pytest.approx(wilson_interval(50, 100))
    with pytest.raises(ValidationError) as caught:
        save_indicator(access, survey="NTU", question=Q, year=2023, share=120, respondents=0)
    assert caught.value.message_dict == {
        "share": ["120 är ingen andel mellan 0 och 100."],
        "respondents": ["”0” är inget antal svarande (ett heltal, minst 1)."],
    }
    again = save_indicator(
        access, survey="NTU", question=Q, year=2023, share="55,5 %", respondents=100, group="män"
    )
    assert again.pk == saved.pk and again.share == 55.5
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # a reporter may not
        save_indicator(world.access(world.bob), survey="NTU", question=Q, year=2023, share=1)


def test_each_import_is_logged(world: World) -> None:
    import_surveys(SURVEYS, world.a, actor="test")
    import_fires(FIRES, actor="test")
    with pytest.raises(ReferenceImportError):
        import_fires("Kommun;Händelsetyp;2022\n1380;Brand i fordon;x\n")
    events = AuditEvent.objects.filter(action=AuditAction.TABLE_IMPORTED).order_by("id")
    assert [
        (e.actor_label, e.municipality_id, e.changes["kind"][1], e.changes["created"][1])
        for e in events
    ] == [("test", world.a.pk, "survey_indicators", 4), ("test", None, "fires", 8)]


def test_commands(world: World, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_bytes(SURVEYS)
    (tmp_path / "f.csv").write_bytes(FIRES)
    out = StringIO()
    call_command("import_surveys", world.a.slug, str(tmp_path / "t.csv"), stdout=out)
    call_command("import_fires", str(tmp_path / "f.csv"), stdout=out)
    assert (SurveyIndicator.objects.count(), FireStatistic.objects.count()) == (4, 8)
    (tmp_path / "bad.csv").write_text(HEADER + f"NTU;{Q};2023;;;120;500;;\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_surveys", world.a.slug, str(tmp_path / "bad.csv"))
    assert str(caught.value).splitlines() == [
        "Inget importerades.",
        "Rad 2, kolumn ”andel”: 120 är ingen andel mellan 0 och 100.",
    ]


# ---- the coordinator's page ---------------------------------------------------------------


def test_survey_page_lists_and_imports(world: World, client: object) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    assert isinstance(client, Client)
    url = reverse("survey_list", args=[world.a.slug])
    client.force_login(world.dave)
    response = client.post(
        url, {"action": "upload", "file": SimpleUploadedFile("t.csv", SURVEYS), "source": "Test"}
    )
    assert response.status_code == 302
    assert SurveyIndicator.objects.filter(municipality=world.a).count() == 4
    page = client.get(url).content.decode()
    assert "Polisens trygghetsmätning" in page and "62,5" in page
    bad = client.post(
        url,
        {
            "action": "upload",
            "file": SimpleUploadedFile("b.csv", (HEADER + f"NTU;{Q};2023;;;120;5;;\n").encode()),
        },
    )
    assert "Rad 2, kolumn ”andel”: 120 är ingen andel mellan 0 och 100." in bad.content.decode()
    response = client.post(
        url,
        {
            "action": "add",
            "survey": "NTU",
            "question": Q,
            "year": "2024",
            "share": "33,3",
            "respondents": "300",
        },
    )
    assert response.status_code == 302
    assert SurveyIndicator.objects.get(year=2024).share == 33.3
    client.force_login(world.bob)  # a reporter
    assert client.get(url).status_code in (403, 404)
    client.force_login(world.charlie)  # another municipality
    assert client.get(url).status_code == 404


# ---- fires --------------------------------------------------------------------------------


def test_fire_file_imports_counts_and_skips_rates() -> None:
    result = import_fires(FIRES)
    assert (result.created, result.updated) == (8, 0)
    assert fires() == {
        ("1380", "anlagd-brand-i-byggnad", 2022): 26,
        ("1380", "anlagd-brand-i-byggnad", 2023): 30,
        ("1380", "brand-i-fordon", 2022): 52,
        ("1380", "brand-i-fordon", 2023): None,  # ".."
        ("00", "anlagd-brand-i-byggnad", 2022): 2400,
        ("00", "anlagd-brand-i-byggnad", 2023): 2500,
        ("00", "anlagd-brand-utomhus", 2022): 9000,
    } | {("00", "anlagd-brand-utomhus", 2023): 8600}
    row = FireStatistic.objects.get(region_code="1380", category="brand-i-fordon", year=2022)
    assert (row.region_name, row.category_label) == ("Halmstad", "Brand i fordon")


def test_fire_long_layout() -> None:
    import_fires("regionkod;region;kategori;år;antal\n0880;Kalmar;Anlagd brand utomhus;2023;61\n")
    assert fires() == {("0880", "anlagd-brand-utomhus", 2023): 61}


def test_fire_rates_per_100_000() -> None:
    import_population(SCB)
    import_fires(FIRES)
    # By hand: Halmstad 2022 26 / 100 000 × 100 000 = 26; 2023 30 / 104 000 × 100 000
    # = 28,846…; Brand i fordon 2022 52; 2023 no count.
    assert fire_rates("1380", [2023, 2022]) == [
        FireYear(
            2022,
            100_000,
            (
                FireCount("anlagd-brand-i-byggnad", "Anlagd brand i byggnad", 26, 26.0),
                FireCount("brand-i-fordon", "Brand i fordon", 52, 52.0),
            ),
        ),
        FireYear(
            2023,
            104_000,
            (
                FireCount(
                    "anlagd-brand-i-byggnad",
                    "Anlagd brand i byggnad",
                    30,
                    pytest.approx(28.846, abs=1e-3),
                ),
                FireCount("brand-i-fordon", "Brand i fordon", None, None),
            ),
        ),
    ]
    assert fire_rates("0880", [2022]) == [FireYear(2022, None, ())]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Kommun;Händelsetyp;2022;2023\n1380 Halmstad;Brand i fordon;5;-3\n",
            ["Rad 2, kolumn ”2023”: ”-3” är inget antal."],
        ),
        (
            "Kommun;Händelsetyp;2022\n1389 Halmstad;Brand i fordon;5\n",
            [
                "Rad 2, kolumn ”Kommun”: ”1389 Halmstad” är ingen regionkod för riket, ett län "
                "eller en kommun."
            ],
        ),
        (
            "Kommun;Händelsetyp;2022\n1380;;5\n",
            ["Rad 2, kolumn ”Händelsetyp”: en kategori behövs."],
        ),
        ("Kommun;Enhet;2022\n1380;Antal;5\n", ["Rad 1: kolumnen ”kategori” saknas."]),
        (
            "Kommun;Händelsetyp;2022\n1380;Brand i fordon;5\n00;Brand i fordon;7\n"
            "1380 Halmstad;Brand i fordon;6\n",
            ["Rad 4, kolumn ”Kommun”: samma region, kategori och år 2022 finns också på rad 2."],
        ),
        (
            "regionkod;kategori;år;antal\n1380;Brand i fordon;1800;5\n",
            ["Rad 2, kolumn ”år”: ”1800” är inget år mellan 1950 och {last}."],
        ),
    ],
)
def test_broken_fire_files_write_nothing(text: str, expected: list[str]) -> None:
    import_fires(FIRES)
    before = fires()
    last = pinned_now().year
    assert errors_of(lambda: import_fires(text)) == [e.format(last=last) for e in expected]
    assert fires() == before


def test_fire_reimport_updates() -> None:
    import_fires(FIRES)
    again = import_fires(
        FIRES.replace(b"Brand i fordon;Antal;52;..", b"Brand i fordon;Antal;53;49")
    )
    assert (again.created, again.updated) == (0, 8)
    assert FireStatistic.objects.count() == 8
    assert fires()[("1380", "brand-i-fordon", 2023)] == 49


# ---- demo ---------------------------------------------------------------------------------


def test_demo_files_import() -> None:
    halmstad = factories.municipality("Halmstad", scb_code="1380")
    kalmar = factories.municipality("Kalmar", scb_code="0880")
    surveys, fire = demo_surveys_and_fires()
    # 6 years × (3 + 2 + 1 + 1) rows per kommun; 3 regions × 3 categories × 10 years.
    assert (surveys["1380"].created, surveys["0880"].created, fire.created) == (42, 42, 90)
    # Read by hand from src/samtrygg/demo/data/:
    first = SurveyIndicator.objects.get(
        municipality=halmstad,
        year=2019,
        group="kvinnor",
        question="Andel som känner sig otrygga utomhus sent på kvällen i sitt bostadsområde",
    )
    assert (first.share, first.respondents, first.interval_computed) == (32.8, 489, True)
    assert first.source == "Demo – påhittade siffror, inte någon verklig undersökning"
    assert (
        SurveyIndicator.objects.filter(municipality=kalmar, interval_computed=False).count() == 12
    )
    assert fires()[("1380", "anlagd-brand-i-byggnad", 2024)] == 35
    assert fires()[("00", "anlagd-brand-utomhus", 2015)] == 8521
    trends = survey_trends(halmstad, range(2019, 2025))
    assert len(trends) == 7 and all(len(t.points) == 6 for t in trends)


def test_the_database_holds_the_bounds(world: World) -> None:
    """DESIGN.md rule 10: a share over 100 or a share outside its interval cannot be stored by
    any door."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    base = {
        "municipality": world.a,
        "survey": "NTU",
        "question": Q,
        "year": 2023,
        "respondents": 100,
        "imported_at": timezone.now(),
    }
    for bad in [
        {"share": 120.0, "ci_low": 100.0, "ci_high": 100.0},
        {"share": 50.0, "ci_low": 55.0, "ci_high": 60.0},
        {"share": 50.0, "ci_low": 40.0, "ci_high": 60.0, "respondents": 0},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            SurveyIndicator.objects.create(**(base | bad))
