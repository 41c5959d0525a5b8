"""The tertial analysis for the strategic group (issue 12, item 8b): made for a finished tertial
only, compared with the same tertial a year earlier (honestly), the EST meetings, decisions,
tasks and measures counted, edited and finalised (frozen), as PDF and Word alike; drafts hidden
from viewers, every other municipality's analysis a 404.

The fixture is tertial 2 of 2025 (1 maj–31 augusti), over whatever the pinned clock says: it
has ended at every date the suite runs at. Expected values are counted by hand below."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from docx import Document

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import WeeklyReport
from samtrygg.plans.models import ActionPlan, FollowUp, Measure, Meeting, MeetingTask
from samtrygg.situation import period_analysis, services
from samtrygg.situation.models import PeriodAnalysis
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")
YEAR = 2025
HEADINGS = (
    "Det viktigaste",
    "Sammanfattning",
    "Vad hände: händelser per kategori",
    "Var: händelser per område",
    "Trend: händelser per månad",
    "Rapportering vecka för vecka",
    "Vad gjordes: EST-möten, beslut och uppgifter",
    "Åtgärdsplanens åtgärder",
    "Bedömning",
    "Förslag till beslut",
)


def _when(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), timezone.get_default_timezone())


def _flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text_and_images(raw: bytes) -> tuple[str, int]:
    pdf = pdfium.PdfDocument(raw)
    text, images = "", 0
    for page in pdf:
        text += page.get_textpage().get_text_range() + "\n"
        images += len(list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])))
    return _flat(text), images


def docx_text(raw: bytes) -> str:
    """Every paragraph and table cell, read from the Word file's XML."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))  # noqa: S314
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return _flat(
        "\n".join("".join(t.text or "" for t in p.iter(f"{w}t")) for p in root.iter(f"{w}p"))
    )


@pytest.fixture
def tertial(world: World) -> World:
    """Tertial 2 2025 and the same tertial of 2024, by hand:
    - incidents (Alfa kommun, in Centrum): 2025: 12 klotter + 4 brand = 16; 2024: 8 + 4 = 12;
      one incident in September 2025, outside the tertial;
    - meetings in the tertial: EST meetings 5 May, 2 June, 25 August (3) and one quarterly
      analysis meeting 16 June (1); outside: 28 April and 8 September;
    - tasks of those meetings: done 2, overdue 1 (due 19 May 2025), open 1 (due 2035);
      the 8 September meeting's task is not counted;
    - weekly reports: weeks 18–35 are the tertial's (1 May 2025 is a Thursday, 28 August the
      last Thursday), 18 weeks; reports in weeks 18, 19 (two organisations) and 20 = 4 reports
      from 2 organisations, 15 weeks without; week 36 is outside;
    - the decided plan's two measures: one yellow then red (latest red), one not followed up."""
    w = world
    seed_categories(w.a)
    for year, klotter in ((YEAR, 12), (YEAR - 1, 8)):
        for k in range(klotter):
            report(w, w.bob, w.a_org, occurred_at=_when(date(year, 5, 3) + timedelta(days=9 * k)))
        for k in range(4):
            report(
                w,
                w.bob,
                w.a_org,
                code="brand",
                occurred_at=_when(date(year, 5, 10) + timedelta(days=25 * k)),
            )
    report(w, w.bob, w.a_org, occurred_at=_when(date(YEAR, 9, 2)))

    def meeting(day: date, kind: str = "weekly", decisions: str = "") -> Meeting:
        return Meeting.objects.create(municipality=w.a, kind=kind, date=day, decisions=decisions)

    may = meeting(date(YEAR, 5, 5), decisions="Extra väktarrundor vid torget.")
    june = meeting(date(YEAR, 6, 2))
    meeting(date(YEAR, 8, 25), decisions="Belysningen i parken lagas.")
    meeting(date(YEAR, 6, 16), kind="quarterly")
    meeting(date(YEAR, 4, 28))
    september = meeting(date(YEAR, 9, 8))
    for parent, text, due, done in (
        (may, "Röj buskar", date(YEAR, 5, 12), True),
        (may, "Byt lampor vid skolan", date(YEAR, 5, 19), False),
        (june, "Ta fram rondschema", date(2035, 1, 1), False),
        (june, "Sanera klotter", date(YEAR, 6, 9), True),
        (september, "Inte räknad", date(YEAR, 9, 15), False),
    ):
        MeetingTask.objects.create(
            meeting=parent, text=text, organisation=w.a_org, due=due, done=done
        )
    for organisation, reporter, week in (
        (w.a_org, w.bob, 18),
        (w.a_org, w.bob, 19),
        (w.a_other_org, w.carol, 19),
        (w.a_org, w.bob, 20),
        (w.a_org, w.bob, 36),
    ):
        WeeklyReport.objects.create(
            municipality=w.a, organisation=organisation, reporter=reporter, iso_year=YEAR,
            iso_week=week,
        )  # fmt: skip
    plan = ActionPlan.objects.create(
        municipality=w.a,
        title="Åtgärdsplan 2025–2026",
        period_start=date(YEAR, 1, 1),
        period_end=date(YEAR + 1, 12, 31),
        status="decided",
    )
    lights = Measure.objects.create(
        plan=plan,
        title="Bättre belysning i parken",
        goal="Alla lampor tända",
        deadline=date(YEAR, 10, 1),
        responsible=w.a_org,
        unlinked_reason="Ordinarie arbete",
    )
    Measure.objects.create(
        plan=plan,
        title="Trygghetsvandring",
        goal="En vandring",
        deadline=date(YEAR, 9, 1),
        responsible=w.a_other_org,
        unlinked_reason="Ordinarie arbete",
    )
    FollowUp.objects.create(measure=lights, date=date(YEAR, 6, 1), colour="yellow")
    FollowUp.objects.create(measure=lights, date=date(YEAR, 8, 15), colour="red")
    # Brå's reported vandalism and SCB's population: the kommun, its county ("90…") and the
    # country. Per 100 000 by hand: 2024 kommun 1 190 / 100 000, county 5 000 / 500 000 and
    # country 100 000 / 10 000 000 = 1 000; 2023 kommun 1 000 / 100 000 = 1 000.
    from samtrygg.exchange.models import Population, ReportedCrime

    now = timezone.now()
    for code, year, count, people in (
        (w.a.scb_code, 2024, 1190, 100_000),
        (w.a.scb_code, 2023, 1000, 100_000),
        (w.a.scb_code[:2], 2024, 5000, 500_000),
        ("00", 2024, 100_000, 10_000_000),
    ):
        ReportedCrime.objects.create(
            region_code=code, region_name=code, crime_group="skadegorelse",
            crime_group_label="Skadegörelse", year=year, count=count, imported_at=now,
        )  # fmt: skip
        Population.objects.get_or_create(
            region_code=code, year=year,
            defaults={"region_name": code, "population": people, "imported_at": now},
        )  # fmt: skip
    return w


def test_periods_are_the_calendar_tertials_and_quarters() -> None:
    today = date(2026, 11, 25)
    for kind, number, first, last in (
        ("tertial", 1, date(2025, 1, 1), date(2025, 4, 30)),
        ("tertial", 2, date(2025, 5, 1), date(2025, 8, 31)),
        ("tertial", 3, date(2025, 9, 1), date(2025, 12, 31)),
        ("quarter", 1, date(2025, 1, 1), date(2025, 3, 31)),
        ("quarter", 4, date(2025, 10, 1), date(2025, 12, 31)),
    ):
        period = period_analysis.period_of(kind, 2025, number, today)
        assert (period.first, period.last) == (first, last)
        previous = period.previous()  # the same period a year earlier, not the one before
        assert (previous.first, previous.last) == (
            first.replace(year=2024),
            last.replace(year=2024),
        )
    with pytest.raises(ValidationError) as error:
        period_analysis.period_of("tertial", 2025, 4, today)
    assert "från 1 till 3" in str(error.value)
    # The last day of the period is not yet the end of it.
    with pytest.raises(ValidationError):
        period_analysis.period_of("tertial", 2026, 2, date(2026, 8, 31))
    assert period_analysis.period_of("tertial", 2026, 2, date(2026, 9, 1)).last == date(2026, 8, 31)


def test_an_unfinished_tertial_is_refused_in_swedish(world: World, client: Client) -> None:
    today = timezone.localdate()
    number = (today.month - 1) // 4 + 1  # the tertial today falls in
    client.force_login(world.dave)
    page = client.post(
        f"/k/{world.a.slug}/lagesbild/analyses/",
        {"kind": "tertial", "year": today.year, "number": number},
    )
    assert page.status_code == 200
    last = {1: "30 april", 2: "31 augusti", 3: "31 december"}[number]
    assert (
        f"Tertial {number} {today.year} slutar {last} {today.year}: en analys kan göras först "
        "när perioden är slut."
    ) in page.content.decode()
    assert not PeriodAnalysis.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PERIOD_ANALYSIS_CREATED).exists()


def test_tertial_analysis_counts_edit_finalise_and_documents(
    tertial: World, client: Client
) -> None:
    w = tertial
    client.force_login(w.dave)
    response = client.post(
        f"/k/{w.a.slug}/lagesbild/analyses/", {"kind": "tertial", "year": YEAR, "number": 2}
    )
    assert response.status_code == 302
    analysis = PeriodAnalysis.objects.get()
    assert (analysis.period_start, analysis.period_end) == (date(YEAR, 5, 1), date(YEAR, 8, 31))
    figures = analysis.content["figures"]
    assert (figures["total"], figures["previous_total"]) == (16, 12)
    assert figures["previous_period"] == ["2024-05-01", "2024-08-31"]
    assert figures["comparison"]["comparable"]
    assert figures["change_percent"] == 33  # 16 against 12: +33 %
    assert figures["meetings"] == {"weekly": 3, "other": 1}
    assert figures["tasks"] == {"total": 4, "done": 2, "open": 1, "overdue": 1}
    assert figures["coverage"]["reports"] == 4 and figures["coverage"]["organisations"] == 2
    assert len(figures["coverage"]["weeks"]) == 18 and figures["coverage"]["weeks_without"] == 15
    assert [row[3] for row in figures["measures"]["rows"]] == ["", "red"]  # by deadline
    kinds = [kind for kind, _text in figures["suggestions"]]
    assert "tasks" in kinds and "measures" in kinds and "coverage" in kinds
    # The five first suggestions are the draft's key messages.
    assert analysis.messages() == [t for _k, t in figures["suggestions"][:5]]
    # A second analysis of the same tertial is refused.
    again = client.post(
        f"/k/{w.a.slug}/lagesbild/analyses/", {"kind": "tertial", "year": YEAR, "number": 2}
    )
    assert "Det finns redan en analys av Tertial 2 2025." in again.content.decode()

    url = f"/k/{w.a.slug}/lagesbild/analyses/{analysis.pk}/"
    too_many = "\n".join(f"Budskap {k}" for k in range(6))
    page = client.post(
        url, {"action": "texts", "key_messages": too_many, "assessment": "", "proposals": ""}
    )
    assert "Högst 5 budskap, ett per rad." in page.content.decode()
    pnr = client.post(
        url,
        {
            "action": "texts",
            "key_messages": "Ett\nTvå\nTre",
            "assessment": "Ring 811218-9876",
            "proposals": "",
        },
    )
    assert "personnummer" in pnr.content.decode()
    analysis.refresh_from_db()
    assert analysis.assessment == ""
    messages = [
        "Klottret ökade i Centrum under sommaren.",
        "Bränderna var lika många som året före.",
        "En uppgift om belysning är försenad.",
    ]
    client.post(
        url,
        {
            "action": "texts",
            "key_messages": "\n".join(messages),
            "assessment": "Läget är oroande i centrum.",
            "proposals": "Styrgruppen beslutar om kameror vid torget.",
        },
    )
    analysis.refresh_from_db()
    assert analysis.messages() == messages
    client.post(url, {"action": "finalise"})
    analysis.refresh_from_db()
    assert analysis.status == "final" and analysis.finalised_by == w.dave

    pdf = client.get(f"{url}document.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text, images = pdf_text_and_images(pdf.content)
    word_raw = client.get(f"{url}document.docx").content
    word = docx_text(word_raw)
    for document in (text, word):
        for heading in HEADINGS:
            assert heading in document, heading
        assert "Tertial 2 2025: 1 maj–31 augusti 2025" in document
        assert "Jämförelseperiod: 1 maj–31 augusti 2024, samma period året före." in document
        assert "16 händelser (12 samma period året före, +33 %)" in document
        assert "3 EST-möten hölls och 1 annat möte." in document
        assert "4 i alla; gjorda 2, pågående 1, försenade 1." in document
        assert "4 veckorapporter kom in från 2 organisationer under 18 veckor." in document
        assert "Bättre belysning i parken Alfa kommun 1 oktober 2025 röd (15 augusti 2025)" in (
            document
        )
        assert "Beslut 5 maj 2025: Extra väktarrundor vid torget." in document
        assert "Sammanhang: anmälda brott per 100 000 invånare" in document
        assert "Skadegörelse 1 190 1 000 1 000 1 000" in document
        for message in messages:
            assert message in document
        assert "Styrgruppen beslutar om kameror vid torget." in document
        assert not re.search(r"\d\.\d", document), re.findall(r".{20}\d\.\d.{20}", document)
    assert images >= 4  # two maps (areas, hot spots) and two charts
    assert len(Document(io.BytesIO(word_raw)).inline_shapes) >= 4
    # One document (documents/model.py), two renderings: the same words in the same order, the
    # kommun's name first, a tagged PDF/UA-1, the kommun as the author.
    from samtrygg.documents import period_analysis as analysis_document

    from ..documents import text as document_text

    document = analysis_document.document(analysis_document.data_for_analysis(analysis))
    document_text.assert_same_words(pdf.content, word_raw, document)
    assert document_text.pdf_ua_failures(pdf.content) == []
    lines = document_text.word_lines(word_raw)
    assert lines[:3] == [
        w.a.name,
        f"Tertialanalys {w.a.name}",
        "Tertial 2 2025: 1 maj–31 augusti 2025",
    ]
    for metadata in (
        document_text.word_metadata(word_raw),
        document_text.pdf_metadata(pdf.content),
    ):
        assert metadata["author"] == w.a.name and metadata["subject"] == "Tertialanalys"
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(analysis.pk))
    assert sorted(e.changes["format"][1] for e in exports) == ["docx", "pdf"]
    for action in (
        AuditAction.PERIOD_ANALYSIS_CREATED,
        AuditAction.PERIOD_ANALYSIS_CHANGED,
        AuditAction.PERIOD_ANALYSIS_FINALISED,
    ):
        assert AuditEvent.objects.filter(action=action, actor=w.dave).exists(), action

    # Frozen: new incidents in the tertial change neither the content nor the document.
    for k in range(5):
        report(w, w.bob, w.a_org, occurred_at=_when(date(YEAR, 7, 1) + timedelta(days=k)))
    analysis.refresh_from_db()
    assert analysis.content["figures"]["total"] == 16
    again_text, _images = pdf_text_and_images(client.get(f"{url}document.pdf").content)
    assert "16 händelser (12 samma period året före" in again_text
    assert period_analysis.build(w.a, period_analysis.period_of("tertial", YEAR, 2))["total"] == 21
    # A final analysis cannot be changed.
    with pytest.raises(ValidationError):
        services.update_analysis(
            w.access(w.dave), analysis, key_messages="Ny", assessment="", proposals=""
        )


def test_finalising_needs_three_key_messages(tertial: World) -> None:
    access = tertial.access(tertial.dave)
    analysis = services.create_analysis(access, kind="tertial", year=YEAR, number=2)
    services.update_analysis(access, analysis, key_messages="Ett\nTvå", assessment="", proposals="")
    with pytest.raises(ValidationError) as error:
        services.finalise_analysis(access, analysis)
    assert "Välj 3 till 5 budskap" in str(error.value)
    analysis.refresh_from_db()
    assert analysis.status == "draft"
    # An analyst may edit but not finalise (the approve permission, as the lägesbild).
    analyst = factories.member(tertial.a_org, Role.ANALYST, "analytiker@example.se")
    services.update_analysis(
        tertial.access(analyst), analysis, key_messages="Ett\nTvå\nTre", assessment="", proposals=""
    )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.finalise_analysis(tertial.access(analyst), analysis)


def test_data_that_start_mid_tertial_get_no_change_claimed(world: World, client: Client) -> None:
    """Reporting began on 16 June 2025: 30 incidents in the tertial, none a year before. Not
    "+… %", but the comparison is said to be missing, in the PDF and the Word file alike."""
    seed_categories(world.a)
    for k in range(30):
        report(
            world,
            world.bob,
            world.a_org,
            occurred_at=_when(date(YEAR, 6, 16) + timedelta(days=2 * k)),
        )
    analysis = services.create_analysis(
        world.access(world.dave), kind="tertial", year=YEAR, number=2
    )
    figures = analysis.content["figures"]
    assert figures["comparison"]["reason"] == "incomplete"
    assert figures["change_percent"] is None and figures["change_p"] is None
    assert "trend" not in [kind for kind, _text in figures["suggestions"]]
    client.force_login(world.dave)
    base = f"/k/{world.a.slug}/lagesbild/analyses/{analysis.pk}/document"
    for text in (
        pdf_text_and_images(client.get(f"{base}.pdf").content)[0],
        docx_text(client.get(f"{base}.docx").content),
    ):
        assert "Jämförelse med samma period året före saknas" in text
        assert "uppgifterna i Samtrygg börjar 16 juni 2025" in text
        assert "samma period året före, +" not in text and "%)" not in text
        assert "händelser än samma period året före" not in text


def test_who_may_read_it(tertial: World, client: Client) -> None:
    """Drafts for those who write lägesbilder, final ones for every member; another
    municipality's analysis is a 404, asked through either municipality's URL."""
    w = tertial
    access = w.access(w.dave)
    draft = services.create_analysis(access, kind="tertial", year=YEAR, number=2)
    viewer = factories.member(w.a_org, Role.VIEWER, "politiker@example.se")
    base = f"/k/{w.a.slug}/lagesbild/analyses/{draft.pk}/"
    for user, expected in ((viewer, 404), (w.bob, 404), (w.dave, 200), (w.charlie, 404)):
        client.force_login(user)
        assert client.get(base).status_code == expected, user
        assert client.get(f"{base}document.pdf").status_code == expected, user
    client.force_login(w.charlie)
    assert client.get(f"/k/{w.b.slug}/lagesbild/analyses/{draft.pk}/").status_code == 404
    assert client.post(f"/k/{w.b.slug}/lagesbild/analyses/{draft.pk}/").status_code == 404
    services.update_analysis(
        access, draft, key_messages="Ett\nTvå\nTre", assessment="", proposals=""
    )
    services.finalise_analysis(access, draft)
    client.force_login(viewer)
    assert client.get(base).status_code == 200
    listing = client.get(f"/k/{w.a.slug}/lagesbild/analyses/").content.decode()
    assert "Tertial 2 2025" in listing and "Skapa utkastet" not in listing
    # A viewer cannot create one.
    assert (
        client.post(
            f"/k/{w.a.slug}/lagesbild/analyses/", {"kind": "tertial", "year": YEAR, "number": 1}
        ).status_code
        == 403
    )
    client.force_login(w.charlie)
    assert client.get(base).status_code == 404
    assert (
        client.get(f"/k/{w.b.slug}/lagesbild/analyses/{draft.pk}/document.docx").status_code == 404
    )
    # The lägesbild's list page links to the analyses.
    client.force_login(w.dave)
    assert (
        f"/k/{w.a.slug}/lagesbild/analyses/"
        in client.get(f"/k/{w.a.slug}/lagesbild/").content.decode()
    )


def test_command_line(tertial: World, tmp_path: Path) -> None:
    from io import StringIO

    target = tmp_path / "t.docx"
    call_command(
        "report",
        "tertial",
        municipality=tertial.a.slug,
        year=YEAR,
        number=2,
        format="docx",
        output=target,
        stdout=StringIO(),
    )
    assert "Tertial 2 2025: 1 maj–31 augusti 2025" in docx_text(target.read_bytes())
    from django.core.management.base import CommandError

    today = timezone.localdate()
    with pytest.raises(CommandError, match="när perioden är slut"):
        call_command(
            "report",
            "quarter",
            municipality=tertial.a.slug,
            year=today.year,
            number=(today.month - 1) // 3 + 1,
            output=target,
            stdout=StringIO(),
        )


def test_a_week_belongs_to_the_period_its_thursday_falls_in(world: World) -> None:
    """Tertial 2 2026: 1 May is a Friday (week 18's Thursday is 30 April: not in it) and
    31 August a Monday (week 36's Thursday is 3 September: not in it): weeks 19–35, 17 weeks."""
    WeeklyReport.objects.create(
        municipality=world.a, organisation=world.a_org, reporter=world.bob, iso_year=2026,
        iso_week=18,
    )  # fmt: skip
    WeeklyReport.objects.create(
        municipality=world.a, organisation=world.a_org, reporter=world.bob, iso_year=2026,
        iso_week=19,
    )  # fmt: skip
    found = period_analysis.coverage(
        world.a, period_analysis.YearEarlier(date(2026, 5, 1), date(2026, 8, 31))
    )
    assert [row[0] for row in found["weeks"]] == list(range(19, 36))
    assert (found["reports"], found["organisations"], found["weeks_without"]) == (1, 1, 16)
