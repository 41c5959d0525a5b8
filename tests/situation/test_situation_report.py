"""The statutory lägesbild (4 §) on the demo: drafted with findings, other sources imported,
approved (frozen, next update due in two years), rendered to PDF and Word with maps and charts;
drafts are hidden from viewers."""

from __future__ import annotations

import io
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from docx import Document

from samtrygg.situation.models import ImportedTable, ReportFinding, SituationReport
from samtrygg.tenancy.models import User

pytestmark = pytest.mark.usefixtures("swedish")
PARTS = (
    "1. Kartläggning av brottsligheten, dess omfattning och konsekvenser",
    "2. Annan relevant information",
    "3. Analys",
)


@pytest.fixture
def demo(db: Any) -> None:
    call_command("build_demo", incidents=2000, stdout=StringIO())


def login(client: Client, who: str) -> User:
    user = User.objects.get(email=f"{who}.halmstad@example.se")
    client.force_login(user)
    return user


def pdf_text_and_images(content: bytes) -> tuple[str, int]:
    pdf = pdfium.PdfDocument(content)
    text, images = "", 0
    for index in range(len(pdf)):
        page = pdf[index]
        text += page.get_textpage().get_text_range() + "\n"
        images += len(list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])))
    # and the pages render to images (what a reader sees)
    bitmap = pdf[0].render(scale=0.5).to_pil()
    assert bitmap.size[0] > 100
    return " ".join(text.split()), images  # a long heading wraps over lines


def test_draft_findings_sources_approve_and_documents(demo: None, client: Client) -> None:
    login(client, "analytiker")
    today = timezone.localdate()
    response = client.post(
        "/k/halmstad/lagesbild/",
        {
            "title": "Lägesbild Halmstad 2026",
            "first": today - timedelta(days=365),
            "last": today - timedelta(days=1),
        },
    )
    assert response.status_code == 302
    report = SituationReport.objects.get()
    assert report.findings.count() >= 3
    bra = (
        "år;brottstyp;anmälda;per 100 000 inv.\n"
        "2024;Skadegörelse;1250;1180\n2025;Skadegörelse;1190;1121\n"
    )
    bad = "område;år;andel\nCentrum;2025\n"
    refused = client.post(
        "/k/halmstad/lagesbild/tables/",
        {
            "kind": "survey",
            "title": "Trygghetsmätning",
            "source": "Polisen",
            "file": SimpleUploadedFile("s.csv", bad.encode()),
        },
    )
    assert "Rad 2 har 2 kolumner" in refused.content.decode() and not ImportedTable.objects.exists()
    client.post(
        "/k/halmstad/lagesbild/tables/",
        {
            "kind": "bra",
            "title": "Anmälda brott, Halmstad",
            "source": "Brå, kommunala statistik",
            "file": SimpleUploadedFile("b.csv", bra.encode()),
        },
    )
    url = f"/k/halmstad/lagesbild/{report.pk}/"
    client.post(
        url,
        {
            "action": "texts",
            "analysis_text": "Skadegörelsen koncentreras till centrum.",
            "other_information": "",
            "sources_left_out": "Räddningstjänstens statistik: inte levererad",
        },
    )
    # the coordinator cannot approve while findings are undecided
    login(client, "samordnare")
    page = client.post(
        url,
        {
            "action": "approve",
            "body": "Kommunstyrelsen",
            "on": today.isoformat(),
            "diarienummer": "KS 2026/123",
        },
        follow=True,
    )
    assert "inte godtagna" in page.content.decode()
    findings = list(report.findings.all())
    for finding in findings[:-1]:
        client.post(url, {"action": "finding", "finding": finding.pk, "decision": "accepted"})
    client.post(url, {"action": "finding", "finding": findings[-1].pk, "decision": "dropped"})
    client.post(
        url,
        {
            "action": "approve",
            "body": "Kommunstyrelsen",
            "on": today.isoformat(),
            "diarienummer": "KS 2026/123",
        },
    )
    report.refresh_from_db()
    assert report.status == "approved" and report.next_update_due == today.replace(
        year=today.year + 2
    )
    frozen_total = report.content["figures"]["total"]

    pdf = client.get(f"{url}document.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text, images = pdf_text_and_images(pdf.content)
    for part in PARTS:
        assert part in text, part
    assert "Källor som använts och som lämnats utanför" in text
    assert "Räddningstjänstens statistik" in text and "Anmälda brott, Halmstad" in text
    assert "Godkänd av Kommunstyrelsen" in text or "godkändes av Kommunstyrelsen" in text
    assert "KS 2026/123" in text and "Sida 2 av" in text
    assert images >= 6  # three maps and three charts
    assert findings[-1].generated_text not in text  # the dropped finding

    word = Document(io.BytesIO(client.get(f"{url}document.docx").content))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    for part in PARTS:
        assert part in headings
    assert len(word.inline_shapes) >= 6
    assert any("Kommunstyrelsen" in p.text for p in word.paragraphs)

    # frozen: new incidents do not change the approved document
    from samtrygg.demo.incidents import generate
    from samtrygg.tenancy.models import Municipality

    generate(Municipality.objects.get(slug="halmstad"), 300, seed=99)
    report.refresh_from_db()
    assert report.content["figures"]["total"] == frozen_total
    # a new version starts as a draft with the decisions carried over
    client.post(url, {"action": "new_version"})
    draft = SituationReport.objects.get(version=2)
    assert draft.status == "draft" and draft.findings.filter(decision="dropped").count() == 1


def test_viewer_sees_approved_versions_only(demo: None, client: Client) -> None:
    coordinator = User.objects.get(email="samordnare.halmstad@example.se")
    from samtrygg.situation import services
    from samtrygg.tenancy.policy import access_for

    access = access_for(coordinator, "halmstad")
    today = timezone.localdate()
    draft = services.create_report(
        access, title="Utkast", first=today - timedelta(days=90), last=today
    )
    login(client, "politiker")
    assert client.get(f"/k/halmstad/lagesbild/{draft.pk}/").status_code == 404
    assert client.get(f"/k/halmstad/lagesbild/{draft.pk}/document.pdf").status_code == 404
    ReportFinding.objects.filter(report=draft).update(decision="accepted")
    services.update_texts(access, draft, other_information="Polisen.", analysis_text="Analys.")
    services.approve(access, draft, body="Kommunfullmäktige", on=today)
    assert client.get(f"/k/halmstad/lagesbild/{draft.pk}/").status_code == 200
    assert "Börja en ny lägesbild" not in client.get("/k/halmstad/lagesbild/").content.decode()


def test_command_line(demo: None, tmp_path: Path) -> None:
    out = StringIO()
    for fmt in ("pdf", "docx"):
        target = tmp_path / f"l.{fmt}"
        call_command(
            "report",
            "situation",
            municipality="halmstad",
            first="2025-11-01",
            last=timezone.localdate().isoformat(),
            format=fmt,
            output=target,
            stdout=out,
        )
        assert target.stat().st_size > 50_000
    text, images = pdf_text_and_images((tmp_path / "l.pdf").read_bytes())
    assert all(part in text for part in PARTS) and images >= 6
