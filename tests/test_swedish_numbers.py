"""Numbers written the Swedish way in every output (issue 12, item 6): with the demo's two years
of incidents, the coordinator's lägesbild (PDF text and docx XML), the weekly picture (PDF,
Word and the e-mail), the dashboard (HTML and every CSV) and an effect evaluation's page hold
no decimal point in a number, no ungrouped number of five digits or more, and no "1 händelser".

CSV files are for Swedish Excel: decimal comma, and no thousands separator (it would turn the
number into text there). Coordinates keep the decimal point of GPS notation and are not read.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from samtrygg.situation import services, weekly_picture
from samtrygg.situation.models import WeeklyPictureSettings
from samtrygg.tenancy.models import Municipality, User
from samtrygg.tenancy.policy import access_for

pytestmark = pytest.mark.usefixtures("swedish")

DECIMAL_POINT = re.compile(r"(?<![\d.:/-])\d+\.\d+(?![\d.])")
UNGROUPED = re.compile(r"(?<![\d\u00a0 .:/-])\d{5,}(?![\d-])")
ONE_PLURAL = re.compile(r"(?<![\d\u00a0 ,])1 händelser\b")
# "−0,6969292389853178", "2.05e-174": more digits than anyone reads, or computer notation.
NOISE = re.compile(r"\d,\d{4,}|\d[eE][-+]?\d|p = 0,000")


def problems(where: str, text: str) -> list[str]:
    text = html.unescape(text)
    found = [f"{where}: decimal point {m}" for m in DECIMAL_POINT.findall(text)]
    found += [f"{where}: ungrouped {m}" for m in UNGROUPED.findall(text)]
    found += [f"{where}: {m}" for m in ONE_PLURAL.findall(text)]
    found += [f"{where}: unreadable {m}" for m in NOISE.findall(text)]
    return found


def visible(page: str) -> str:
    """A page's text as a reader sees it: no scripts, styles, tags or attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def pdf_text(raw: bytes) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(raw))


def docx_text(raw: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        xml = archive.read("word/document.xml").decode()
    return " ".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))


@pytest.fixture
def demo(db: Any) -> Municipality:
    call_command("build_demo", incidents=2000, stdout=StringIO())
    return Municipality.objects.get(slug="halmstad")


def test_every_output_writes_numbers_the_swedish_way(demo: Municipality, client: Client) -> None:
    coordinator = User.objects.get(email="samordnare.halmstad@example.se")
    client.force_login(coordinator)
    access = access_for(coordinator, demo.slug)
    found: list[str] = []
    year = timezone.localdate().year - 1
    report = services.create_report(
        access, title="Lägesbild", first=date(year, 1, 1), last=date(year, 12, 31)
    )
    base = f"/k/{demo.slug}"
    document = f"{base}/lagesbild/{report.pk}/document"
    found += problems("lägesbild.pdf", pdf_text(client.get(f"{document}.pdf").content))
    found += problems("lägesbild.docx", docx_text(client.get(f"{document}.docx").content))
    last_week = timezone.localdate() - timedelta(days=7)
    iso_year, week, _day = last_week.isocalendar()
    picture = f"{base}/lagesbild/week/?week={iso_year}-W{week:02d}"
    found += problems("weekly picture", visible(client.get(picture).content.decode()))
    found += problems("weekly.pdf", pdf_text(client.get(picture + "&format=pdf").content))
    found += problems("weekly.docx", docx_text(client.get(picture + "&format=docx").content))
    WeeklyPictureSettings.objects.update_or_create(
        municipality=demo, defaults={"recipients": "kf@example.se"}
    )
    weekly_picture.send(demo, iso_year, week)
    found += problems("weekly e-mail", mail.outbox[-1].body)
    # The spreadsheet: numbers as numbers (Excel shows them the Swedish way), never as text
    # with a decimal point.
    from openpyxl import load_workbook

    raw = client.get(f"{base}/incidents/export.xlsx", {"status": "closed"}).content
    sheet = load_workbook(io.BytesIO(raw), read_only=True).active
    assert sheet is not None
    cells = 0
    for row in sheet.iter_rows(values_only=True):
        for value in row:
            cells += 1
            if isinstance(value, str) and DECIMAL_POINT.fullmatch(value.strip()):
                found.append(f"export.xlsx: a number as text {value}")
    assert cells > 20, "the export holds rows"
    council = f"{base}/compliance/council-report"
    found += problems("council-report.pdf", pdf_text(client.get(f"{council}.pdf").content))
    found += problems("council-report.docx", docx_text(client.get(f"{council}.docx").content))
    for period in ("4weeks", "year"):
        page = client.get(f"{base}/dashboard/", {"period": period}).content.decode()
        found += problems(f"dashboard {period}", visible(page))
        for block in ("key-figures", "trend", "weekday-hour", "areas", "emerging"):
            raw = client.get(f"{base}/dashboard/{block}.csv", {"period": period}).content
            for row in csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"):
                for cell in row:
                    if DECIMAL_POINT.fullmatch(cell.strip()):
                        found.append(f"{block}.csv: decimal point {cell}")
    from django.db.models import Count

    from samtrygg.areas.models import Area
    from samtrygg.incidents.models import Category, Incident
    from samtrygg.plans.services import run_evaluation

    busiest = (
        Incident.objects.filter(municipality=demo, area__isnull=False)
        .values("area")
        .annotate(n=Count("id"))
        .order_by("-n")[:2]
    )
    areas = [Area.objects.get(pk=row["area"]) for row in busiest]
    today = timezone.localdate()
    run_evaluation(
        access,
        title="Belysning",
        measure=None,
        categories=list(Category.objects.filter(municipality=demo)),
        treated=areas[0],
        control=areas[1],
        buffer_m=300,
        before=(today - timedelta(days=360), today - timedelta(days=181)),
        after=(today - timedelta(days=180), today - timedelta(days=1)),
    )
    evaluations = client.get(f"{base}/evaluations/").content.decode()
    paths = sorted(set(re.findall(rf"{base}/evaluations/\d+/", evaluations)))[:3]
    assert paths, "the demo has an effect evaluation"
    for path in paths:
        found += problems(path, visible(client.get(path).content.decode()))
        found += problems(
            f"{path}document.pdf", pdf_text(client.get(f"{path}document.pdf").content)
        )
        found += problems(
            f"{path}document.docx", docx_text(client.get(f"{path}document.docx").content)
        )
    assert not found, "\n".join(found[:40])
