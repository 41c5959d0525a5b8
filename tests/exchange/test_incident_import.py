"""Importing incidents: 10 000 rows with one bad one, the three formats, idempotence."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.exchange.incident_import import IncidentImportError, import_incidents
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, ReferenceCounter

from .. import factories
from ..conftest import World

HEADER = "external_id;category;occurred_at;lat;lon;description;severity;organisation"


pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def csv_rows(n: int, start: int = 0) -> list[str]:
    when = (timezone.localtime() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    rows = []
    for i in range(start, start + n):
        lat = factories.HALMSTAD_LAT + (i % 50) * 0.001
        lon = factories.HALMSTAD_LON + (i % 37) * 0.001
        rows.append(f"ext-{i};klotter;{when};{lat:.6f};{lon:.6f};Klotter nr {i};2;Alfa kommun")
    return rows


def test_ten_thousand_rows_with_one_bad_writes_nothing_and_names_row_and_column(
    seeded: World,
) -> None:
    rows = csv_rows(10_000)
    rows[6_789] = rows[6_789].replace(";2;", ";7;")  # severity 7, on file row 6 791
    raw = ("\ufeff" + "\n".join([HEADER, *rows])).encode()
    before = (Incident.objects.count(), AuditEvent.objects.count())
    with pytest.raises(IncidentImportError) as error:
        import_incidents(raw, "rader.csv", seeded.a)
    assert error.value.errors == ["Rad 6791, kolumn ”severity”: ”7” är inte 1, 2 eller 3"]
    assert (Incident.objects.count(), AuditEvent.objects.count()) == before
    assert not ReferenceCounter.objects.exists()


def test_import_then_again_adds_nothing(seeded: World) -> None:
    raw = "\n".join([HEADER, *csv_rows(300)]).encode()
    result = import_incidents(raw, "rader.csv", seeded.a)
    assert result.created == 300
    assert Incident.objects.filter(area=seeded.area).exists()
    references = sorted(Incident.objects.values_list("reference", flat=True))
    assert references[0].endswith("-000001") and references[-1].endswith("-000300")
    again = import_incidents(raw, "rader.csv", seeded.a)
    assert (again.created, again.skipped_existing) == (0, 300)
    assert Incident.objects.count() == 300
    assert AuditEvent.objects.filter(action=AuditAction.INCIDENTS_IMPORTED).count() == 2


def test_personal_identity_number_in_a_row_is_refused(seeded: World) -> None:
    rows = csv_rows(5)
    rows[2] = rows[2].replace("Klotter nr 2", "Mannen, 811218-9876, sprayade")
    with pytest.raises(IncidentImportError) as error:
        import_incidents("\n".join([HEADER, *rows]).encode(), "rader.csv", seeded.a)
    assert error.value.errors[0].startswith("Rad 4, kolumn ”description”: ett personnummer")
    assert Incident.objects.count() == 0


def test_many_kinds_of_error_at_once(seeded: World) -> None:
    future = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    raw = "\n".join(
        [
            HEADER,
            "a;okänd;2026-01-01 10:00;56.67;12.86;x;1;Alfa kommun",
            f"b;klotter;{future};56.67;12.86;x;1;Alfa kommun",
            "c;klotter;igår;56.67;12.86;x;1;Alfa kommun",
            "d;klotter;2026-01-01 10:00;59.33;18.06;x;1;Alfa kommun",
            "e;klotter;2026-01-01 10:00;56.67;;x;1;Alfa kommun",
            "a;klotter;2026-01-01 10:00;56.67;12.86;x;1;Okänd AB",
        ]
    ).encode()
    with pytest.raises(IncidentImportError) as error:
        import_incidents(raw, "fel.csv", seeded.a)
    text = "\n".join(error.value.errors)
    for expected in [
        "Rad 2, kolumn ”category”",
        "Rad 3, kolumn ”occurred_at”: Tiden ligger i framtiden",
        "Rad 4, kolumn ”occurred_at”: ”igår”",
        "Rad 5, kolumn ”lat”: platsen ligger",
        "Rad 6, kolumn ”lat”: ange både",
        "Rad 7, kolumn ”organisation”",
        "Rad 7, kolumn ”external_id”: ”a” finns också på rad 2",
    ]:
        assert expected in text, (expected, text)


def test_xlsx_and_geojson(seeded: World) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["External_ID", "Category", "Occurred_at", "x", "y", "Organisation"])
    sheet.append(
        [
            "x1",
            "Klotter",
            timezone.localtime().replace(tzinfo=None) - timedelta(days=1),
            369_000,
            6_283_000,
            "Alfa kommun",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_incidents(buffer.getvalue(), "rader.xlsx", seeded.a).created == 1
    incident = Incident.objects.get(external_id="x1")
    assert incident.lat is not None and 56 < incident.lat < 57  # SWEREF converted to WGS 84
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [12.86, 56.67]},
                "properties": {
                    "external_id": "g1",
                    "category": "brand",
                    "occurred_at": "2026-01-05 22:10",
                    "organisation": "Alfa kommun",
                },
            }
        ],
    }
    assert import_incidents(json.dumps(geojson).encode(), "h.geojson", seeded.a).created == 1


def test_command_dry_run_and_errors(seeded: World, tmp_path: Path) -> None:
    path = tmp_path / "rader.csv"
    path.write_text("\n".join([HEADER, *csv_rows(10)]), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_incidents", str(path), municipality=seeded.a.slug, dry_run=True, stdout=out
    )
    assert "Filen är korrekt: 10 rader" in out.getvalue() and Incident.objects.count() == 0
    call_command("import_incidents", str(path), municipality=seeded.a.slug, stdout=out)
    assert Incident.objects.count() == 10
    path.write_text(HEADER + "\nz;klotter;nej;56.67;12.86;x;1;Alfa kommun", encoding="utf-8")
    with pytest.raises(CommandError, match="Inget importerades"):
        call_command("import_incidents", str(path), municipality=seeded.a.slug)


class _CountingReader(io.BytesIO):
    """A file that remembers how far it has been read."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(raw)
        self.furthest = 0

    def read(self, size: int | None = -1) -> bytes:
        out = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return out

    def read1(self, size: int = -1) -> bytes:
        out = super().read1(size)
        self.furthest = max(self.furthest, self.tell())
        return out

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = super().readinto(buffer)
        self.furthest = max(self.furthest, self.tell())
        return n


def test_a_large_file_is_written_a_chunk_at_a_time(seeded: World, monkeypatch: Any) -> None:
    """The import streams: the first rows are written while most of the file is still unread,
    so its memory follows the chunk, not the file (bench/import_memory.py measures the whole:
    a 200 MB file within 300 MB extra). At most two chunks are in hand at once: the one being
    written and the next, checked meanwhile."""
    from samtrygg.exchange import incident_import

    chunk = 1000
    monkeypatch.setattr(incident_import, "CHUNK_ROWS", chunk)
    raw = "\n".join([HEADER, *csv_rows(10 * chunk)]).encode()
    source = _CountingReader(raw)
    read_at_each_write: list[int] = []

    def progress(done: int, total: int) -> None:
        read_at_each_write.append(source.furthest)

    result = import_incidents(source, "stor.csv", seeded.a, progress=progress)
    assert result.created == 10 * chunk
    assert len(read_at_each_write) == 10
    # Two chunks of ten, and the reader's read-ahead of a few kilobytes.
    assert read_at_each_write[0] < len(raw) * 0.25, (read_at_each_write[0], len(raw))
