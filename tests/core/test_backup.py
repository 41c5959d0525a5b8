"""`samtrygg backup` and `samtrygg restore`, end to end: the commands run as processes on a
temporary data directory (an SQLite file, or the PostgreSQL databases samtrygg_backup_src and
samtrygg_backup_dst on 127.0.0.1:5432), with a municipality, an incident and a photo; after a
restore the rows and the photo file are back exactly, and what came after the backup is gone."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from samtrygg.core.backup import BackupError
from samtrygg.core.restore import read_manifest

REPO = Path(__file__).resolve().parents[2]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PG_SOURCE, PG_TARGET = "samtrygg_backup_src", "samtrygg_backup_dst"

# Run in the site's process: a municipality with an organisation, an incident and its photo.
SEED = """
from datetime import datetime, UTC
from decimal import Decimal
from django.core.files.base import ContentFile
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category, Incident, IncidentPhoto
from tests import factories

place = factories.municipality("Backupkommun")
seed_categories(place)
incident = Incident.objects.create(
    municipality=place,
    reference="BK-1",
    category=Category.objects.get(municipality=place, code="klotter"),
    occurred_at=datetime(2025, 6, 1, 21, 30, tzinfo=UTC),
    lat=56.674, lon=12.857, x=674000.5, y=6283000.25,
    place_name="Stora torget", description="Klotter på muren, åäö ✓",
    severity=2, estimated_cost=Decimal("1234.50"),
    reporting_organisation=factories.organisation(place, "Fastighetsbolaget"),
)
photo = bytes(range(256)) * 40 + b"\\xff\\xd9"
IncidentPhoto.objects.create(
    incident=incident, image=ContentFile(photo, name="x.jpg"), width=40, height=30
)
"""

# Afterwards: the incident changed, the photo (row and file) gone, a new municipality, and a
# file in the media folder that no row names.
ALTER = """
from django.conf import settings
from samtrygg.incidents.models import Incident, IncidentPhoto
from tests import factories

Incident.objects.filter(reference="BK-1").update(description="ändrad", severity=3)
for photo in IncidentPhoto.objects.all():
    photo.image.delete(save=False)
    photo.delete()
factories.municipality("Senare", slug="senare", scb_code="0999")
(settings.MEDIA_ROOT / "photos" / "stray.jpg").write_bytes(b"not in the backup")
"""

# The state to compare, as JSON: every row of the data models, the media files with their
# checksums, and the audit log's actions.
STATE = """
import hashlib, json
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from samtrygg.audit.models import AuditEvent
from samtrygg.incidents.models import Category, Incident, IncidentPhoto
from samtrygg.tenancy.models import Municipality, Organisation

root = settings.MEDIA_ROOT
print(json.dumps({
    "rows": {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Municipality, Organisation, Category, Incident, IncidentPhoto)
    },
    "media": {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    },
    "audit": list(AuditEvent.objects.order_by("id").values_list("action", flat=True)),
}, cls=DjangoJSONEncoder, sort_keys=True))
"""


class Site:
    """A data directory (and a database) that the commands run on."""

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SAMTRYGG_", "PYTEST"))
        }
        self.env.pop("DATABASE_URL", None)
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "samtrygg.settings",
                "PYTHONPATH": str(REPO),  # the scripts use tests.factories
                "SAMTRYGG_DATA_DIR": str(data_dir),
                "SAMTRYGG_SECRET_KEY": "b" * 60,
            }
        )
        if database_url:
            self.env["DATABASE_URL"] = database_url

    def samtrygg(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "samtrygg.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert (done.returncode == 0) is ok, done.stdout + done.stderr
        return done

    def python(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.python(STATE)))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rewrite(archive: Path, target: Path, change: dict[str, bytes]) -> None:
    """A copy of the archive with some members' contents replaced (the manifest kept)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for member in source:
            stream = source.extractfile(member)
            data = change.get(member.name, stream.read() if stream else b"")
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))


def test_sqlite_round_trip(tmp_path: Path) -> None:
    site = Site(tmp_path / "var")
    site.samtrygg("migrate", "--no-input", "-v", "0")
    site.python(SEED)
    original = site.state()
    assert len(original["rows"]["Incident"]) == len(original["rows"]["IncidentPhoto"]) == 1
    [photo_name] = original["media"]

    archive = tmp_path / "kopia.tar"
    made = site.samtrygg("backup", "--output", str(archive))
    assert "Säkerhetskopian är skriven" in made.stdout
    assert "1 mediefil" in made.stdout
    assert archive.stat().st_mode & 0o077 == 0  # readable by its owner only
    manifest = read_manifest(archive)
    assert manifest.vendor == "sqlite"
    assert set(manifest.files) == {"database.sqlite3", f"media/{photo_name}"}
    assert ("incidents", "0001_initial") in manifest.migrations
    assert site.state()["audit"][-1] == "backup.created"
    # Without --output: a name with the time, in the data directory.
    site.samtrygg("backup")
    assert len(list((site.data_dir / "backups").glob("samtrygg-*.tar"))) == 1

    site.python(ALTER)
    altered = site.state()
    assert altered["rows"] != original["rows"] and altered["media"] == {
        "photos/stray.jpg": _sha256(site.data_dir / "media" / "photos" / "stray.jpg")
    }

    # The database holds data: no restore without --force, and nothing changes.
    refused = site.samtrygg("restore", str(archive), ok=False)
    assert "Databasen innehåller redan data" in refused.stderr
    assert "2 kommuner" in refused.stderr and "--force" in refused.stderr
    # A photo that does not match its checksum: refused before anything changes.
    damaged = tmp_path / "skadad.tar"
    _rewrite(archive, damaged, {f"media/{photo_name}": b"something else"})
    refused = site.samtrygg("restore", "--force", str(damaged), ok=False)
    assert "stämmer inte med sin kontrollsumma" in refused.stderr
    assert site.state() == altered

    restored = site.samtrygg("restore", "--force", str(archive))
    assert "Återställde" in restored.stdout
    assert "2 kommuner" in restored.stdout  # what it replaced
    assert "1 återställd" in restored.stdout and "1 som inte fanns i kopian togs bort" in (
        restored.stdout
    )
    after = site.state()
    assert after["rows"] == original["rows"]
    assert after["media"] == original["media"]  # the photo is back, the stray file gone
    # The log as it was at the backup, and the restore itself.
    assert after["audit"] == [*original["audit"], "backup.restored"]


def _postgres() -> Any:
    """A connection to the PostgreSQL server, or a skip that says what is missing."""
    missing = [name for name in ("pg_dump", "pg_restore", "psql") if shutil.which(name) is None]
    if missing:
        pytest.skip(
            f"POSTGRESQL CLIENT MISSING: {', '.join(missing)} not on PATH "
            "(apt-get install postgresql-client)"
        )
    import psycopg

    try:
        return psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True, **PG)
    except psycopg.OperationalError as error:
        pytest.skip(f"POSTGRESQL UNREACHABLE on {PG['host']}:{PG['port']}: {error}")


def test_postgresql_round_trip_onto_another_database(tmp_path: Path) -> None:
    server = _postgres()
    url = "postgres://{user}@{host}:{port}/{{}}".format(**PG)
    with server:
        for name in (PG_SOURCE, PG_TARGET):
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{name}"')
    try:
        source = Site(tmp_path / "source", url.format(PG_SOURCE))
        source.samtrygg("migrate", "--no-input", "-v", "0")
        source.python(SEED)
        original = source.state()
        archive = tmp_path / "pg.tar"
        source.samtrygg("backup", "--output", str(archive))
        assert read_manifest(archive).vendor == "postgresql"

        # Onto SQLite: refused, and no database is made.
        sqlite = Site(tmp_path / "sqlite")
        refused = sqlite.samtrygg("restore", str(archive), ok=False)
        assert "PostgreSQL-databas" in refused.stderr and "SQLite" in refused.stderr
        assert not (sqlite.data_dir / "samtrygg.sqlite3").exists()

        # Onto an empty database elsewhere (a new server): no --force needed.
        target = Site(tmp_path / "target", url.format(PG_TARGET))
        restored = target.samtrygg("restore", str(archive))
        assert "var tom" in restored.stdout
        after = target.state()
        assert after["rows"] == original["rows"]
        assert after["media"] == original["media"]
        assert after["audit"] == [*original["audit"], "backup.restored"]
        # Again, over the data it now holds: with --force only.
        assert "--force" in target.samtrygg("restore", str(archive), ok=False).stderr
        target.samtrygg("restore", "--force", str(archive))
        again = target.state()
        assert (again["rows"], again["media"]) == (original["rows"], original["media"])
    finally:
        with _postgres() as server:
            for name in (PG_SOURCE, PG_TARGET):
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_an_unsafe_name_in_the_manifest_is_refused(tmp_path: Path, swedish: None) -> None:
    manifest = {
        "format": "samtrygg-backup",
        "format_version": 1,
        "samtrygg_version": "0.1.0",
        "created_at": "2026-11-25T09:00:00+00:00",
        "database": {"vendor": "sqlite", "file": "database.sqlite3"},
        "migrations": {"incidents": ["0001_initial"]},
        "files": {
            "database.sqlite3": {"size": 1, "sha256": "0" * 64},
            "media/../../etc/cron.d/x": {"size": 1, "sha256": "0" * 64},
        },
    }
    archive = _archive(tmp_path / "a.tar", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(BackupError, match="osäkert filnamn"):
        read_manifest(archive)


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path, swedish: None) -> None:
    text = tmp_path / "text.tar"
    text.write_text("no archive")
    with pytest.raises(BackupError, match="inget tar-arkiv"):
        read_manifest(text)
    with pytest.raises(BackupError, match="saknar manifest"):
        read_manifest(_archive(tmp_path / "b.tar", {"database.sqlite3": b"x"}))
