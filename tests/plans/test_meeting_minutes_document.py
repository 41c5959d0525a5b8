"""Meeting minutes on the one document model (issue 13, item 2): the PDF and the Word file say
the same words in the same order, the PDF is tagged PDF/UA-1, the kommun is the author, dates
the Swedish way; an outsider gets 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from samtrygg.plans import meetings
from samtrygg.plans.models import MeetingKind

from ..conftest import World
from ..documents.text import (
    assert_same_words,
    pdf_metadata,
    pdf_ua_failures,
    word_lines,
    word_metadata,
)

pytestmark = pytest.mark.usefixtures("swedish")


def test_minutes_in_pdf_and_word_say_the_same(world: World, client: Client) -> None:
    access = world.access(world.dave)
    meeting = meetings.create_meeting(
        access,
        kind=MeetingKind.WEEKLY,
        date=date(2026, 11, 24),
        participants=[world.a_org, world.a_other_org],
    )
    meetings.save_decisions(access, meeting, "Extra ronder vid torget.\nBelysningen ses över.")
    meetings.add_task(
        access,
        meeting,
        text="Laga belysningen",
        organisation=world.a_other_org,
        due=date(2026, 12, 1),
    )
    client.force_login(world.bob)  # a reporter reads the meeting
    url = f"/k/{world.a.slug}/meetings/{meeting.pk}/"
    pdf = client.get(url, {"format": "pdf"}).content
    docx = client.get(url, {"format": "docx"}).content
    meeting.refresh_from_db()
    document = meetings.minutes_document(meeting)
    assert_same_words(pdf, docx, document)
    assert pdf_ua_failures(pdf) == []
    lines = word_lines(docx)
    assert lines[:3] == [
        world.a.name,
        "Minnesanteckningar: EST-möte (varje eller varannan vecka) 24 november 2026",
        f"Deltagare: {world.a_org.name}, {world.a_other_org.name}",
    ]
    decisions = lines.index("Beslut")
    assert lines[decisions + 1 : decisions + 3] == [
        "Extra ronder vid torget.",
        "Belysningen ses över.",
    ]
    assert lines[-2:] == [
        "Uppgifter",
        f"Laga belysningen – {world.a_other_org.name}, senast 1 december 2026",
    ]
    for metadata in (word_metadata(docx), pdf_metadata(pdf)):
        assert metadata["author"] == world.a.name
        assert metadata["subject"] == "Minnesanteckningar"
        assert metadata["title"] == lines[1]
    client.force_login(world.charlie)
    for fmt in ("pdf", "docx"):
        assert client.get(url, {"format": fmt}).status_code == 404
