"""The joint lägesbild (issue 12, item 9): each party's own lägesbild, given by the form or by a
file (XLSX or JSON), merged into part 2 of the kommun's lägesbild (page, PDF and Word) and
frozen with it on approval. Expected values are written out by hand."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.situation import contributions as parts
from samtrygg.situation.models import Contribution, SituationReport
from samtrygg.tenancy.models import OrganisationKind
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World

POLICE = "Polisen, lokalpolisområde Halmstad"
SOURCE = f"Källa: {POLICE}, lokal lägesbild 2025"
# A valid personal identity number (Skatteverket's test number, Luhn check digit 2).
PERSONNUMMER = "19121212-1212"


@pytest.fixture
def joint(world: World) -> dict[str, Any]:
    police = factories.organisation(world.a, POLICE, kind=OrganisationKind.POLICE)
    hugo = factories.member(world.a_other_org, Role.HANDLER, "hugo@example.se")
    report = SituationReport.objects.create(
        municipality=world.a,
        title="Lägesbild Alfa 2025",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    return {"police": police, "hugo": hugo, "report": report}


def form_post(report: SituationReport, organisation: Any, **extra: str) -> dict[str, str]:
    values = {
        "action": "add",
        "report": str(report.pk),
        "organisation": str(organisation.pk),
        "title": "lokal lägesbild 2025",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "key_messages": "Bostadsinbrotten minskade.\nFler bränder i Andersberg.",
        "section_1_heading": "Bostadsinbrott",
        "section_1_text": "Inbrotten minskade under hösten.",
        "section_2_heading": "Bränder",
        "section_2_text": "Containerbränder i Andersberg.",
        "figure_1_label": "Anmälda bostadsinbrott",
        "figure_1_value": "1 234",
        "figure_1_unit": "st",
        "figure_1_comparison": "55",
        "figure_1_comparison_label": "samma period 2024",
        "figure_2_label": "Andel uppklarade",
        "figure_2_value": "12,5",
        "figure_2_unit": "%",
    }
    values.update(extra)
    return values


def workbook(
    figures: list[list[Any]] | None = None, sections: list[list[Any]] | None = None
) -> bytes:
    """The documented layout (docs/imports.md), built here from the documentation."""
    book = Workbook()
    about = book.active
    about.title = "Lägesbild"
    for row in (
        ["Uppgift", "Värde"],
        ["Titel", "lokal lägesbild 2025"],
        ["Period från", "2025-01-01"],
        ["Period till", "2025-12-31"],
    ):
        about.append(row)
    rows = {
        "Avsnitt": [
            ["Rubrik", "Text"],
            *(
                sections
                or [
                    ["Bostadsinbrott", "Inbrotten minskade under hösten."],
                    ["Bränder", "Containerbränder i Andersberg."],
                ]
            ),
        ],
        "Nyckelbudskap": [
            ["Budskap"],
            ["Bostadsinbrotten minskade."],
            ["Fler bränder i Andersberg."],
        ],
        "Siffror": [
            ["Benämning", "Värde", "Enhet", "Jämförelsevärde", "Jämförelsen avser"],
            *(
                figures
                or [
                    ["Anmälda bostadsinbrott", 1234, "st", 55, "samma period 2024"],
                    ["Andel uppklarade", 12.5, "%", None, None],
                ]
            ),
        ],
    }
    for name, lines in rows.items():
        sheet = book.create_sheet(name)
        for line in lines:
            sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_record(c: Contribution) -> dict[str, Any]:
    return {
        "title": c.title,
        "period": (c.period_start, c.period_end),
        "key_messages": c.key_messages,
        "sections": [(s.position, s.heading, s.text) for s in c.sections.all()],
        "figures": [
            (f.position, f.label, f.value, f.unit, f.comparison, f.comparison_label)
            for f in c.figures.all()
        ],
    }


EXPECTED = {
    "title": "lokal lägesbild 2025",
    "period": (date(2025, 1, 1), date(2025, 12, 31)),
    "key_messages": ["Bostadsinbrotten minskade.", "Fler bränder i Andersberg."],
    "sections": [
        (0, "Bostadsinbrott", "Inbrotten minskade under hösten."),
        (1, "Bränder", "Containerbränder i Andersberg."),
    ],
    "figures": [
        (0, "Anmälda bostadsinbrott", Decimal("1234"), "st", Decimal("55"), "samma period 2024"),
        (1, "Andel uppklarade", Decimal("12.5"), "%", None, ""),
    ],
}


def test_form_and_import_create_the_same_record(
    world: World, joint: dict[str, Any], client: Client
) -> None:
    report, police = joint["report"], joint["police"]
    client.force_login(world.dave)
    url = f"/k/{world.a.slug}/lagesbild/contributions/"
    response = client.post(url, form_post(report, police))
    assert response.status_code == 302, response.content.decode()[:2000]
    by_form = Contribution.objects.get(organisation=police)
    assert as_record(by_form) == EXPECTED
    assert by_form.submitted_by == world.dave

    # The file, for the housing company, by its own handler.
    client.force_login(joint["hugo"])
    upload = io.BytesIO(workbook())
    upload.name = "alfahem.xlsx"
    response = client.post(
        url,
        {
            "action": "import",
            "report": report.pk,
            "organisation": world.a_other_org.pk,
            "file": upload,
        },
    )
    assert response.status_code == 302
    by_file = Contribution.objects.get(organisation=world.a_other_org)
    assert as_record(by_file) == EXPECTED
    # JSON of the same structure: the same record again (a second import replaces the first).
    document = {
        "Lägesbild": {
            "Titel": "lokal lägesbild 2025",
            "Period från": "2025-01-01",
            "Period till": "2025-12-31",
        },
        "Avsnitt": [{"Rubrik": h, "Text": t} for _p, h, t in EXPECTED["sections"]],
        "Nyckelbudskap": [{"Budskap": m} for m in EXPECTED["key_messages"]],
        "Siffror": [
            {
                "Benämning": "Anmälda bostadsinbrott",
                "Värde": 1234,
                "Enhet": "st",
                "Jämförelsevärde": 55,
                "Jämförelsen avser": "samma period 2024",
            },
            {"Benämning": "Andel uppklarade", "Värde": "12,5", "Enhet": "%"},
        ],
    }
    again = parts.import_contribution(
        world.access(joint["hugo"]),
        report,
        world.a_other_org,
        json.dumps(document).encode(),
        "alfahem.json",
    )
    assert again.pk == by_file.pk
    assert as_record(again) == EXPECTED
    assert Contribution.objects.count() == 2
    actions = list(
        AuditEvent.objects.filter(action__startswith="contribution.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.CONTRIBUTION_ADDED,
        AuditAction.CONTRIBUTION_IMPORTED,
        AuditAction.CONTRIBUTION_IMPORTED,
    ]


def test_the_template_is_the_documented_layout(
    world: World, joint: dict[str, Any], client: Client
) -> None:
    client.force_login(joint["hugo"])
    response = client.get(f"/k/{world.a.slug}/lagesbild/contributions/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Lägesbild", "Avsnitt", "Nyckelbudskap", "Siffror"]
    assert [c.value for c in book["Siffror"][1]] == [
        "Benämning",
        "Värde",
        "Enhet",
        "Jämförelsevärde",
        "Jämförelsen avser",
    ]
    # Its example rows import as they stand.
    made = parts.import_contribution(
        world.access(joint["hugo"]), joint["report"], world.a_other_org, response.content
    )
    assert [(f.label, f.value) for f in made.figures.all()] == [
        ("Anmälda bostadsinbrott", Decimal(42))
    ]


def test_a_broken_xlsx_names_sheet_row_and_column_and_writes_nothing(
    world: World, joint: dict[str, Any], swedish: None
) -> None:
    raw = workbook(
        figures=[
            ["Anmälda bostadsinbrott", 42, "st", 55, "samma period 2024"],
            ["Anlagda bränder", "många", "st", None, None],
            ["Skadegörelse", 10**13, "st", None, None],
        ]
    )
    with pytest.raises(ValidationError) as refused:
        parts.import_contribution(
            world.access(world.dave), joint["report"], joint["police"], raw, "polisen.xlsx"
        )
    assert refused.value.messages == [
        "Blad ”Siffror”, rad 3, kolumn ”Värde”: ”många” är inget tal.",
        "Blad ”Siffror”, rad 4, kolumn ”Värde”: Talet är för stort: högst "
        "1\u00a0000\u00a0000\u00a0000\u00a0000 åt något håll.",
    ]
    assert not Contribution.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CONTRIBUTION_IMPORTED).exists()
    # A missing sheet is named too.
    book = load_workbook(io.BytesIO(raw))
    del book["Nyckelbudskap"]
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationError) as missing:
        parts.import_contribution(
            world.access(world.dave), joint["report"], joint["police"], out.getvalue()
        )
    assert missing.value.messages == ["Bladet ”Nyckelbudskap” saknas."]
    assert not Contribution.objects.exists()


def test_a_personal_identity_number_is_refused_at_every_door(
    world: World, joint: dict[str, Any], client: Client, swedish: None
) -> None:
    report, police = joint["report"], joint["police"]
    client.force_login(world.dave)
    text = f"Lägenheten där {PERSONNUMMER} bor brann."
    response = client.post(
        f"/k/{world.a.slug}/lagesbild/contributions/",
        form_post(report, police, section_2_text=text),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "personnummer" in page
    assert not Contribution.objects.exists()
    raw = workbook(sections=[["Bränder", text]])
    with pytest.raises(ValidationError) as refused:
        parts.import_contribution(world.access(world.dave), report, police, raw)
    assert len(refused.value.messages) == 1
    assert refused.value.messages[0].startswith("Blad ”Avsnitt”, rad 2, kolumn ”Text”: ")
    assert "personnummer" in refused.value.messages[0]
    assert not Contribution.objects.exists()


def test_a_phone_number_is_flagged_until_the_writer_confirms(
    world: World, joint: dict[str, Any], client: Client, swedish: None
) -> None:
    report, police = joint["report"], joint["police"]
    client.force_login(world.dave)
    url = f"/k/{world.a.slug}/lagesbild/contributions/"
    post = form_post(report, police, key_messages="Ring 070-123 45 67 vid larm.")
    response = client.post(url, post)
    assert response.status_code == 200
    assert "Rad 1: Texten kan innehålla" in response.content.decode()
    assert not Contribution.objects.exists()
    assert client.post(url, {**post, "confirm_flagged": "on"}).status_code == 302
    assert Contribution.objects.get().key_messages == ["Ring 070-123 45 67 vid larm."]
    # The file alike: refused with its place, accepted when confirmed.
    raw = workbook(sections=[["Larm", "Ring 070-123 45 67 vid larm."]])
    access = world.access(world.dave)
    with pytest.raises(ValidationError) as flagged:
        parts.import_contribution(access, report, world.a_other_org, raw)
    assert flagged.value.messages[0].startswith("Blad ”Avsnitt”, rad 2, kolumn ”Text”: Texten")
    parts.import_contribution(access, report, world.a_other_org, raw, confirm_flagged=True)
    assert Contribution.objects.count() == 2


def test_a_party_member_gives_its_own_only(
    world: World, joint: dict[str, Any], client: Client
) -> None:
    report, police = joint["report"], joint["police"]
    police_part = parts.add_contribution(
        world.access(world.dave),
        report,
        police,
        parts.ContributionInput(
            title="lokal lägesbild 2025",
            period_start="2025-01-01",
            period_end="2025-12-31",
            key_messages=["Lugnt."],
        ),
    )
    hugo = joint["hugo"]
    client.force_login(hugo)
    base = f"/k/{world.a.slug}/lagesbild/contributions/"
    # The way in: a link from the lägesbild page (hugo cannot see the draft itself).
    assert base in client.get(f"/k/{world.a.slug}/lagesbild/").content.decode()
    assert client.get(f"/k/{world.a.slug}/lagesbild/{report.pk}/").status_code == 404
    listing = client.get(base).content.decode()
    assert report.title in listing and police_part.title not in listing
    # The housing company's handler sees neither the police's nor may it write for them.
    assert client.get(f"{base}{police_part.pk}/").status_code == 404
    assert client.post(f"{base}{police_part.pk}/", {"action": "remove"}).status_code == 404
    # (Alfa kommun has given none yet: only the party rule stands in the way.)
    response = client.post(base, form_post(report, world.a_org))
    assert response.status_code == 200
    assert "Välj den organisation vars lägesbild det är." in response.content.decode()
    assert Contribution.objects.count() == 1
    with pytest.raises(PermissionDenied):
        parts.add_contribution(
            world.access(hugo), report, world.a_org, parts.ContributionInput(title="x")
        )
    # …but it may give its own.
    assert client.post(base, form_post(report, world.a_other_org)).status_code == 302
    assert Contribution.objects.count() == 2
    # A reporter of the same organisation may not.
    client.force_login(world.carol)
    assert client.get(base).status_code == 403
    # Another municipality's administrator, through its own URL: 404.
    client.force_login(world.charlie)
    assert (
        client.get(f"/k/{world.b.slug}/lagesbild/contributions/{police_part.pk}/").status_code
        == 404
    )


def _pdf_text(content: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def _docx_xml(content: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()


THOUSANDS = re.compile(r"1[\s\u00a0\u202f]234")


def test_part_two_holds_the_parties_and_approval_freezes_them(
    world: World, joint: dict[str, Any], client: Client
) -> None:
    from samtrygg.situation import services

    report, police = joint["report"], joint["police"]
    client.force_login(world.dave)
    assert (
        client.post(
            f"/k/{world.a.slug}/lagesbild/contributions/", form_post(report, police)
        ).status_code
        == 302
    )
    url = f"/k/{world.a.slug}/lagesbild/{report.pk}/"
    page = client.get(url).content.decode()
    assert SOURCE in page and "Bostadsinbrotten minskade." in page
    assert THOUSANDS.search(page) and "1234" not in page

    pdf = _pdf_text(client.get(f"{url}document.pdf").content)
    docx = _docx_xml(client.get(f"{url}document.docx").content)
    for text in (pdf, docx):
        assert "Andra aktörers lägesbilder" in text
        assert SOURCE in text.replace("\r", "").replace("\n", " ")
        assert "Bostadsinbrotten minskade." in text
        assert "Containerbränder i Andersberg." in text
        assert THOUSANDS.search(text), "the figure 1 234 with a thousands space"
        assert "1234" not in text
        assert "12,5" in text and "12.5" not in text
        assert "55 (samma period 2024)" in text.replace("\u00a0", " ")

    # Part 2 holds the parties' lägesbilder: only the analysis (part 3) is still to write.
    with pytest.raises(ValidationError, match="Del 3") as refused:
        services.approve(
            world.access(world.dave), report, body="Kommunstyrelsen", on=date(2026, 11, 20)
        )
    assert not any("Del 2" in m for m in refused.value.messages)
    services.update_texts(world.access(world.dave), report, analysis_text="Analys.")
    services.approve(
        world.access(world.dave), report, body="Kommunstyrelsen", on=date(2026, 11, 20)
    )
    report.refresh_from_db()
    frozen = report.content["contributions"]
    assert [p["source"] for p in frozen] == [SOURCE]
    # The approved version can no longer be changed …
    contribution = Contribution.objects.get(report=report)
    with pytest.raises(ValidationError):
        parts.update_contribution(
            world.access(world.dave), contribution, parts.ContributionInput(title="Ny")
        )
    with pytest.raises(ValidationError):
        parts.remove_contribution(world.access(world.dave), contribution)
    # … and even a change past the services does not reach its documents.
    Contribution.objects.filter(pk=contribution.pk).update(title="ändrad i efterhand")
    pdf = _pdf_text(client.get(f"{url}document.pdf").content)
    assert SOURCE in pdf.replace("\r", "").replace("\n", " ")
    assert "ändrad i efterhand" not in pdf
    assert "ändrad i efterhand" not in client.get(url).content.decode()

    # A new version copies the parties' lägesbilder as a draft to work on.
    draft = services.new_version(world.access(world.dave), report)
    copied = Contribution.objects.get(report=draft)
    assert copied.organisation == police
    assert [(f.label, f.value) for f in copied.figures.all()] == [
        ("Anmälda bostadsinbrott", Decimal(1234)),
        ("Andel uppklarade", Decimal("12.5")),
    ]
    assert Contribution.objects.filter(report=report).count() == 1


def test_a_small_count_is_hidden_where_it_may_be_handed_out(
    world: World, joint: dict[str, Any]
) -> None:
    """A party's count of 1–2 ("st") is "dolt" in part 2, as every small count is; a share or a
    count of 3 is shown (the threshold is 3)."""
    made = parts.add_contribution(
        world.access(world.dave),
        joint["report"],
        joint["police"],
        parts.ContributionInput(
            title="lokal lägesbild 2025",
            period_start="2025-01-01",
            period_end="2025-12-31",
            key_messages=["Lugnt."],
            figures=[
                parts.FigureInput("Hot mot personal", "2", "st", "1", "2024"),
                parts.FigureInput("Rån", "3", "st"),
                parts.FigureInput("Andel otrygga", "2", "%"),
            ],
        ),
    )
    assert parts.for_document_of([made])[0]["rows"] == [
        ["Hot mot personal", "dolt", "st", "dolt (2024)"],
        ["Rån", "3", "st", "–"],
        ["Andel otrygga", "2", "%", "–"],
    ]


def test_the_validator_bounds(swedish: None) -> None:
    with translation.override("sv"):
        checked, problems = parts.check(
            parts.ContributionInput(
                title="x" * 201,
                period_start="2025-12-31",
                period_end="2025-01-01",
                key_messages=[f"Budskap {i}" for i in range(6)],
                sections=[("Rubrik", "Text\x07")],
                figures=[parts.FigureInput("Andel", "12,345", "%")],
            )
        )
    assert checked is None
    where = {(p.part, p.index, p.field) for p in problems}
    assert where == {
        ("about", -1, "title"),
        ("about", -1, "period_end"),
        ("messages", 5, "text"),
        ("sections", 0, "text"),
        ("figures", 0, "value"),
    }


def test_the_database_is_the_last_line(world: World, joint: dict[str, Any]) -> None:
    """CHECK constraints hold what the validator refuses, for a door that skips it."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from samtrygg.situation.models import ContributionFigure, ContributionSection

    made = Contribution.objects.create(
        report=joint["report"],
        organisation=joint["police"],
        title="lokal lägesbild 2025",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        submitted_at=timezone.now(),
    )
    bad: list[Any] = [
        lambda: ContributionFigure.objects.create(
            contribution=made, position=0, label="x", value=Decimal(10) ** 12 + 1
        ),
        lambda: ContributionFigure.objects.create(
            contribution=made, position=0, label="x", value=1, comparison_label="2024"
        ),
        lambda: ContributionSection.objects.create(
            contribution=made, position=0, heading="x", text="a\x07b"
        ),
        lambda: ContributionSection.objects.create(
            contribution=made, position=0, heading="x", text="a" * 4001
        ),
        lambda: Contribution.objects.filter(pk=made.pk).update(period_end=date(2024, 1, 1)),
        lambda: Contribution.objects.create(
            report=joint["report"],
            organisation=joint["police"],
            title="igen",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
            submitted_at=timezone.now(),
        ),
    ]
    for write in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
