"""The åtgärdsplan as a decision document (issue 13, item 5): the plan-level fields edited on
the plan page through one audited service (refused after the decision, refused with a
personnummer, nothing changed), copied to a new version; the document in PDF and Word saying the
same words in the same order, money the Swedish way, "Förslag" on a draft; the command line;
404 for an outsider."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.documents import action_plan
from samtrygg.plans import services
from samtrygg.plans.models import ActionPlan, Measure
from samtrygg.situation.models import ReportFinding

from .. import factories
from ..conftest import World
from ..documents import text as document_text
from ..documents.text import pdf_lines, word_lines, words

pytestmark = pytest.mark.usefixtures("swedish")

PNR = "811218-9876"  # a personnummer with a valid check digit
LINKS = (
    "Risk- och sårbarhetsanalys | RSA 2023–2026 | KS 2023/45\n"
    "ANDTS-plan | ANDTS-program 2025–2028 | https://kommun.example.se/andts"
)


def pdf_words(raw: bytes, plan: ActionPlan) -> list[str]:
    return document_text.pdf_words(raw, [s.header for s in action_plan.sections(plan) if s.header])


def _post(**values: Any) -> dict[str, str]:
    return {key: str(value) for key, value in values.items()}


def _draft(world: World) -> ActionPlan:
    """A plan with two problems, three causes and three measures, resting on an approved
    lägesbild with two key messages."""
    access = world.access(world.dave)
    report = factories.approved_lagesbild(access)
    ReportFinding.objects.create(
        report=report,
        kind="trend",
        generated_text="Skadegörelsen ökade med 40 % i Centrum.",
        decision="accepted",
        key_message=True,
        order=1,
    )
    ReportFinding.objects.create(
        report=report,
        kind="hotspots",
        generated_text="Heta punkter vid Stationen: 1 % av ytan.",
        text="Heta punkter vid Stationen: 2 % av ytan.",
        decision="edited",
        key_message=True,
        order=2,
    )
    fires = services.create_problem(
        access, title="Bränder i containrar", description="Anlagda bränder kvällstid.", priority=1
    )
    graffiti = services.create_problem(access, title="Klotter vid skolan", priority=2)
    dark = services.add_cause(access, fires, group="place", text="Mörka containergårdar")
    youth = services.add_cause(access, fires, group="offender", text="Unga samlas kvällstid")
    walls = services.add_cause(access, graffiti, group="target", text="Omålade fasader")
    plan = services.create_plan(
        access,
        title="Åtgärdsplan 2026–2027",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        situation_report=report,
    )
    for problem, cause, title, org, deadline in (
        (fires, dark, "Belysning på containergårdar", world.a_org, date(2027, 3, 31)),
        (fires, youth, "Fältassistenter fredagskvällar", world.a_other_org, date(2027, 6, 30)),
        (graffiti, walls, "Klottersanering inom 24 timmar", world.a_org, date(2027, 9, 30)),
    ):
        services.add_measure(
            access,
            plan,
            problem=problem,
            cause=cause,
            title=title,
            goal="Färre anlagda bränder 2027 än 2025",
            indicator_kind="entered",
            indicator_label="Anlagda bränder per år",
            baseline_value=24,
            target_value=12,
            deadline=deadline,
            when="Från januari 2027",
            responsible=org,
            contact="Enhetschef",
        )
    return plan


def _fill(world: World, plan: ActionPlan) -> None:
    budgets = dict(
        zip(plan.measures.values_list("pk", flat=True), ("400000", "850 000", "0"), strict=True)
    )
    services.save_plan_document(
        world.access(world.dave),
        plan,
        _post(
            proposed_decision="Kommunstyrelsen föreslås besluta att anta åtgärdsplanen.",
            effect_goals="Färre anlagda bränder och mindre klotter i Centrum.",
            follow_up_plan="Åtgärderna följs upp varje tertial; planen varje år i december.",
            links=LINKS,
            budget_total="1 250 000 kr",
            **{f"budget_{pk}": value for pk, value in budgets.items()},
        ),
    )


def _decided(world: World) -> ActionPlan:
    plan = _draft(world)
    _fill(world, plan)
    access = world.access(world.dave)
    services.decide_plan(
        access, plan, body="Kommunstyrelsen", on=date(2026, 11, 20), diarienummer="KS 2026/123"
    )
    first = plan.measures.order_by("deadline").first()
    assert first is not None
    services.add_follow_up(
        access, first, on=date(2026, 11, 24), colour="green", note="Lamporna är uppsatta."
    )
    plan.refresh_from_db()
    return plan


def _events() -> int:
    """The events a change would write (a login writes its own)."""
    return AuditEvent.objects.exclude(action__startswith="auth.").count()


def _url(world: World, plan: ActionPlan, fmt: str) -> str:
    return f"/k/{world.a.slug}/plans/{plan.pk}/document.{fmt}"


def test_pdf_and_word_say_the_same_in_the_same_order(world: World, client: Client) -> None:
    plan = _decided(world)
    client.force_login(world.bob)  # a reporter: every member may read the plan
    pdf = client.get(_url(world, plan, "pdf"))
    docx = client.get(_url(world, plan, "docx"))
    assert pdf.status_code == docx.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    pdf_text, word_text = pdf_lines(pdf.content), word_lines(docx.content)
    assert pdf_words(pdf.content, plan) == words(word_text)
    rendered = action_plan.document(plan)
    document_text.assert_same_words(pdf.content, docx.content, rendered)
    assert document_text.pdf_ua_failures(pdf.content) == []
    assert document_text.word_metadata(docx.content)["author"] == world.a.name
    assert document_text.pdf_metadata(pdf.content)["author"] == world.a.name
    assert document_text.word_metadata(docx.content)["subject"] == "Åtgärdsplan"
    text = " ".join(word_text)
    # The title page.
    assert word_text[:6] == [
        world.a.name,
        "Åtgärdsplan 2026–2027",
        "Åtgärdsplan enligt 5 § lag (2023:196) om kommuners ansvar för brottsförebyggande arbete",
        "Period: 1 januari 2026–31 december 2027",
        "Version 1",
        "Status: Beslutad av Kommunstyrelsen 20 november 2026, dnr KS 2026/123",
    ]
    # The sections in their order.
    headings = [
        "Förslag till beslut",
        "Bakgrund: lägesbilden planen vilar på",
        "Prioriterade problem och orsaker",
        "Effektmål",
        "Åtgärder",
        "Ansvar",
        "Uppföljning",
        "Koppling till andra styrdokument (7 §)",
        "Beslut",
    ]
    places = [word_text.index(h) for h in headings]
    assert places == sorted(places)
    # Money by hand: 400 000 + 850 000 + 0 = 1 250 000 kr, the Swedish way.
    table = word_text[word_text.index("Åtgärder") : word_text.index("Ansvar")]
    assert table[1:8] == [
        "Orsak",
        "Åtgärd",
        "Operativt mål",
        "När",
        "Vem",
        "Indikator och utgångsläge",
        "Budget",
    ]
    assert [line for line in table if line.endswith(" kr")] == [
        "400 000 kr",
        "850 000 kr",
        "0 kr",
        "1 250 000 kr",
    ]
    assert table[table.index("Summa") + 1] == "1 250 000 kr"  # empty cells left out
    assert "Planens totala budget: 1 250 000 kr." in table
    assert "Mörka containergårdar (Bränder i containrar)" in table
    assert "Från januari 2027, klart senast 31 mars 2027" in table
    assert "Anlagda bränder per år; utgångsläge 24, mål 12" in table
    for line in ("400 000 kr", "1 250 000 kr", "Lägesbild 2025", "grön", "KS 2023/45"):
        assert line in " ".join(pdf_text)
    # The background: the approved lägesbild and its key messages.
    assert "Lägesbilden godkändes av Kommunstyrelsen den 15 januari 2026." in word_text
    assert "Skadegörelsen ökade med 40 % i Centrum." in word_text
    # Problems by priority, causes by group (place before offender).
    assert word_text.index(
        "Bränder i containrar (prioritet hög): Anlagda bränder kvällstid."
    ) < word_text.index("Klotter vid skolan (prioritet medel).")
    problems = word_text[word_text.index("Prioriterade problem och orsaker") :]
    assert problems.index("Mörka containergårdar") < problems.index("Unga samlas kvällstid")
    assert problems[
        problems.index("Omålade fasader") - 2 : problems.index("Omålade fasader") + 1
    ] == ["Klotter vid skolan", "Mål eller offer", "Omålade fasader"]
    # Responsibility, follow-up in words, links, decision.
    assert world.a_other_org.name in text and "Fältassistenter fredagskvällar" in text
    assert "Senaste uppföljningen av varje åtgärd:" in word_text
    follow = word_text[word_text.index("Senaste uppföljningen av varje åtgärd:") :]
    assert follow[5:9] == [
        "Belysning på containergårdar",
        "24 november 2026",
        "grön",
        "Lamporna är uppsatta.",
    ]
    assert "ingen uppföljning" in follow
    assert (word_text[word_text.index("ANDTS-plan") : word_text.index("ANDTS-plan") + 3]) == [
        "ANDTS-plan",
        "ANDTS-program 2025–2028",
        "https://kommun.example.se/andts",
    ]
    assert word_text[-1] == "Kommunstyrelsen beslutade planen 20 november 2026, dnr KS 2026/123."
    # The download is logged.
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(plan.pk))
    assert sorted(e.changes["format"][-1] for e in exports) == ["docx", "pdf"]


def test_a_draft_is_a_proposal(world: World, client: Client) -> None:
    plan = _draft(world)
    client.force_login(world.dave)
    lines = word_lines(client.get(_url(world, plan, "docx")).content)
    assert "Status: Förslag" in lines
    assert lines[-1] == "Förslag. Planen är inte beslutad. Beslutande organ, datum och dnr:"
    assert "Inga effektmål angivna." in lines
    pdf = pdf_lines(client.get(_url(world, plan, "pdf")).content)
    assert "Status: Förslag" in pdf


def test_the_command_writes_both_formats(world: World, tmp_path: Path) -> None:
    plan = _decided(world)
    _draft_later = services.create_plan(
        world.access(world.dave),
        title="Utkast som inte ska väljas",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
    )
    out = io.StringIO()
    call_command(
        "report", "plan", "--municipality", world.a.slug, "-o", tmp_path / "p.pdf", stdout=out
    )
    call_command(
        "report", "plan", "--municipality", world.a.slug, "-o", tmp_path / "p.docx", stdout=out
    )
    docx = word_lines((tmp_path / "p.docx").read_bytes())
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF-")
    assert pdf_words((tmp_path / "p.pdf").read_bytes(), plan) == words(docx)
    assert docx[1] == plan.title  # the newest decided plan, not the later draft
    call_command(
        "report",
        "plan",
        "--municipality",
        world.a.slug,
        "--plan",
        str(_draft_later.pk),
        "-o",
        tmp_path / "d.docx",
        stdout=out,
    )
    assert word_lines((tmp_path / "d.docx").read_bytes())[1] == "Utkast som inte ska väljas"
    with pytest.raises(CommandError):
        call_command("report", "plan", "--municipality", world.a.slug, "-o", tmp_path / "p.txt")
    services.create_plan(
        world.access(world.charlie, world.b),
        title="Betas utkast",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
    )
    with pytest.raises(CommandError, match="ingen beslutad plan"):  # a draft is not chosen
        call_command("report", "plan", "--municipality", world.b.slug, "-o", tmp_path / "b.pdf")
    with pytest.raises(CommandError):  # another municipality's plan is not found
        call_command(
            "report",
            "plan",
            "--municipality",
            world.b.slug,
            "--plan",
            str(plan.pk),
            "-o",
            tmp_path / "b.pdf",
        )


def test_the_form_saves_audits_and_a_new_version_copies(world: World, client: Client) -> None:
    plan = _draft(world)
    m1, m2, m3 = plan.measures.all()
    client.force_login(world.dave)
    page = f"/k/{world.a.slug}/plans/{plan.pk}/"
    answer = client.post(
        page,
        _post(
            action="document",
            effect_goals="Färre bränder.",
            proposed_decision="Att anta planen.",
            follow_up_plan="Varje tertial.",
            links=LINKS,
            budget_total="1 250 000",
            **{
                f"budget_{m1.pk}": "400 000",
                f"budget_{m2.pk}": "850000 kr",
                f"budget_{m3.pk}": "0",
            },
        ),
    )
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert (plan.effect_goals, plan.budget_total) == ("Färre bränder.", 1_250_000)
    assert plan.links[0] == {
        "kind": "Risk- och sårbarhetsanalys",
        "title": "RSA 2023–2026",
        "reference": "KS 2023/45",
    }
    assert [m.budget for m in plan.measures.all()] == [400_000, 850_000, 0]
    event = AuditEvent.objects.get(action=AuditAction.PLAN_DOCUMENT_CHANGED)
    assert event.changes["effect_goals"] == ["", "Färre bränder."]
    assert event.changes["budget_total"] == [None, 1_250_000]
    assert event.changes[f"budget {m2.title}"] == [None, 850_000]
    # The page shows the stored values back as the form writes them.
    assert "1\u00a0250\u00a0000" in client.get(page).content.decode()
    services.decide_plan(world.access(world.dave), plan, body="KS", on=date(2026, 11, 20))
    draft = services.new_plan_version(world.access(world.dave), plan)
    assert (draft.effect_goals, draft.budget_total, draft.links) == (
        plan.effect_goals,
        plan.budget_total,
        plan.links,
    )
    assert [m.budget for m in draft.measures.all()] == [400_000, 850_000, 0]
    assert (
        draft.follow_up_plan == "Varje tertial." and draft.proposed_decision == "Att anta planen."
    )


def test_the_form_is_refused_after_the_decision(world: World, client: Client) -> None:
    plan = _decided(world)
    before = list(ActionPlan.objects.filter(pk=plan.pk).values())
    budgets = list(Measure.objects.values_list("budget", flat=True))
    events = _events()
    client.force_login(world.dave)
    answer = client.post(
        f"/k/{world.a.slug}/plans/{plan.pk}/", _post(action="document", effect_goals="Ändrat")
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "starta en ny version av planen" in page
    # The decided plan's values are shown, not a form.
    assert "1\u00a0250\u00a0000\u00a0kr" in page and 'name="effect_goals"' not in page
    assert "Risk- och sårbarhetsanalys: RSA 2023–2026 (KS 2023/45)" in page
    assert list(ActionPlan.objects.filter(pk=plan.pk).values()) == before
    assert list(Measure.objects.values_list("budget", flat=True)) == budgets
    assert _events() == events
    with pytest.raises(ValidationError):
        services.save_plan_document(world.access(world.dave), plan, {"effect_goals": "Ändrat"})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("effect_goals", f"Ring {PNR} om bränderna.", "personnummer"),
        ("links", f"ANDTS-plan | Plan för {PNR}", "personnummer"),
        ("budget_total", "12,5", "hela kronor"),
        ("budget_total", "2 000 000 000", "hela kronor"),
        ("links", "Bara en titel utan typ", "Rad 1"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    world: World, client: Client, field: str, value: str, message: str
) -> None:
    plan = _draft(world)
    _fill(world, plan)
    before = list(ActionPlan.objects.filter(pk=plan.pk).values())
    budgets = list(Measure.objects.values_list("budget", flat=True))
    events = _events()
    m1 = plan.measures.first()
    assert m1 is not None
    client.force_login(world.dave)
    answer = client.post(
        f"/k/{world.a.slug}/plans/{plan.pk}/",
        _post(
            **{
                "action": "document",
                "effect_goals": "Nya mål",
                f"budget_{m1.pk}": "5",
                field: value,
            }
        ),
    )
    assert answer.status_code == 200
    body = answer.content.decode()
    assert message in body and "Ingenting sparades" in body
    assert list(ActionPlan.objects.filter(pk=plan.pk).values()) == before
    assert list(Measure.objects.values_list("budget", flat=True)) == budgets
    assert _events() == events


def test_an_outsider_gets_404(world: World, client: Client) -> None:
    plan = _draft(world)
    client.force_login(world.charlie)
    for fmt in ("pdf", "docx"):
        assert client.get(_url(world, plan, fmt)).status_code == 404
        assert client.get(f"/k/{world.b.slug}/plans/{plan.pk}/document.{fmt}").status_code == 404
