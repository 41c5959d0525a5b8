"""Honest statistics in the statutory lägesbild (issue 12, items 5 and 6): the comparison period
is the calendar period before, a comparison with a period the data do not cover (or while more
organisations began reporting) claims no change and says why, and numbers are written the
Swedish way by one formatter. Expected strings are written by hand."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from samtrygg.areas.models import Area
from samtrygg.core import formatting
from samtrygg.incidents.categories import seed_categories
from samtrygg.situation import services
from samtrygg.situation.report_content import Period, build

from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        # A calendar year before a calendar year, also across a leap year (not 2 January).
        (date(2025, 1, 1), date(2025, 12, 31), (date(2024, 1, 1), date(2024, 12, 31))),
        (date(2024, 1, 1), date(2024, 12, 31), (date(2023, 1, 1), date(2023, 12, 31))),
        (date(2025, 4, 1), date(2025, 6, 30), (date(2025, 1, 1), date(2025, 3, 31))),
        (date(2025, 3, 1), date(2025, 3, 31), (date(2025, 2, 1), date(2025, 2, 28))),
        (date(2025, 1, 1), date(2025, 2, 28), (date(2024, 11, 1), date(2024, 12, 31))),
        # Not whole months: as many days back.
        (date(2025, 3, 10), date(2025, 3, 16), (date(2025, 3, 3), date(2025, 3, 9))),
    ],
)
def test_the_comparison_period_is_the_calendar_period_before(
    first: date, last: date, expected: tuple[date, date]
) -> None:
    previous = Period(first, last).previous()
    assert (previous.first, previous.last) == expected


@pytest.mark.parametrize(
    ("call", "swedish", "english"),
    [
        (lambda: formatting.number(4028000), "4\u00a0028\u00a0000", "4,028,000"),
        (lambda: formatting.number(239.84, 1), "239,8", "239.8"),
        (lambda: formatting.number(1.333, 2), "1,33", "1.33"),
        (lambda: formatting.money(4028000), "4\u00a0028\u00a0000\u00a0kr", "4,028,000\u00a0kr"),
        (lambda: formatting.percent(41), "41\u00a0%", "41\u00a0%"),
        (lambda: formatting.percent(-8, signed=True), "−8\u00a0%", "−8\u00a0%"),
        (lambda: formatting.p_value(2.05e-174), "p < 0,001", "p < 0.001"),
        (lambda: formatting.p_value(0.0123), "p = 0,012", "p = 0.012"),
        (lambda: formatting.incidents(1), "1 händelse", "1 incident"),
        (lambda: formatting.incidents(1200), "1\u00a0200 händelser", "1,200 incidents"),
        (lambda: formatting.day(date(2025, 1, 1)), "1 januari 2025", "1 January 2025"),
        (lambda: formatting.period(date(2025, 1, 1), date(2025, 12, 31)), "2025", "2025"),
        (
            lambda: formatting.period(date(2025, 1, 1), date(2025, 6, 30)),
            "1 januari–30 juni 2025",
            "1 January–30 June 2025",
        ),
        (
            lambda: formatting.period(date(2024, 12, 1), date(2025, 1, 31)),
            "1 december 2024–31 januari 2025",
            "1 December 2024–31 January 2025",
        ),
    ],
)
def test_one_formatter(call: object, swedish: str, english: str) -> None:
    with translation.override("sv"):
        assert call() == swedish  # type: ignore[operator]
    with translation.override("en"):
        assert call() == english  # type: ignore[operator]


def _when(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), timezone.get_default_timezone())


def _pdf_text(raw: bytes) -> str:
    return "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(raw))


def _docx_text(raw: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return archive.read("word/document.xml").decode()


def test_data_that_start_mid_period_get_no_comparison(world: World, client: Client) -> None:
    """A kommun that began reporting in December last year: its lägesbild for last year has
    3 incidents in the comparison period's place and 40 in the year. Not "1 233 % fler
    (signifikant)", but "Jämförelse … saknas", in the PDF and in the Word file alike."""
    seed_categories(world.a)
    year = timezone.localdate().year - 1
    for k in range(3):
        report(world, world.bob, world.a_org, occurred_at=_when(date(year - 1, 12, 10 + k)))
    for k in range(40):
        report(
            world,
            world.bob,
            world.a_org,
            occurred_at=_when(date(year, 1, 5) + timedelta(days=8 * k)),
        )
    content = build(world.a, date(year, 1, 1), date(year, 12, 31))
    assert content["previous_period"] == [f"{year - 1}-01-01", f"{year - 1}-12-31"]
    assert content["comparison"]["reason"] == "incomplete"
    assert content["change_percent"] is None and content["change_p"] is None
    created = services.create_report(
        world.access(world.dave), title="Lägesbild", first=date(year, 1, 1), last=date(year, 12, 31)
    )
    assert not created.findings.filter(kind="trend").exists()
    client.force_login(world.dave)
    base = f"/k/{world.a.slug}/lagesbild/{created.pk}/document"
    for text in (
        _pdf_text(client.get(f"{base}.pdf").content),
        _docx_text(client.get(f"{base}.docx").content),
    ):
        assert "Jämförelse med perioden före saknas" in text
        assert f"uppgifterna i Samtrygg börjar 10 december {year - 1}" in text
        assert "fler händelser än perioden före" not in text and "perioden före, +" not in text
        assert f"Jämförelseperiod: {year - 1}." in text


def test_more_organisations_reporting_is_not_a_rise(world: World) -> None:
    """Two organisations reported last year, one the year before (with as many incidents each):
    twice as many incidents, yet no change is claimed; the rate per organisation is given."""
    seed_categories(world.a)
    year = timezone.localdate().year - 1
    for k in range(20):
        day = date(year - 1, 1, 3) + timedelta(days=17 * k)
        report(world, world.bob, world.a_org, occurred_at=_when(day))
        report(world, world.bob, world.a_org, occurred_at=_when(day + timedelta(days=365)))
        report(world, world.carol, world.a_other_org, occurred_at=_when(day + timedelta(days=366)))
    content = build(world.a, date(year, 1, 1), date(year, 12, 31))
    assert content["comparison"]["reason"] == "coverage"
    assert content["comparison"]["organisations"] == (2, 1)
    from samtrygg.documents.situation_report import generated_findings, summary_sentence

    sentence = summary_sentence(content)
    assert "Ingen förändring anges: 2 organisationer" in sentence
    assert "Per rapporterande organisation: 20,0 mot 20,0." in sentence
    assert not [kind for kind, _text in generated_findings(content) if kind == "trend"]


def test_a_comparable_change_is_written_the_swedish_way(world: World) -> None:
    seed_categories(world.a)
    year = timezone.localdate().year - 1
    for k in range(10):
        report(
            world,
            world.bob,
            world.a_org,
            occurred_at=_when(date(year - 1, 1, 3) + timedelta(days=30 * k)),
        )
    for k in range(30):
        report(
            world,
            world.bob,
            world.a_org,
            occurred_at=_when(date(year, 1, 10) + timedelta(days=11 * k)),
        )
    content = build(world.a, date(year, 1, 1), date(year, 12, 31))
    assert content["comparison"]["comparable"]
    from samtrygg.documents.situation_report import generated_findings, summary_sentence

    # 30 against 10: +200 %. The exact Poisson test of 30 against 10 is the binomial test of 30
    # of 40 at one half: scipy.stats.binomtest(30, 40, 0.5).pvalue = 0.00222 -> "p = 0,002"
    # (the years differ by a day; the product treats them as equal exposure).
    assert summary_sentence(content) == (
        "Under perioden rapporterades 30 händelser (10 perioden före, +200\u00a0%)."
    )
    trend = [text for kind, text in generated_findings(content) if kind == "trend"]
    assert trend == [
        "Det var 200\u00a0% fler händelser än perioden före, en skillnad som knappast beror på "
        "slumpen (p = 0,002, exakt Poissontest). Underlag: 30 mot 10 händelser, perioden mot "
        "perioden före."
    ]


def _demo_figures(name: str) -> dict[str, list[str]]:
    """The demo's Brå or SCB file read by hand (not by the product's parser): row label → cells."""
    from pathlib import Path

    import samtrygg.demo

    path = Path(samtrygg.demo.__file__).parent / "data" / name
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.replace('"', "").replace(",", ";").split(";") for line in lines]
    return {";".join(r[:2]) if not r[1].strip().isdigit() else r[0]: r for r in rows}


def test_the_demo_lagesbild_leads_with_reported_crime(db: None, client: Client) -> None:
    """Part 1 of the demo's lägesbild for last year opens with reported crime per 100 000 for
    Halmstad, Hallands län and riket (the latest year of Brå's figures) and Halmstad ten years
    before, in the PDF and the Word file alike; the rates are computed here from the demo files
    (e.g. 124 / 105 754 × 100 000 = 117 for bostadsinbrott in Halmstad 2024)."""
    from io import StringIO

    from django.core.management import call_command

    from samtrygg.tenancy.models import Municipality, User
    from samtrygg.tenancy.policy import access_for

    call_command("build_demo", incidents=300, stdout=StringIO())
    halmstad = Municipality.objects.get(slug="halmstad")
    coordinator = User.objects.get(email="samordnare.halmstad@example.se")
    year = timezone.localdate().year - 1
    report_ = services.create_report(
        access_for(coordinator, halmstad.slug),
        title="Lägesbild",
        first=date(year, 1, 1),
        last=date(year, 12, 31),
    )
    crime = _demo_figures("demo_bra_anmalda_brott.csv")
    people = _demo_figures("demo_scb_folkmangd.csv")
    years = list(range(2015, 2025))
    latest, first = 2024, max(2015, year - 9)

    def rate(region: str, population: str, when: int) -> str:
        count = int(crime[f"{region};Bostadsinbrott"][2 + years.index(when)].replace(" ", ""))
        inhabitants = int(people[population][1 + years.index(when)])
        return str(round(count / inhabitants * 100_000))

    # The SKR group B3 of the demo (demo_skr_kommungrupper.csv): the four kommuner's crimes
    # over their inhabitants together, not the mean of their rates.
    group = ["0780 Växjö", "0880 Kalmar", "1283 Helsingborg", "1380 Halmstad"]
    at = 2 + years.index(latest)
    group_count = sum(int(crime[f"{k};Bostadsinbrott"][at].replace(" ", "")) for k in group)
    group_people = sum(int(people[k][1 + years.index(latest)]) for k in group)
    expected = [
        rate("1380 Halmstad", "1380 Halmstad", latest),
        rate("13 Hallands län", "13 Hallands län", latest),
        rate("00 Riket", "00 Riket", latest),
        str(round(group_count / group_people * 100_000)),
        rate("1380 Halmstad", "1380 Halmstad", first),
    ]
    assert expected[0] == "117"  # by hand: 124 / 105 754 × 100 000
    client.force_login(coordinator)
    base = f"/k/{halmstad.slug}/lagesbild/{report_.pk}/document"
    pdf = _pdf_text(client.get(f"{base}.pdf").content)
    word = re.sub(r"<[^>]+>", " ", _docx_text(client.get(f"{base}.docx").content))
    for text in (pdf, word):
        part1 = text.split("1. Kartläggning av brottsligheten")[-1]
        assert part1.index("Anmälda brott per 100") < part1.index("Händelser per kategori")
        assert re.search(r"Bostadsinbrott\s+" + r"\s+".join(expected), text), expected
        assert re.search(r"påhittade\s+siffror", text)  # the made-up demo figures say so
        # Surveys with their uncertainty: 28,7 % of 979 in 2024, the 95 % Wilson interval by
        # hand: centre (0,287 + 1,96²/1 958) / (1 + 1,96²/979) = 0,2878, half-width
        # 1,96·√(0,287·0,713/979 + 1,96²/(4·979²)) / 1,003924 = 0,0283 → 26,0–31,6 %.
        found = re.search(r"2024\s+28,7\W+26,0–\s*31,6\W+979", text)
        assert found, re.findall(r".{0,80}28,7.{0,80}", text, flags=re.S)
        # The räddningstjänst's fires: 35 in buildings in Halmstad 2024, 35 / 105 754 × 100 000
        # = 33 per 100 000 (by hand from the demo files), 30 five years before (2019).
        assert re.search(r"Anlagd\s+brand\s+i\s+byggnad\s+35\s+33\s+30", text), "fires"
        # Over the years too: a chart of the kommun, the county and the country per year.
        assert re.search(r"per\s+år:\s+kommunen,\s+länet,\s+riket\s+och", text)
        assert re.search(r"SKR:s\s+grupp\s+B3\s+Större\s+stad\s+\(4\s+kommuner", text)
        # The sources name the coverage of the EST reports and the reference statistics.
        assert re.search(r"Veckorapporter\s+\(EST\):\s+[\d\u00a0 ]+\s+rapporter", text)
        assert re.search(r"Brås\s+statistik\s+över\s+anmälda\s+brott\s+och", text)
        # Rates per 1 000 inhabitants per area: count / population × 1 000, by hand here from
        # the table's own count and the area's population in the database.
        assert "Per 1 000 invånare" in text
        flat = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
        checked = 0
        for area in Area.objects.filter(municipality=halmstad, population__isnull=False):
            people = f"{area.population:,}".replace(",", " ")
            count = r"(\d{1,3}(?: \d{3})*|dolt)"
            row = re.search(rf"{re.escape(area.name)} {count} \S+ {people} (\S+)", flat)
            assert row, (area.name, people)
            if row.group(1) == "dolt" or row.group(1) == "0":
                assert row.group(2) == "–", row.group(0)  # no rate over a hidden count or none
                continue
            rate = int(row.group(1).replace(" ", "")) / area.population * 1000
            written = f"{rate:.1f}".replace(".", ",")
            assert row.group(2) in (written, written.removesuffix(",0")), row.group(0)
            checked += 1
        assert checked >= 2


def test_the_summary_holds_five_key_messages_and_nothing_is_printed_twice(
    world: World, client: Client
) -> None:
    """Seven accepted findings: the first five (in rank order) are the summary's key messages,
    the other two stand under the analysis, and each is printed once, in the PDF and in Word."""
    from samtrygg.situation.models import ReportFinding

    seed_categories(world.a)
    year = timezone.localdate().year - 1
    created = services.create_report(
        world.access(world.dave), title="Lägesbild", first=date(year, 1, 1), last=date(year, 12, 31)
    )
    created.findings.all().delete()
    texts = [f"Iakttagelse nummer {n} om Centrum." for n in range(1, 8)]
    for order, text in enumerate(texts):
        ReportFinding.objects.create(
            report=created, kind="hotspots", generated_text=text, decision="accepted", order=order
        )
    client.force_login(world.dave)
    base = f"/k/{world.a.slug}/lagesbild/{created.pk}/document"
    pdf = _pdf_text(client.get(f"{base}.pdf").content)
    word = re.sub(r"<[^>]+>", " ", _docx_text(client.get(f"{base}.docx").content))
    for text in (pdf, word):
        flat = re.sub(r"\s+", " ", text)
        summary, rest = flat.split("1. Kartläggning av brottsligheten")[-2:]
        analysis = rest.split("3. Analys")[-1]
        for index, finding in enumerate(texts):
            assert flat.count(finding) == 1, finding
            assert finding in (summary if index < 5 else analysis), finding


def test_the_coordinator_chooses_the_key_messages(world: World, client: Client) -> None:
    """Five accepted findings; the coordinator marks the fourth and fifth (one of them edited)
    as key messages on the report's page: those two alone open the summary, the other three
    stand under the analysis; a sixth mark is refused while five are marked."""
    from samtrygg.situation.models import ReportFinding

    seed_categories(world.a)
    year = timezone.localdate().year - 1
    created = services.create_report(
        world.access(world.dave), title="Lägesbild", first=date(year, 1, 1), last=date(year, 12, 31)
    )
    created.findings.all().delete()
    texts = [f"Iakttagelse nummer {n} om Centrum." for n in range(1, 6)]
    findings = [
        ReportFinding.objects.create(
            report=created, kind="trend", generated_text=text, decision="accepted", order=order
        )
        for order, text in enumerate(texts)
    ]
    client.force_login(world.dave)
    page = f"/k/{world.a.slug}/lagesbild/{created.pk}/"
    posts = [
        {"finding": findings[3].pk, "decision": "accepted", "key_message": "on"},
        {
            "finding": findings[4].pk,
            "decision": "edited",
            "text": "Centrum: färre.",
            "key_message": "on",
        },
        {"finding": findings[0].pk, "decision": "accepted"},  # no mark: not a key message
    ]
    for post in posts:
        assert client.post(page, {"action": "finding", **post}).status_code == 302
    base = f"/k/{world.a.slug}/lagesbild/{created.pk}/document"
    pdf = _pdf_text(client.get(f"{base}.pdf").content)
    word = re.sub(r"<[^>]+>", " ", _docx_text(client.get(f"{base}.docx").content))
    for text in (pdf, word):
        flat = re.sub(r"\s+", " ", text)
        summary, rest = flat.split("1. Kartläggning av brottsligheten")[-2:]
        analysis = rest.split("3. Analys")[-1]
        assert texts[3] in summary and "Centrum: färre." in summary
        for finding in texts[:3]:
            assert finding in analysis and finding not in summary, finding
    # At most five marks.
    for finding in findings[:3]:
        services.decide_finding(world.access(world.dave), finding, "accepted", key_message=True)
    sixth = ReportFinding.objects.create(
        report=created, kind="trend", generated_text="Sjätte.", decision="accepted", order=9
    )
    with pytest.raises(ValidationError, match="Högst 5 nyckelbudskap"):
        services.decide_finding(world.access(world.dave), sixth, "accepted", key_message=True)
    assert ReportFinding.objects.filter(report=created, key_message=True).count() == 5
