"""The statutory lägesbild on the one document model (issue 13, item 2): built once as a
documents.model.Document and rendered to PDF and Word, the two say the same words in the same
order; the PDF passes an independent PDF/UA-1 validator; both carry the kommun as author and
the document's title; the Word file holds what it used to lack (the monthly table, the costliest
categories, the share judged severe)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from samtrygg.documents import render, situation_report
from samtrygg.documents.situation_report import DocumentData
from samtrygg.situation import services
from samtrygg.situation.models import SituationReport
from samtrygg.tenancy.models import Municipality, User
from samtrygg.tenancy.policy import access_for

from ..documents.text import (
    assert_same_words,
    pdf_lines,
    pdf_metadata,
    pdf_ua_failures,
    word_lines,
    word_metadata,
    words,
)

pytestmark = pytest.mark.usefixtures("swedish")

PARTY = {
    "organisation": "Polisen i Halmstad",
    "title": "Polisens lokala lägesbild 2025",
    "source": "Källa: Polisen i Halmstad, Polisens lokala lägesbild 2025",
    "period": "2025",
    "submitted": "2026-01-10",
    "key_messages": ["Bostadsinbrotten minskade."],
    "sections": [{"heading": "Bränder", "text": "Containerbränder i Andersberg.\n\nFler i maj."}],
    "figures": [
        {
            "label": "Anmälda bostadsinbrott",
            "value": "1\u00a0234",
            "unit": "antal",
            "comparison": "1\u00a0400",
            "comparison_label": "2024",
        }
    ],
}


@pytest.fixture
def demo_report(db: None) -> SituationReport:
    """The demo's lägesbild of last year (reported crime, surveys, fires, maps and charts)."""
    call_command("build_demo", incidents=300, stdout=StringIO())
    coordinator = User.objects.get(email="samordnare.halmstad@example.se")
    year = timezone.localdate().year - 1
    return services.create_report(
        access_for(coordinator, "halmstad"),
        title=f"Lägesbild Halmstad {year}",
        first=date(year, 1, 1),
        last=date(year, 12, 31),
    )


def _full(report: SituationReport) -> DocumentData:
    """Every part filled in: the parties' lägesbilder, texts, sources left out, an approval."""
    data = situation_report.data_for_report(report)
    data.contributions = [PARTY]
    data.analysis_text = "Skadegörelsen koncentreras till centrum.\n\nKvällar är värst."
    data.other_information = "Skolans trygghetsenkät."
    data.sources_left_out = ["Räddningstjänstens statistik: inte levererad"]
    data.status = "approved"
    data.approval = {
        "body": "Kommunstyrelsen",
        "date": date(2026, 1, 15),
        "diarienummer": "KS 2026/123",
        "by": "Sara Samordnare",
        "next_update_due": date(2028, 1, 15),
    }
    return data


def test_pdf_and_word_say_the_same_and_word_lacks_nothing(demo_report: SituationReport) -> None:
    data = _full(demo_report)
    document = situation_report.document(data)
    pdf, docx = render.pdf(document), render.docx(document)
    assert_same_words(pdf, docx, document)
    assert pdf_ua_failures(pdf) == []

    lines = word_lines(docx)
    text = " ".join(lines)
    assert lines[:2] == ["Halmstad", data.title]  # the kommun's name heads the first page
    # The three parts of 4 §, the sources, the decision and the appendix, in their order.
    headings = [
        "Sammanfattning",
        "1. Kartläggning av brottsligheten, dess omfattning och konsekvenser",
        "Anmälda brott",
        "Trygghet och utsatthet enligt enkäter",
        "Bränder (räddningstjänsten)",
        "Händelser per kategori",
        "Var: områden och kartor",
        "När: trender och tidsmönster",
        "Konsekvenser",
        "Polisens händelser",
        "2. Annan relevant information",
        "Andra aktörers lägesbilder",
        "Övrigt",
        "3. Analys",
        "Källor som använts och som lämnats utanför",
        "Beslut",
        "Bilaga: metod",
    ]
    at = 0
    for heading in headings:  # each after the one before (a category may be called "Övrigt")
        at = lines.index(heading, at + 1)
    # The parts the Word file used to lack: the monthly table, the costliest categories, the
    # share judged severe.
    c = data.content
    when = lines[lines.index("När: trender och tidsmönster") : lines.index("Konsekvenser")]
    assert when[1:3] == ["Månad", "Händelser"]
    for row in c["monthly"]:
        assert row["month"] in when
    costliest = c["consequences"]["costliest"]
    assert costliest, "the demo has damage with a cost"
    consequences = lines[lines.index("Konsekvenser") : lines.index("Polisens händelser")]
    assert "Kategorier med störst skadekostnad" in consequences
    assert consequences.index(costliest[0]["category"]) > consequences.index("Kostnad")
    assert "Andel bedömda som allvarliga (nivå 3):" in text
    # Maps and charts with their captions, which are their alt text in both.
    for caption in ("Figur 1. Händelser per kategori", "Figur 5. Händelser per månad."):
        assert caption in text
    # The parties, the analysis in two paragraphs, the sources, the decision, the appendix.
    assert "Polisen i Halmstad: Polisens lokala lägesbild 2025" in lines
    assert "Bostadsinbrotten minskade." in lines and "1 234" in lines
    assert "Kvällar är värst." in lines
    assert "Räddningstjänstens statistik: inte levererad" in lines
    assert "Polisen i Halmstad, Polisens lokala lägesbild 2025 (2025)" in lines
    assert (
        "Lägesbilden godkändes av Kommunstyrelsen den 15 januari 2026 (dnr KS 2026/123). "
        "Godkännandet registrerades av Sara Samordnare. Enligt 6 § ska lägesbilden uppdateras "
        "minst vart annat år: senast 15 januari 2028."
    ) in lines
    assert lines[-2:] == [
        "Koncentration",
        "Andelen av periodens händelser som inträffade i de 10 % av platserna (rutor om 250 m "
        "med minst en händelse) som hade flest händelser.",
    ]
    assert words(pdf_lines(pdf))[:3] == ["Halmstad", *data.title.split()[:2]]


def test_metadata_name_the_kommun_and_the_title(
    demo_report: SituationReport, client: Client
) -> None:
    client.force_login(User.objects.get(email="samordnare.halmstad@example.se"))
    base = f"/k/halmstad/lagesbild/{demo_report.pk}/document"
    pdf, docx = client.get(f"{base}.pdf"), client.get(f"{base}.docx")
    assert pdf.status_code == docx.status_code == 200
    name = Municipality.objects.get(slug="halmstad").name
    in_word, in_pdf = word_metadata(docx.content), pdf_metadata(pdf.content)
    assert in_word["author"] == in_pdf["author"] == name
    assert in_word["title"] == in_pdf["title"] == demo_report.title
    assert in_word["subject"] == in_pdf["subject"] == "Lägesbild"
    assert in_word["language"] == "sv-SE"
    # A draft says so, in both.
    for lines in (word_lines(docx.content), pdf_lines(pdf.content)):
        flat = " ".join(lines)
        assert "Utkast – inte godkänt" in flat
        assert "Utkast. Lägesbilden är inte godkänd." in flat
