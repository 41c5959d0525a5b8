"""Importing Polisen's events: the real half-year file, idempotence, county rows, bad files."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from samtrygg.exchange.models import PlacePrecision, PoliceEvent
from samtrygg.exchange.polisen import PolisenFileError, import_police_events, occurred_at
from samtrygg.tenancy.policy import access_for

from ..conftest import World

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polisen_events_2023H1.jsonl"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
needs_data = pytest.mark.skipif(not DATA.exists(), reason="shared/data is not beside the project")


pytestmark = pytest.mark.usefixtures("swedish")


def event(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": 1,
        "datetime": "2023-01-01 11:03:17 +01:00",
        "name": "01 januari 07:56, Brand, Halmstad",
        "summary": "Brand i container.",
        "url": "/aktuellt/x/",
        "type": "Brand",
        "location": {"name": "Halmstad", "gps": "56.674,12.857"},
    }
    return base | overrides


@needs_data
def test_real_file_imports_every_event_once(db: Any) -> None:
    lines = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    non_summary = [e for e in lines if not e["type"].startswith("Sammanfattning")]
    out = StringIO()
    call_command("import_polisen", str(DATA), stdout=out)
    assert PoliceEvent.objects.count() == len(non_summary) == 6736
    assert "6736 polishändelser importerade" in out.getvalue()
    counties = {e["id"] for e in non_summary if e["location"]["name"].endswith(" län")}
    assert (
        set(
            PoliceEvent.objects.filter(precision=PlacePrecision.COUNTY).values_list(
                "police_id", flat=True
            )
        )
        == counties
    )
    borlange = PoliceEvent.objects.filter(location_name="Borlänge").first()
    assert borlange is not None and borlange.municipality_code == "2081"  # not a county
    assert (
        PoliceEvent.objects.get(
            location_name="Upplands-bro",
            police_id=next(e["id"] for e in non_summary if e["location"]["name"] == "Upplands-bro"),
        ).municipality_code
        == "0139"
    )
    out = StringIO()
    call_command("import_polisen", str(DATA), stdout=out)  # again: nothing new
    assert PoliceEvent.objects.count() == 6736
    assert "0 polishändelser importerade, 6736 fanns redan" in out.getvalue()


@needs_data
def test_one_municipality_and_its_county(world: World) -> None:
    world.a.scb_code = "1380"  # Halmstad, in Hallands län (13)
    world.a.save()
    result = import_police_events(DATA.read_bytes(), world.a)
    codes = set(PoliceEvent.objects.values_list("municipality_code", "county_code"))
    assert codes <= {("1380", "13"), ("", "13")}
    assert result.created == PoliceEvent.objects.count() > 0
    visible = access_for(world.alice, world.a.slug).scope(PoliceEvent.objects.all())
    assert visible.count() == result.created


def test_occurred_time_from_the_title() -> None:
    published = datetime(2023, 1, 1, 11, 3, 17, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert occurred_at("01 januari 07:56, Brand, Halmstad", published) == datetime(
        2023, 1, 1, 7, 56, tzinfo=STOCKHOLM
    )
    # Published in January about a December event: the year before.
    assert occurred_at("31 december 23:40, Brand, Kalmar", published).year == 2022
    assert occurred_at("Okänd titel", published) is None


def test_malformed_file_changes_nothing(db: Any) -> None:
    good = json.dumps(event())
    with pytest.raises(PolisenFileError) as error:
        import_police_events(f"{good}\n{{not json\n")
    assert "Rad 2" in error.value.errors[0]
    with pytest.raises(PolisenFileError) as error:
        import_police_events(
            "\n".join(
                [
                    good,
                    json.dumps(event(id=2, location={"name": "Atlantis"})),
                    json.dumps({"id": 3}),
                ]
            )
        )
    assert any("”Atlantis” är varken en kommun eller ett län" in e for e in error.value.errors)
    assert any("Rad 3: fältet ”datetime” saknas" in e for e in error.value.errors)
    assert PoliceEvent.objects.count() == 0


def test_json_array_and_summaries(db: Any) -> None:
    raw = json.dumps(
        [
            event(),
            event(id=2, type="Sammanfattning natt"),
            event(id=3, location={"name": "Hallands län", "gps": "56.9,12.8"}),
        ]
    )
    result = import_police_events(raw)
    assert (result.created, result.summaries) == (2, 1)
    county_row = PoliceEvent.objects.get(police_id=3)
    assert county_row.precision == PlacePrecision.COUNTY and county_row.municipality_code == ""


def test_command_errors(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("{nope")
    with pytest.raises(CommandError, match="Inget importerades"):
        call_command("import_polisen", str(path))
    with pytest.raises(CommandError, match="Ingen kommun"):
        call_command("import_polisen", str(path), municipality="nowhere")
