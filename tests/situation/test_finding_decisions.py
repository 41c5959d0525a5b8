"""Issue 14, item 10: decisions on several findings of a lägesbild at once and "Accept all",
each audited as one decision, in one transaction (one refused decision: nothing written)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.situation import services
from samtrygg.situation.models import ReportFinding, SituationReport

from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")


def _report(world: World, title: str = "Lägesbild") -> SituationReport:
    today = timezone.localdate()
    report = services.create_report(
        world.access(world.alice), title=title, first=today - timedelta(days=365), last=today
    )
    start = report.findings.count()
    ReportFinding.objects.bulk_create(
        ReportFinding(report=report, kind="test", generated_text=f"Iakttagelse {n}.", order=n)
        for n in range(start, start + 4)
    )
    return report


@pytest.fixture
def report(world: World) -> SituationReport:
    return _report(world)


def decision_events() -> list[int]:
    return sorted(
        e.changes["finding"][1]
        for e in AuditEvent.objects.filter(action=AuditAction.SITUATION_REPORT_CHANGED)
        if "finding" in e.changes
    )


def url(world: World, report: SituationReport) -> str:
    return f"/k/{world.a.slug}/lagesbild/{report.pk}/"


def test_accept_all_on_the_page(world: World, report: SituationReport, client: Client) -> None:
    findings = list(report.findings.all())
    kept = findings[0]
    services.decide_finding(world.access(world.alice), kept, "edited", "Egen text.")
    client.force_login(world.alice)
    page = client.get(url(world, report)).content.decode()
    assert "Godta alla" in page and f'id="choose-{kept.pk}"' in page
    answer = client.post(url(world, report), {"action": "accept_all"}, follow=True)
    assert f"Beslut registrerat för {len(findings) - 1} iakttagelser." in answer.content.decode()
    decided = {f.pk: f.decision for f in report.findings.all()}
    assert decided.pop(kept.pk) == "edited"  # a decided finding stays as it was
    assert set(decided.values()) == {"accepted"}
    # one event per finding (the edit, then each acceptance)
    assert decision_events() == sorted(f.pk for f in findings)


def test_chosen_findings_get_one_decision(
    world: World, report: SituationReport, client: Client
) -> None:
    first, second, *rest = list(report.findings.all())
    client.force_login(world.alice)
    client.post(
        url(world, report),
        {"action": "findings", "chosen": [first.pk, second.pk], "decision": "dropped"},
    )
    assert {f.pk: f.decision for f in report.findings.all()} == {
        first.pk: "dropped",
        second.pk: "dropped",
        **{f.pk: "proposed" for f in rest},
    }
    assert decision_events() == sorted([first.pk, second.pk])


def test_one_bad_choice_changes_nothing(
    world: World, report: SituationReport, client: Client
) -> None:
    other = _report(world, "En annan").findings.first()
    assert other is not None
    first = report.findings.first()
    assert first is not None
    client.force_login(world.alice)
    answer = client.post(
        url(world, report),
        {"action": "findings", "chosen": [first.pk, other.pk], "decision": "accepted"},
        follow=True,
    )
    assert "Välj en iakttagelse." in answer.content.decode()
    answer = client.post(
        url(world, report),
        {"action": "findings", "chosen": [first.pk], "decision": "edited"},
        follow=True,
    )
    assert "Välj godta eller stryk för de valda iakttagelserna." in answer.content.decode()
    # the service: the second decision is refused, so the first is not written either
    second = report.findings.exclude(pk=first.pk).first()
    with pytest.raises(ValidationError):
        services.decide_findings(
            world.access(world.alice), report, [(first, "accepted"), (second, "maybe")]
        )
    assert set(report.findings.values_list("decision", flat=True)) == {"proposed"}
    assert decision_events() == []


def test_others_may_not_decide(world: World, report: SituationReport) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.accept_all_findings(world.access(world.bob), report)
    assert set(report.findings.values_list("decision", flat=True)) == {"proposed"}
