"""An effect evaluation as a document (issue 13, item 2): downloadable from the evaluation page
as PDF and Word for every member who may read the page, 404 for an outsider; the two renderings
say the same words in the same order, the PDF is tagged PDF/UA-1, the kommun is the author and
the numbers are written the Swedish way."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.documents import evaluation as evaluation_document
from samtrygg.plans.models import Evaluation

from ..conftest import World
from ..documents.text import (
    assert_same_words,
    pdf_metadata,
    pdf_ua_failures,
    word_lines,
    word_metadata,
)

pytestmark = pytest.mark.usefixtures("swedish")

CONCLUSION = (
    "Händelserna i Centrum minskade med 38 % jämfört med Hamnen. Skillnaden är statistiskt "
    "säker (p = 0,012)."
)


def _evaluation(world: World, **results: Any) -> Evaluation:
    return Evaluation.objects.create(
        municipality=world.a,
        title="Belysning i Centrum",
        conclusion=CONCLUSION,
        inputs={
            "series": {
                "treated": [["2026-01", 14], ["2026-02", 12], ["2026-07", 6]],
                "control": [["2026-01", 9], ["2026-02", 10], ["2026-07", 11]],
            },
            "category_names": ["Skadegörelse", "Klotter"],
            "treated": "Centrum",
            "control": "Hamnen",
            "buffer_m": 300,
            "before": ["2026-01-01", "2026-03-31"],
            "after": ["2026-06-01", "2026-08-31"],
            "counts": {
                "treated": {"before": 1240.0, "after": 760.0},
                "control": {"before": 930.0, "after": 1010.0},
                "buffer": {"before": 120.0, "after": 118.0},
            },
        },
        results={
            "wdq": {"wdq": 0.0412, "total_net_effect": 561.34},
            "wdd": {"wdd": -561.3, "ci_low": -700.56, "ci_high": -420.1, "p": 0.0004},
            "res": {"res": 1.7712, "ci_low": 1.51, "ci_high": 2.08, "p": 0.0001},
            "did": {
                "rate_ratio": 0.5623,
                "ci_low": 0.41,
                "ci_high": 0.77,
                "p": 0.012,
                "pre_trend_p": 0.03,
            },
            **results,
        },
    )


def test_the_evaluation_as_pdf_and_word(world: World, client: Client) -> None:
    evaluation = _evaluation(world)
    client.force_login(world.bob)  # a reporter: every member may read the evaluation
    page = client.get(f"/k/{world.a.slug}/evaluations/{evaluation.pk}/").content.decode()
    base = f"/k/{world.a.slug}/evaluations/{evaluation.pk}/document"
    assert f'href="{base}.pdf"' in page and f'href="{base}.docx"' in page
    pdf, docx = client.get(f"{base}.pdf"), client.get(f"{base}.docx")
    assert pdf.status_code == docx.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    document = evaluation_document.document(evaluation)
    assert_same_words(pdf.content, docx.content, document)
    assert pdf_ua_failures(pdf.content) == []
    lines = word_lines(docx.content)
    assert lines[:2] == [world.a.name, "Belysning i Centrum"]
    for heading in (
        "Resultat",
        "Åtgärden",
        "Upplägg och jämförelse",
        "Händelser före och efter",
        "Effektmått",
        "Händelser per månad",
        "Förbehåll",
    ):
        assert heading in lines, heading
    assert lines.index("Resultat") < lines.index("Förbehåll")
    assert CONCLUSION in lines
    assert "Utvärderingen är inte kopplad till någon åtgärd." in lines
    assert "Före: 1 januari–31 mars 2026. Efter: 1 juni–31 augusti 2026." in lines
    # The counts and the measures the Swedish way: grouping, decimal comma, p-values.
    counts = lines[lines.index("Händelser före och efter") :]
    assert counts[4:7] == ["Åtgärdsområde: Centrum", "1 240", "760"]
    assert "Buffertzon 300 m" in counts
    assert "0,04 (total nettoeffekt: 561,3)" in lines
    assert "-561,3 (95 % konfidensintervall -700,6–-420,1, p < 0,001)" in lines
    assert any(line.startswith("kvot 0,56 (0,41–0,77, p = 0,012)") for line in lines)
    assert "Områdena följde inte varandra före åtgärden: läs resultatet med försiktighet." in lines
    for metadata in (word_metadata(docx.content), pdf_metadata(pdf.content)):
        assert metadata["author"] == world.a.name
        assert metadata["subject"] == "Utvärdering"
        assert metadata["title"] == "Belysning i Centrum"
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(evaluation.pk))
    assert sorted(e.changes["format"][-1] for e in exports) == ["docx", "pdf"]


def test_an_evaluation_without_the_model_says_so(world: World) -> None:
    evaluation = _evaluation(world, did=None)
    sections = {s.heading: s for s in evaluation_document.document(evaluation).sections}
    assert ["Skillnad i skillnader (DiD)", "för få månader för modellen"] in sections[
        "Effektmått"
    ].rows
    assert "För få månader för modellen skillnad i skillnader." in sections["Förbehåll"].bullets


def test_an_outsider_gets_404(world: World, client: Client) -> None:
    evaluation = _evaluation(world)
    client.force_login(world.charlie)
    for fmt in ("pdf", "docx"):
        url = f"/k/{world.a.slug}/evaluations/{evaluation.pk}/document.{fmt}"
        assert client.get(url).status_code == 404
        other = f"/k/{world.b.slug}/evaluations/{evaluation.pk}/document.{fmt}"
        assert client.get(other).status_code == 404
