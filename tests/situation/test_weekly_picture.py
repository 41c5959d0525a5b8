"""The weekly EST lägesbild: on the page, as PDF and Word, e-mailed to the distribution list by
hand and on the chosen weekday; restricted categories never in it."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from samtrygg.incidents.models import Category
from samtrygg.incidents.services import IncidentInput, create_incident
from samtrygg.situation import weekly_picture
from samtrygg.situation.models import WeeklyPictureSettings
from samtrygg.tenancy.models import Municipality, Organisation, User
from samtrygg.tenancy.policy import access_for

from ..documents.text import word_lines

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def demo(db: Any) -> Municipality:
    call_command("build_demo", incidents=1500, stdout=StringIO())
    return Municipality.objects.get(slug="halmstad")


def test_restricted_incidents_stay_out(demo: Municipality) -> None:
    year, week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    before = weekly_picture.build(demo, year, week)["total"]
    reporter = User.objects.get(email="rapportor.halmstad@example.se")
    access = access_for(reporter, "halmstad")
    when = datetime.fromisocalendar(year, week, 3).replace(
        hour=12, tzinfo=ZoneInfo("Europe/Stockholm")
    )
    create_incident(
        access,
        IncidentInput(
            category=Category.objects.get(municipality=demo, code="hot-vald-personal"),
            reporting_organisation=Organisation.objects.get(
                municipality=demo, name="Halmstadhem AB"
            ),
            occurred_at=when,
            lat=56.674,
            lon=12.857,
        ),
    )
    assert weekly_picture.build(demo, year, week)["total"] == before


def test_page_documents_and_sending(demo: Municipality, client: Client) -> None:
    client.force_login(User.objects.get(email="samordnare.halmstad@example.se"))
    url = "/k/halmstad/lagesbild/week/"
    page = client.get(url)
    assert page.status_code == 200 and "Lägesbild vecka" in page.content.decode()
    pdf = client.get(url, {"format": "pdf"}).content
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "Lägesbild vecka" in text and "Per område" in text
    raw = client.get(url, {"format": "docx"}).content
    # The kommun's name heads the document, then the title.
    lines = word_lines(raw)
    assert lines[0] == demo.name and lines[1].startswith("Lägesbild vecka")
    assert "Per område" in lines
    refused = client.post(url, {"recipients": "inte en adress", "weekday": 0, "hour": 9})
    assert "inte en e-postadress" in refused.content.decode()
    client.post(url, {"recipients": "polis@example.se\nbostad@example.se", "weekday": 0, "hour": 9})
    client.post(url, {"action": "send"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.bcc) == ["bostad@example.se", "polis@example.se"]
    assert [a[0].rsplit(".", 1)[1] for a in message.attachments] == ["pdf", "docx"]


def test_scheduled_on_the_chosen_weekday_once(demo: Municipality) -> None:
    WeeklyPictureSettings.objects.create(
        municipality=demo, recipients="polis@example.se", weekday=1, hour=9
    )
    zone = ZoneInfo("Europe/Stockholm")
    monday = datetime(2026, 11, 23, 10, tzinfo=zone)
    assert weekly_picture.send_due(monday) == {}
    tuesday = monday + timedelta(days=1)
    assert weekly_picture.send_due(tuesday) == {"halmstad": 1}
    assert weekly_picture.send_due(tuesday + timedelta(hours=3)) == {}
    assert len(mail.outbox) == 1 and "vecka 47" in mail.outbox[0].subject


def test_viewer_reads_but_does_not_send(demo: Municipality, client: Client) -> None:
    client.force_login(User.objects.get(email="politiker.halmstad@example.se"))
    assert client.get("/k/halmstad/lagesbild/week/").status_code == 200
    assert client.post("/k/halmstad/lagesbild/week/", {"action": "send"}).status_code == 403


def test_a_task_run_again_does_not_send_the_picture_twice(demo: Municipality) -> None:
    WeeklyPictureSettings.objects.update_or_create(
        municipality=demo, defaults={"recipients": "polis@example.se", "weekday": 0, "hour": 9}
    )
    year, week, _day = timezone.localdate().isocalendar()
    assert weekly_picture.send(demo, year, week, once="task-1:weekly-picture") == 1
    assert weekly_picture.send(demo, year, week, once="task-1:weekly-picture") == 0
    assert len(mail.outbox) == 1
    assert weekly_picture.send(demo, year, week, once="task-2:weekly-picture") == 1
    assert len(mail.outbox) == 2


def test_map_what_happened_where_and_the_meetings_tasks_and_focus(db: Any, client: Client) -> None:
    """The picture of last week (page, PDF and Word) has a map, what happened where (area,
    category, weekday and time of day), the last EST meeting's tasks with their state, and its
    decided focus; an aggregates-only reader gets the map and the meeting but not the list."""
    import re
    import zipfile
    from datetime import time

    from samtrygg.areas.services import import_areas
    from samtrygg.incidents.categories import seed_categories
    from samtrygg.plans import meetings
    from samtrygg.plans.models import MeetingKind
    from samtrygg.tenancy.roles import Role

    from .. import factories
    from ..documents.text import assert_same_words, pdf_metadata, pdf_ua_failures, word_metadata

    town = factories.municipality("Veckostad")
    organisation = factories.organisation(town, "Veckostads kommun")
    coordinator = factories.member(organisation, Role.COORDINATOR, "samordnare@veckostad.se")
    viewer = factories.member(organisation, Role.VIEWER, "politiker@veckostad.se")
    import_areas(
        town,
        factories.feature_collection(
            factories.feature(
                "Centrum", factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.02)
            )
        ),
        kind="district",
    )
    seed_categories(town)
    access = access_for(coordinator, town.slug)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    wednesday = datetime.combine(monday + timedelta(days=2), time(14), ZoneInfo("Europe/Stockholm"))
    for _ in range(3):
        create_incident(
            access,
            IncidentInput(
                category=Category.objects.get(municipality=town, code="klotter"),
                reporting_organisation=organisation,
                occurred_at=wednesday,
                lat=factories.HALMSTAD_LAT,
                lon=factories.HALMSTAD_LON,
            ),
        )
    meeting = meetings.create_meeting(
        access,
        kind=MeetingKind.WEEKLY,
        date=monday + timedelta(days=1),
        participants=[organisation],
    )
    meetings.add_task(
        access,
        meeting,
        text="Sanera klottret vid skolan",
        organisation=organisation,
        due=monday + timedelta(days=4),
    )
    meetings.save_decisions(access, meeting, "Fokus på Centrum kvällstid.")
    year, week, _day = monday.isocalendar()
    url = f"/k/{town.slug}/lagesbild/week/?week={year}-W{week:02d}"
    client.force_login(coordinator)
    page = client.get(url).content.decode()
    pdf = client.get(url + "&format=pdf").content
    docx = client.get(url + "&format=docx").content
    pdf_text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf))
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        word = " ".join(
            re.findall(r"<w:t[^>]*>([^<]*)</w:t>", archive.read("word/document.xml").decode())
        )
        pictures = [n for n in archive.namelist() if n.startswith("word/media/")]
    line = "Klotter, onsdag eftermiddag (12–18)"
    due = monday + timedelta(days=4)
    task = f"Sanera klottret vid skolan – Veckostads kommun (inte klart, senast {due:%Y-%m-%d})"
    for text in (page, re.sub(r"\s+", " ", pdf_text), word):
        assert line in text and task in text and "Fokus på Centrum kvällstid." in text
        assert f"uppgifter från EST-mötet {monday + timedelta(days=1):%Y-%m-%d}" in text
    assert 'src="data:image/png;base64,' in page  # the map
    images = [
        obj
        for page_ in pdfium.PdfDocument(pdf)
        for obj in page_.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE])
    ]
    assert images and pictures
    # One document, two renderings: the same words in the same order, a tagged PDF/UA-1, the
    # kommun as the author; the map keeps its caption in both.
    document = weekly_picture.document(
        weekly_picture.with_map(weekly_picture.build(town, year, week), town), town
    )
    assert_same_words(pdf, docx, document)
    assert pdf_ua_failures(pdf) == []
    assert f"Karta: händelser per område, vecka {week}." in word
    assert f"Karta: händelser per område, vecka {week}." in re.sub(r"\s+", " ", pdf_text)
    for metadata in (word_metadata(docx), pdf_metadata(pdf)):
        assert metadata["author"] == "Veckostad" and metadata["title"] == f"Lägesbild vecka {week}"
        assert metadata["subject"] == "EST-lägesbild"
    assert word_metadata(docx)["language"] == "sv-SE"
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert line not in page and "sammanställningar" in page
    assert task in page and 'src="data:image/png;base64,' in page
