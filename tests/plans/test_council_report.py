"""The report to kommunfullmäktige as an ärende (issue 13, item 6): diarienummer, 3–5 key
messages the coordinator writes (ranked suggestions offered), the proposed decision, honest
compliance, measures in words with indicator movement and follow-up note, medborgarlöften per
owner; "reported to KF" as an explicit action with day and diarienummer that freezes the ärende
and feeds the 13 § routine. PDF and Word say the same; the PDF passes PDF/UA-1."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.documents import council_report as document
from samtrygg.plans import compliance, council_reports
from samtrygg.plans.models import CouncilReport, CouncilReportStatus, Measure

from ..conftest import World
from ..documents.text import (
    assert_same_words,
    pdf_lines,
    pdf_metadata,
    pdf_ua_failures,
    word_lines,
    word_metadata,
    words,
)
from .test_action_plan_document import PNR, _decided

pytestmark = pytest.mark.usefixtures("swedish")

MESSAGES = [
    "Bränderna i Centrum har halverats sedan belysningen byttes.",
    "Lägesbilden visar fler anmälda skadegörelsebrott kring stationen.",
    "Samverkansöverenskommelsen med Polisen förnyas i vår.",
]


def _report(world: World) -> CouncilReport:
    _decided(world)
    access = world.access(world.dave)
    report = council_reports.create_council_report(access, timezone.localdate().year)
    council_reports.save_council_report(
        access,
        report,
        {
            "diarienummer": "KS 2026/456",
            "key_messages": MESSAGES,
            "proposed_decision": "Kommunfullmäktige lägger rapporten till handlingarna.",
        },
    )
    report.refresh_from_db()
    return report


def _base(world: World) -> str:
    return f"/k/{world.a.slug}/council-reports/"


def test_the_arende_reads_the_same_in_pdf_and_word_and_passes_pdf_ua(
    world: World, client: Client
) -> None:
    report = _report(world)
    client.force_login(world.bob)  # every member may read it
    pdf = client.get(f"{_base(world)}{report.pk}/document.pdf")
    docx = client.get(f"{_base(world)}{report.pk}/document.docx")
    assert pdf.status_code == docx.status_code == 200
    doc = document.document(report)
    assert_same_words(pdf.content, docx.content, doc)
    assert pdf_ua_failures(pdf.content) == []
    assert word_metadata(docx.content)["author"] == world.a.name
    assert pdf_metadata(pdf.content)["author"] == world.a.name
    assert word_metadata(docx.content)["title"] == pdf_metadata(pdf.content)["title"] == doc.title

    lines = word_lines(docx.content)
    text = " ".join(lines)
    assert "Diarienummer: KS 2026/456" in lines
    headings = ["Sammanfattning", "Förslag till beslut", "Ärendet", "Efterlevnad av lagen"]
    assert [line for line in lines if line in headings] == headings
    for message in MESSAGES:
        assert message in lines
    assert "Kommunfullmäktige lägger rapporten till handlingarna." in lines
    # Measures in words, never colour alone; the indicator's baseline and target; the note.
    assert "Enligt plan (grön)" in lines and "Inte uppföljd" in lines
    assert "utgångsläge 24; mål 12" in text
    assert "Lamporna är uppsatta." in text
    # 9 and 10 §§ are duties to work for: "inte påbörjat", not a red "ej gjort".
    assert "Inte påbörjat" in lines
    # The PDF has the same text: spot-check lines that are not in a table.
    assert "Diarienummer: KS 2026/456" in pdf_lines(pdf.content)


def test_no_machine_findings_only_the_lagesbild_key_messages(world: World) -> None:
    report = _report(world)
    situation = Measure.objects.filter(plan__municipality=world.a).first()
    assert situation is not None
    lagesbild = situation.plan.situation_report
    assert lagesbild is not None
    chosen = [f.final_text for f in lagesbild.findings.filter(key_message=True)]
    others = [f.final_text for f in lagesbild.findings.exclude(key_message=True)]
    text = " ".join(words(word_lines(document.docx_bytes(report))))
    for message in chosen:
        assert " ".join(message.split()) in text
    for finding in others:
        assert " ".join(finding.split()) not in text


def test_marking_as_reported_is_an_explicit_action_that_freezes_the_arende(
    world: World, client: Client
) -> None:
    report = _report(world)
    today = timezone.localdate()
    client.force_login(world.dave)
    before = client.get(f"{_base(world)}{report.pk}/")
    assert before.status_code == 200
    assert "Utkast – ännu inte rapporterad till kommunfullmäktige." in before.text
    answer = client.post(
        f"{_base(world)}{report.pk}/",
        {"action": "reported", "reported_on": today.isoformat(), "diarienummer": "KS 2026/456"},
    )
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == CouncilReportStatus.REPORTED
    assert report.reported_on == today and report.reported_by == world.dave
    event = AuditEvent.objects.get(action=AuditAction.COUNCIL_REPORT_REPORTED)
    assert event.changes["status"] == ["draft", "reported"]
    assert event.changes["reported_on"] == [None, today.isoformat()]
    # The 13 § routine counts from the day it was reported.
    routine = next(i for i in compliance.routines(world.a, today) if i.paragraph == "13 §")
    assert routine.status != compliance.NOT_DONE and routine.due == today.replace(
        year=today.year + 1
    )
    # Frozen: a measure renamed later does not change the reported ärende.
    measure = Measure.objects.filter(plan__municipality=world.a).first()
    assert measure is not None
    old_title = measure.title
    Measure.objects.filter(pk=measure.pk).update(title="Ett senare namn")
    lines = word_lines(document.docx_bytes(report))
    assert old_title in lines and "Ett senare namn" not in lines
    assert f"Rapporterad till kommunfullmäktige {today.day}" in " ".join(lines)
    # And nothing can be changed afterwards.
    with pytest.raises(ValidationError):
        council_reports.save_council_report(
            world.access(world.dave), report, {"key_messages": MESSAGES[:1]}
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reported_on": "future"}, "reported_on"),
        ({"reported_on": "last_year"}, "reported_on"),
        ({"reported_on": "inte ett datum"}, "reported_on"),
        ({"messages": 2}, "key_messages"),
        ({"diarienummer": ""}, "diarienummer"),
    ],
)
def test_reporting_is_refused_without_what_it_needs_and_nothing_changes(
    world: World, change: dict[str, object], field: str
) -> None:
    report = _report(world)
    today = timezone.localdate()
    days = {
        "future": (today + timedelta(days=1)).isoformat(),
        "last_year": today.replace(year=report.year - 1).isoformat(),
    }
    if "messages" in change:
        CouncilReport.objects.filter(pk=report.pk).update(key_messages=MESSAGES[:2])
        report.refresh_from_db()
    if "diarienummer" in change:
        CouncilReport.objects.filter(pk=report.pk).update(diarienummer="")
        report.refresh_from_db()
    on = str(change.get("reported_on", today.isoformat()))
    data = {"reported_on": days.get(on, on), "diarienummer": change.get("diarienummer", "")}
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        council_reports.mark_reported(world.access(world.dave), report, data)
    assert field in refused.value.message_dict
    report.refresh_from_db()
    assert report.status == CouncilReportStatus.DRAFT and report.reported_on is None
    assert AuditEvent.objects.count() == events


def test_key_messages_are_checked_through_one_door(world: World) -> None:
    report = _report(world)
    access = world.access(world.dave)
    for bad, words_in_message in (
        ({"key_messages": [f"Kontakta {PNR} om saken."]}, "personnummer"),
        ({"key_messages": [*MESSAGES, "fyra", "fem", "sex"]}, "högst fem"),
        ({"key_messages": ["x" * 401]}, "400"),
    ):
        with pytest.raises(ValidationError) as refused:
            council_reports.save_council_report(access, report, bad)
        assert words_in_message in " ".join(refused.value.message_dict["key_messages"])
        report.refresh_from_db()
        assert report.key_messages == MESSAGES


def test_ranked_suggestions_start_with_what_the_law_lacks(world: World, client: Client) -> None:
    report = _report(world)
    found = council_reports.suggestions(world.a, timezone.localdate())
    reasons = [s.reason for s in found]
    assert reasons[0] == "Lagefterlevnad"  # e.g. 9 § and 12 § not met in this world
    assert reasons.index("Lagefterlevnad") < reasons.index("Lägesbildens nyckelbudskap")
    client.force_login(world.dave)
    CouncilReport.objects.filter(pk=report.pk).update(key_messages=MESSAGES[:2])
    client.post(f"{_base(world)}{report.pk}/", {"action": "add_suggestion", "text": found[0].text})
    report.refresh_from_db()
    assert report.key_messages == [*MESSAGES[:2], found[0].text]


def test_one_report_a_year_in_the_database(world: World) -> None:
    report = _report(world)
    with pytest.raises(ValidationError):
        council_reports.create_council_report(world.access(world.dave), report.year)
    with transaction.atomic(), pytest.raises(IntegrityError):
        CouncilReport.objects.create(municipality=world.a, year=report.year)
    # "Reported" without a day is refused by the database itself.
    with transaction.atomic(), pytest.raises(IntegrityError):
        CouncilReport.objects.filter(pk=report.pk).update(status="reported", reported_on=None)


def test_only_a_coordinator_writes_and_an_outsider_gets_404(world: World, client: Client) -> None:
    report = _report(world)
    client.force_login(world.bob)  # a reporter of the same kommun reads, but may not write
    assert client.get(f"{_base(world)}{report.pk}/").status_code == 200
    answer = client.post(f"{_base(world)}{report.pk}/", {"action": "save", "diarienummer": "X"})
    assert answer.status_code in (403, 404)
    report.refresh_from_db()
    assert report.diarienummer == "KS 2026/456"
    client.force_login(world.charlie)  # another kommun's admin
    for suffix in ("", "document.pdf", "document.docx"):
        assert client.get(f"{_base(world)}{report.pk}/{suffix}").status_code == 404
        assert (
            client.get(f"/k/{world.b.slug}/council-reports/{report.pk}/{suffix}").status_code == 404
        )


def test_the_command_line_writes_the_arende(world: World, tmp_path: Path) -> None:
    report = _report(world)
    for fmt in ("pdf", "docx"):
        out = io.StringIO()
        target = tmp_path / f"kf.{fmt}"
        call_command("report", "council", "--municipality", world.a.slug, "-o", target, stdout=out)
        assert target.exists()
    lines = word_lines((tmp_path / "kf.docx").read_bytes())
    assert document.title(report) in lines
    assert pdf_ua_failures((tmp_path / "kf.pdf").read_bytes()) == []


def test_services_used_by_the_page_are_audited(world: World) -> None:
    _report(world)
    assert AuditEvent.objects.filter(action=AuditAction.COUNCIL_REPORT_CREATED).count() == 1
    changed = AuditEvent.objects.get(action=AuditAction.COUNCIL_REPORT_CHANGED)
    assert changed.changes["diarienummer"] == ["", "KS 2026/456"]
