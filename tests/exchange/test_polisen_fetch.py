"""fetch-polisen against a recorded API answer served locally; the type → category mapping."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from samtrygg.exchange import police_types
from samtrygg.exchange.models import PoliceEvent, PoliceFetch
from samtrygg.exchange.polisen_fetch import FetchError, fetch_police_events
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")
RECORDED = (Path(__file__).parent / "data" / "polisen_api_response.json").read_bytes()


class _Polisen(BaseHTTPRequestHandler):
    body = RECORDED
    seen_agents: list[str] = []

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        type(self).seen_agents.append(self.headers.get("User-Agent", ""))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def polisen() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Polisen)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Polisen.body = RECORDED
    _Polisen.seen_agents = []
    yield f"http://127.0.0.1:{server.server_port}/api/events"
    server.shutdown()


def test_fetch_imports_new_events_once_and_identifies_itself(db: Any, polisen: str) -> None:
    out = StringIO()
    call_command("fetch_polisen", url=polisen, stdout=out)
    assert "15 polishändelser importerade, 0 fanns redan, 5 sammanfattningar" in out.getvalue()
    assert PoliceEvent.objects.count() == 15  # 20 minus five nightly summaries
    assert _Polisen.seen_agents and _Polisen.seen_agents[0].startswith("Samtrygg")
    # a second call within 10 s is refused without calling Polisen
    with pytest.raises(CommandError, match="10 sekunder"):
        call_command("fetch_polisen", url=polisen, stdout=StringIO())
    assert len(_Polisen.seen_agents) == 1
    PoliceFetch.objects.update(fetched_at=PoliceFetch.objects.first().fetched_at.replace(year=2025))
    fetch_police_events(polisen)
    assert PoliceEvent.objects.count() == 15  # idempotent on Polisen's id


def test_fetch_with_a_broken_answer_changes_nothing(db: Any, polisen: str) -> None:
    _Polisen.body = b'[{"id": 1, "datetime": "i morgon"'
    with pytest.raises(CommandError, match="Inget importerades"):
        call_command("fetch_polisen", url=polisen, stdout=StringIO())
    assert not PoliceEvent.objects.exists()
    assert PoliceFetch.objects.get().ok is False


def test_fetch_when_polisen_does_not_answer(db: Any) -> None:
    with pytest.raises(FetchError, match="svarade inte"):
        fetch_police_events("http://127.0.0.1:9/api/events")


def test_mapping_defaults_edits_and_counts(world: World, client: Client, polisen: str) -> None:
    halmstad = factories.municipality("Halmstad", scb_code="1380", slug="halmstad-test")
    seed_categories(halmstad)
    admin = factories.member(
        factories.organisation(halmstad, "Halmstads kommun"), 600, "h@example.se"
    )
    fetch_police_events(polisen)
    events = police_types.events_for(halmstad)
    assert events.exists() and not events.filter(location_name="Stockholm").exists()
    rows = {r["type"]: r for r in police_types.type_rows(halmstad)}
    assert rows["Brand"]["category"].code == "brand"
    client.force_login(admin)
    url = f"/k/{halmstad.slug}/police-types/"
    page = client.get(url).content.decode()
    assert "Trafikolycka" in page or "Brand" in page
    klotter = Category.objects.get(municipality=halmstad, code="klotter")
    response = client.post(url, {"type-Brand": "", "type-Skadegörelse": str(klotter.pk)})
    assert response.status_code == 302
    mapping = police_types.mapping(halmstad)
    assert mapping["Brand"] is None and mapping["Skadegörelse"] == klotter
    counts = police_types.counts_by_category(halmstad, events)
    assert any(label.startswith("Polisen: ") for label in counts)
