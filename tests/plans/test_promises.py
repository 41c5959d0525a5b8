"""Medborgarlöften with three owners (issue 13, item 7): the migration of one-owner promises,
the three parts on the page, the public page and the report to kommunfullmäktige, follow-ups
per activity in the audit log with old and new values, Swedish refusals that change nothing,
404 for another municipality, and the follow-up document saying the same in PDF and Word."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.plans import promises
from samtrygg.plans.models import (
    Agreement,
    CitizenPromise,
    ComplianceSettings,
    PromiseActivity,
    PromiseFollowUp,
)
from samtrygg.tenancy.models import OrganisationKind

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")

PNR = "811218-9876"  # a personnummer with a valid check digit


def pdf_text(raw: bytes) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(raw))


def docx_text(raw: bytes) -> str:
    """The Word file's text, a paragraph or table cell per line."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        xml = archive.read("word/document.xml").decode()
    blocks = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    return "\n".join("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", b)) for b in blocks)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _promise(world: World, **extra: str) -> CitizenPromise:
    today = timezone.localdate()
    values = {
        "title": "Tryggare kvällar vid stationen",
        "public_text": "Vi gör det tryggare att gå till stationen på kvällen.",
        "period_start": (today - timedelta(days=100)).isoformat(),
        "period_end": (today + timedelta(days=300)).isoformat(),
        **extra,
    }
    return promises.create_promise(world.access(world.dave), values)


@pytest.fixture
def police(world: World) -> Any:
    return factories.organisation(world.a, "Polisen Alfa", kind=OrganisationKind.POLICE)


@pytest.fixture
def promise(world: World, police: Any) -> CitizenPromise:
    """A promise in force with one activity per party; the police's followed up twice."""
    access = world.access(world.dave)
    found = _promise(world)
    for party, text, org in (
        ("kommunen", "Ny belysning i tunneln", world.a_org),
        ("polisen", "Polis till fots fredagar", police),
        ("tillsammans", "Trygghetsvandring i oktober", None),
    ):
        promises.add_activity(
            access, found, {"party": party, "text": text, "organisation": org.pk if org else ""}
        )
    walk = PromiseActivity.objects.get(party="polisen")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    promises.record_follow_up(
        access, walk, {"date": yesterday, "status": "ongoing", "note": "Tre av fyra fredagar."}
    )
    return found


# ---- the migration -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_old_promise_one_activity_of_its_owners_party() -> None:
    """Old promises had one owner organisation, a status and a follow-up text: the kommun's
    department becomes "kommunen", the police "polisen", anyone else (a housing company)
    "tillsammans", with the owner as responsible, the status kept and the text a follow-up."""
    before = [("plans", "0004_meetingtask_done_on")]
    after = [("plans", "0005_promise_parties")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        municipality = old.get_model("tenancy", "Municipality").objects.create(
            name="Gammelby",
            slug="gammelby",
            scb_code="9911",
            boundary=factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.1),
        )
        organisations = old.get_model("tenancy", "Organisation").objects
        owners = {
            kind: organisations.create(municipality=municipality, name=kind, kind=kind)
            for kind in ("kommunal_forvaltning", "polis", "bostadsbolag")
        }
        old_promise = old.get_model("plans", "CitizenPromise").objects
        for kind, status, text in (
            ("kommunal_forvaltning", "done", "Lamporna är bytta."),
            ("polis", "ongoing", ""),
            ("bostadsbolag", "planned", "Börjar i januari."),
        ):
            old_promise.create(
                municipality=municipality,
                title=f"Löfte {kind}",
                public_text="Text",
                owner=owners[kind],
                period_start="2026-01-01",
                period_end="2026-12-31",
                status=status,
                follow_up=text,
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    found = {
        a.promise.title: a
        for a in PromiseActivity.objects.select_related("promise", "organisation")
    }
    assert {title: (a.party, a.status, a.organisation.name) for title, a in found.items()} == {
        "Löfte kommunal_forvaltning": ("kommunen", "done", "kommunal_forvaltning"),
        "Löfte polis": ("polisen", "ongoing", "polis"),
        "Löfte bostadsbolag": ("tillsammans", "planned", "bostadsbolag"),
    }
    assert [a.text for a in found.values()] == list(found)  # the old title is the activity
    follow_ups = {f.activity.promise.title: f for f in PromiseFollowUp.objects.all()}
    assert sorted(follow_ups) == ["Löfte bostadsbolag", "Löfte kommunal_forvaltning"]
    kept = follow_ups["Löfte kommunal_forvaltning"]
    assert (kept.note, kept.status, kept.created_by) == ("Lamporna är bytta.", "done", None)
    assert {p.status for p in CitizenPromise.objects.all()} == {"done", "ongoing", "planned"}


# ---- three owners on the pages -------------------------------------------------------------


def _column(page: str, heading: str) -> str:
    """The part of the page under one of the three headings, up to the next heading."""
    after = page.split(heading, 1)[1]
    return re.split(r"<h[1-4]", after, maxsplit=1)[0]


def test_the_list_shows_the_three_owners_with_their_activities(
    world: World, client: Client, promise: CitizenPromise
) -> None:
    client.force_login(world.bob)  # every member reads the promises
    page = client.get(f"/k/{world.a.slug}/promises/").content.decode()
    assert "Tryggare kvällar vid stationen" in page
    kommunen = _column(page, "Kommunen lovar</h3>")
    polisen = _column(page, "Polisen lovar</h3>")
    tillsammans = _column(page, "Tillsammans lovar vi</h3>")
    assert "Ny belysning i tunneln" in kommunen and "Alfa kommun" in kommunen
    assert "Polis till fots fredagar" in polisen and "Polisen Alfa" in polisen
    assert "Pågår" in polisen and "Tre av fyra fredagar." in polisen
    assert "Trygghetsvandring i oktober" in tillsammans
    assert "Polis till fots" not in kommunen + tillsammans
    assert "inte uppföljd ännu" in kommunen
    detail = client.get(f"/k/{world.a.slug}/promises/{promise.pk}/").content.decode()
    assert "Polis till fots fredagar" in _column(detail, "Polisen lovar</h3>")
    assert 'name="party"' not in detail  # bob may not add activities


def test_the_public_page_shows_the_promises_in_force_without_persons(
    world: World, client: Client, promise: CitizenPromise
) -> None:
    world.dave.full_name = "Dave Davidsson"
    world.dave.save()
    ComplianceSettings.objects.create(municipality=world.a, public_page=True)
    ended = _promise(
        world,
        title="Löfte som har gått ut",
        period_start="2020-01-01",
        period_end=(timezone.localdate() - timedelta(days=1)).isoformat(),
    )
    page = client.get(f"/public/{world.a.slug}/").content.decode()
    assert "Tryggare kvällar vid stationen" in page and ended.title not in page
    polisen = _column(page, "Polisen lovar</h4>")
    yesterday = timezone.localdate() - timedelta(days=1)
    from samtrygg.core import formatting

    assert f"Senaste uppföljning {formatting.day(yesterday)}: pågår." in flat(polisen)
    assert "Inte uppföljd ännu." in _column(page, "Kommunen lovar</h4>")
    assert "Trygghetsvandring i oktober" in _column(page, "Tillsammans lovar vi</h4>")
    for person in ("Dave Davidsson", world.dave.email, "Tre av fyra fredagar"):
        assert person not in page  # no person, and not the internal note


# ---- follow-ups, audited -------------------------------------------------------------------


def test_a_follow_up_per_activity_is_audited_with_old_and_new_status(
    world: World, client: Client, promise: CitizenPromise
) -> None:
    lamp = PromiseActivity.objects.get(party="kommunen")
    client.force_login(world.dave)
    url = f"/k/{world.a.slug}/promises/activities/{lamp.pk}/"
    response = client.post(url, {"date": "2026-11-20", "status": "ongoing", "note": "Beställt."})
    assert response.status_code == 302
    client.post(url, {"date": "2026-11-24", "status": "done", "note": "Tänt."})
    lamp.refresh_from_db()
    assert lamp.status == "done"
    events = AuditEvent.objects.filter(
        action=AuditAction.PROMISE_FOLLOWED_UP, object_id=str(lamp.pk)
    ).order_by("id")
    assert [e.changes["status"] for e in events] == [["planned", "ongoing"], ["ongoing", "done"]]
    assert [e.changes["date"] for e in events] == [[None, "2026-11-20"], [None, "2026-11-24"]]
    assert events[0].changes["party"] == [None, "kommunen"]
    assert events[0].actor == world.dave
    saved = list(lamp.follow_ups.values_list("date", "status", "note", "organisation__name"))
    assert [(d.isoformat(), s, n, o) for d, s, n, o in saved] == [
        ("2026-11-24", "done", "Tänt.", "Alfa kommun"),
        ("2026-11-20", "ongoing", "Beställt.", "Alfa kommun"),
    ]
    page = client.get(url).content.decode()
    assert "24 november 2026" in page and "Tänt." in page
    # The other parties' activities did not move.
    assert PromiseActivity.objects.get(party="tillsammans").status == "planned"


# ---- refusals ------------------------------------------------------------------------------


def _counts() -> tuple[int, ...]:
    return (
        CitizenPromise.objects.count(),
        PromiseActivity.objects.count(),
        PromiseFollowUp.objects.count(),
        AuditEvent.objects.count(),
    )


def _their_agreement(world: World) -> Agreement:
    from datetime import date

    return Agreement.objects.create(
        municipality=world.b,
        title="Betas överenskommelse",
        purposes="Trygghet",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )


NEW_PROMISE = {
    "title": "Trygg park",
    "public_text": "Vi röjer buskar.",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
}
REFUSED = [
    (
        "promise",
        {**NEW_PROMISE, "period_end": "2025-12-31"},
        "Perioden slutar innan den börjar.",
    ),
    ("promise", {**NEW_PROMISE, "title": ""}, "Ge löftet en rubrik."),
    ("promise", {**NEW_PROMISE, "period_start": "1 jan"}, "Ange ett datum som ÅÅÅÅ-MM-DD"),
    (
        "promise",
        {**NEW_PROMISE, "public_text": f"Kontakta {PNR}."},
        "Texten innehåller ett personnummer",
    ),
    (
        "promise",
        {**NEW_PROMISE, "agreement": "THEIRS"},
        "Välj en samverkansöverenskommelse i den här kommunen.",
    ),
    (
        "activity",
        {"party": "grannarna", "text": "Grannsamverkan"},
        "Välj vem som lovar: kommunen, Polisen eller båda tillsammans.",
    ),
    ("activity", {"party": "polisen", "text": ""}, "Beskriv aktiviteten."),
    (
        "activity",
        {"party": "polisen", "text": f"Ring {PNR}"},
        "Texten innehåller ett personnummer",
    ),
    (
        "activity",
        {"party": "polisen", "text": "Patrull", "organisation": "THEIR_ORG"},
        "Välj en organisation i listan.",
    ),
    (
        "follow_up",
        {"date": "TOMORROW", "status": "done", "note": "Klart."},
        "Datumet kan inte ligga i framtiden.",
    ),
    ("follow_up", {"date": "2026-11-20", "status": "klart"}, "Välj en status."),
    (
        "follow_up",
        {"date": "2026-11-20", "status": "done", "note": f"Anmälan {PNR}"},
        "Texten innehåller ett personnummer",
    ),
]


@pytest.mark.parametrize(("kind", "posted", "message"), REFUSED)
def test_bad_input_is_refused_in_swedish_and_changes_nothing(
    world: World,
    client: Client,
    promise: CitizenPromise,
    kind: str,
    posted: dict[str, str],
    message: str,
) -> None:
    replace = {
        "THEIRS": str(_their_agreement(world).pk),
        "THEIR_ORG": str(world.b_org.pk),
        "TOMORROW": (timezone.localdate() + timedelta(days=1)).isoformat(),
    }
    posted = {k: replace.get(v, v) for k, v in posted.items()}
    activity = PromiseActivity.objects.get(party="kommunen")
    url = {
        "promise": f"/k/{world.a.slug}/promises/",
        "activity": f"/k/{world.a.slug}/promises/{promise.pk}/",
        "follow_up": f"/k/{world.a.slug}/promises/activities/{activity.pk}/",
    }[kind]
    client.force_login(world.dave)
    before = _counts()
    response = client.post(url, {"action": kind, **posted})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _counts() == before
    activity.refresh_from_db()
    assert activity.status == "planned"


def test_who_may_write(world: World, client: Client, promise: CitizenPromise) -> None:
    """Promises and activities are decided (coordinators, administrators); a reporter may read
    but not record a follow-up."""
    activity = PromiseActivity.objects.get(party="kommunen")
    client.force_login(world.bob)
    before = _counts()
    assert client.post(f"/k/{world.a.slug}/promises/", NEW_PROMISE).status_code == 403
    url = f"/k/{world.a.slug}/promises/activities/{activity.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"date": "2026-11-20", "status": "done"}).status_code == 403
    assert _counts() == before


# ---- another municipality ------------------------------------------------------------------


def test_every_promise_and_activity_url_is_a_404_for_another_municipality(
    world: World, client: Client, promise: CitizenPromise
) -> None:
    activity = PromiseActivity.objects.get(party="polisen")
    urls = [
        f"/k/{{slug}}/promises/{promise.pk}/",
        f"/k/{{slug}}/promises/{promise.pk}/?format=pdf",
        f"/k/{{slug}}/promises/{promise.pk}/?format=docx",
        f"/k/{{slug}}/promises/activities/{activity.pk}/",
    ]
    client.force_login(world.charlie)
    before = _counts()
    for slug in (world.a.slug, world.b.slug):  # A's URL, and charlie's own with A's ids
        for url in [*urls, "/k/{slug}/promises/"] if slug == world.a.slug else urls:
            target = url.format(slug=slug)
            assert client.get(target).status_code == 404, target
            posted = {"action": "activity", "party": "polisen", "text": "X", "date": "2026-11-20"}
            assert client.post(target, {**posted, "status": "done"}).status_code == 404, target
    assert _counts() == before
    assert "Tryggare kvällar" not in client.get(f"/k/{world.b.slug}/promises/").content.decode()


# ---- documents -----------------------------------------------------------------------------


def test_the_follow_up_document_says_the_same_in_pdf_and_word(
    world: World, client: Client, promise: CitizenPromise
) -> None:
    lamp = PromiseActivity.objects.get(party="kommunen")
    promises.record_follow_up(
        world.access(world.dave), lamp, {"date": "2026-11-02", "status": "done", "note": "Tänt."}
    )
    client.force_login(world.bob)
    url = f"/k/{world.a.slug}/promises/{promise.pk}/"
    pdf = client.get(url + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    word = client.get(url + "?format=docx")
    pdf_lines = flat(pdf_text(pdf.content))
    word_text = docx_text(word.content)
    word_lines = flat(word_text)
    expected = [
        "Uppföljning av medborgarlöfte: Tryggare kvällar vid stationen",
        "Löftet till invånarna",
        "Vi gör det tryggare att gå till stationen på kvällen.",
        "Kommunen lovar",
        "Ny belysning i tunneln",
        "Ny belysning i tunneln, 2 november 2026: Genomfört. Tänt. (Alfa kommun)",
        "Polisen lovar",
        "Polis till fots fredagar",
        "Tillsammans lovar vi",
        "Trygghetsvandring i oktober",
        "Inga uppföljningar ännu.",
    ]
    for line in expected:
        assert line in pdf_lines, line
        assert line in word_lines, line
    # Every line of the Word file is in the PDF, in the same order.
    position = 0
    for line in (flat(t) for t in word_text.split("\n") if t.strip()):
        if line in ("1", "Högerklicka och välj Uppdatera fält."):
            continue  # Word's page-number fields
        found = pdf_lines.find(line, position)
        assert found >= 0, f"not in the PDF after position {position}: {line}"
        position = found
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(promise.pk)).count()
    # One document (documents/model.py), two renderings: the same words in the same order, the
    # kommun's name first, a tagged PDF/UA-1, the kommun as the author.
    from samtrygg.documents import promise_report

    from ..documents import text

    document = promise_report.document(promise)
    text.assert_same_words(pdf.content, word.content, document)
    assert text.pdf_ua_failures(pdf.content) == []
    assert text.word_lines(word.content)[:2] == [world.a.name, expected[0]]
    for metadata in (text.word_metadata(word.content), text.pdf_metadata(pdf.content)):
        assert metadata["author"] == world.a.name
        assert metadata["subject"] == "Medborgarlöfte – uppföljning"
        assert metadata["title"] == expected[0]


def test_the_council_report_lists_the_promises_per_owner(
    world: World, promise: CitizenPromise
) -> None:
    """Three parts, in the order residents read them: what the kommun promises, what the police
    promise, what they promise together; each activity under its owner, in PDF and Word alike."""
    from samtrygg.documents import council_report

    from ..documents.text import assert_same_words, word_lines

    report = council_report.for_municipality(world.a)
    doc = council_report.document(report)
    pdf, word = council_report.pdf_bytes(report), council_report.docx_bytes(report)
    assert_same_words(pdf, word, doc)
    lines = word_lines(word)
    lines = lines[lines.index("Medborgarlöften") :]
    expected = [
        ("Kommunen lovar", "Ny belysning i tunneln", "Planerat"),
        ("Polisen lovar", "Polis till fots fredagar", "Pågår"),
        ("Tillsammans lovar vi", "Trygghetsvandring i oktober", "Planerat"),
    ]
    positions = []
    for owner, activity, status in expected:
        at = lines.index(owner)
        row = lines.index(activity, at)
        assert lines[row - 1] == "Tryggare kvällar vid stationen"  # the promise, then activity
        assert lines[row + 2] == status
        positions += [at, row]
    assert positions == sorted(positions)
