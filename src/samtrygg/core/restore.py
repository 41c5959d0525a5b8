"""Restoring a backup (backup.py describes the archive).

``samtrygg restore`` reads the manifest first and refuses, before it changes anything, an archive
of another database engine, one made with migrations this code does not know, a database that
holds data (without ``force``) and any file that does not match its checksum. Then it replaces the
database (on PostgreSQL in one transaction), makes MEDIA_ROOT hold exactly the archive's files,
runs the migrations the backup lacks, and writes the restore to the audit log.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.audit.services import record
from samtrygg.core.backup import (
    DATABASE_FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA,
    BackupError,
    Manifest,
    actor_label,
    database_vendor,
    pg_program,
    run_pg,
    sha256_of,
    sqlite_path,
    vendor_name,
)

CHUNK = 1024 * 1024


@dataclass
class RestoreResult:
    path: Path
    manifest: Manifest
    replaced: dict[str, int]  # what the database held before, by kind
    media_written: int = 0
    media_unchanged: int = 0
    media_removed: int = 0
    migrations_applied: int = 0


def _damaged(path: Path, detail: str) -> BackupError:
    return BackupError(
        _("%(path)s is damaged or not a Samtrygg backup: %(detail)s")
        % {"path": path, "detail": detail}
    )


def _media_name(name: str) -> PurePosixPath | None:
    """The path under MEDIA_ROOT of an archive name ``media/…``; None for any other name. A name
    that could leave MEDIA_ROOT is refused."""
    if not name.startswith(f"{MEDIA}/"):
        return None
    relative = PurePosixPath(name[len(MEDIA) + 1 :])
    if not relative.parts or relative.is_absolute() or ".." in relative.parts or "\\" in name:
        raise BackupError(_("The backup holds an unsafe file name: %(name)s") % {"name": name})
    return relative


def read_manifest(path: Path) -> Manifest:
    """The archive's manifest, checked for its format and its names (not yet the contents)."""
    try:
        with tarfile.open(path, "r:*") as tar:
            member = tar.getmember(MANIFEST)
            stream = tar.extractfile(member)
            if stream is None:
                raise KeyError(MANIFEST)
            data = json.loads(stream.read())
    except KeyError:
        raise _damaged(path, _("it has no manifest")) from None
    except tarfile.ReadError:
        raise _damaged(path, _("it is not a tar archive")) from None
    except (OSError, tarfile.TarError, ValueError) as error:
        raise _damaged(path, str(error)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _damaged(path, _("it has no manifest"))
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("The backup has format version %(found)s; this Samtrygg reads version %(known)s.")
            % {"found": data.get("format_version"), "known": FORMAT_VERSION}
        )
    manifest = Manifest(data)
    try:
        _check_manifest(manifest)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise _damaged(
            path, _("the manifest is incomplete (%(error)s)") % {"error": error}
        ) from None
    return manifest


def _check_manifest(manifest: Manifest) -> None:
    """Raises KeyError, TypeError or ValueError on a part that is missing or of the wrong kind."""
    database, files = manifest.database_file, manifest.files
    if DATABASE_FILES.get(manifest.vendor) != database or database not in files:
        raise ValueError(database)
    for name, entry in files.items():
        if name != database and _media_name(name) is None:
            raise ValueError(name)
        if not isinstance(entry["size"], int) or not isinstance(entry["sha256"], str):
            raise TypeError(name)
    if manifest.created_at.tzinfo is None:
        raise ValueError(manifest.data["created_at"])
    if not manifest.migrations:
        raise ValueError("migrations")


def _check_compatible(manifest: Manifest, vendor: str) -> None:
    if manifest.vendor != vendor:
        raise BackupError(
            _(
                "The backup holds a %(backup)s database, but this installation uses %(current)s. "
                "A backup is restored only onto the same database engine; nothing was changed."
            )
            % {"backup": vendor_name(manifest.vendor), "current": vendor_name(vendor)}
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(manifest.migrations - known)
    if unknown:
        raise BackupError(
            _(
                "The backup was made by Samtrygg %(version)s with migrations this version does "
                "not know (%(migrations)s): install that version or a newer one, then restore."
            )
            % {
                "version": manifest.version,
                "migrations": ", ".join(f"{app}.{name}" for app, name in unknown[:5]),
            }
        )


def database_contents() -> dict[str, int]:
    """How many users, municipalities, incidents and audit events the database holds (a table
    that does not exist yet holds none)."""
    from samtrygg.incidents.models import Incident
    from samtrygg.tenancy.models import Municipality, User

    tables = set(connection.introspection.table_names())
    models: dict[str, Any] = {
        "municipalities": Municipality,
        "users": User,
        "incidents": Incident,
        "audit_events": AuditEvent,
    }
    return {
        kind: model.objects.count() if model._meta.db_table in tables else 0
        for kind, model in models.items()
    }


def describe_contents(counts: dict[str, int]) -> str:
    words = {
        "municipalities": lambda n: ngettext("%(n)d municipality", "%(n)d municipalities", n),
        "users": lambda n: ngettext("%(n)d user", "%(n)d users", n),
        "incidents": lambda n: ngettext("%(n)d incident", "%(n)d incidents", n),
        "audit_events": lambda n: ngettext(
            "%(n)d event in the audit log", "%(n)d events in the audit log", n
        ),
    }
    return ", ".join(words[kind](n) % {"n": n} for kind, n in counts.items() if n)


def _extract_verified(path: Path, manifest: Manifest, staging: Path) -> None:
    """Every file of the archive into ``staging``, each checked against the manifest."""
    expected = manifest.files
    seen: set[str] = set()
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or member.name in seen or not member.isfile():
                    raise _damaged(path, _("unexpected entry %(name)s") % {"name": member.name})
                seen.add(member.name)
                target = staging.joinpath(*PurePosixPath(member.name).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None  # noqa: S101 - a regular file
                digest, size = hashlib.sha256(), 0
                with open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                os.utime(target, (member.mtime, member.mtime))
                entry = expected[member.name]
                if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                    raise _damaged(
                        path,
                        _("%(name)s does not match its checksum") % {"name": member.name},
                    )
    except (OSError, tarfile.TarError) as error:
        raise _damaged(path, str(error)) from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise _damaged(path, _("%(name)s is missing") % {"name": missing[0]})


def _restore_sqlite(dump: Path) -> None:
    target_path = sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{dump.as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=20)
    try:
        # Page by page under SQLite's locks: readers of the live database see the old state or
        # the new one, never a mix.
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(
            _(
                "The SQLite database could not be replaced (%(error)s): stop the web server and "
                "the workers, then restore again."
            )
            % {"error": error}
        ) from None
    finally:
        target.close()
        source.close()


# Drops every table and sequence of the schema, so that the database holds exactly the dump's
# tables afterwards (also those a newer migration would have added).
_PG_EMPTY = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', current_schema(), r.tablename);
  END LOOP;
  FOR r IN SELECT sequence_name FROM information_schema.sequences
           WHERE sequence_schema = current_schema() LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', current_schema(), r.sequence_name);
  END LOOP;
END $$;
"""


def _restore_postgresql(dump: Path) -> None:
    pg_restore, psql = pg_program("pg_restore"), pg_program("psql")
    script, empty = dump.with_suffix(".sql"), dump.with_name("empty.sql")
    empty.write_text(_PG_EMPTY)
    # The dump as SQL, then one transaction that empties the database and loads it: a restore
    # that fails leaves the database as it was.
    run_pg([pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(dump)])
    run_pg(
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--file={empty}",
            f"--file={script}",
        ]
    )


def _same_file(path: Path, entry: dict[str, Any]) -> bool:
    return (
        path.is_file()
        and path.stat().st_size == entry["size"]
        and sha256_of(path) == entry["sha256"]
    )


def _restore_media(manifest: Manifest, staging: Path, result: RestoreResult) -> None:
    """MEDIA_ROOT afterwards holds exactly the archive's files."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    wanted: set[Path] = set()
    for name, entry in manifest.files.items():
        relative = _media_name(name)
        if relative is None:
            continue
        target = root.joinpath(*relative.parts)
        wanted.add(target)
        if _same_file(target, entry):
            result.media_unchanged += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = staging.joinpath(*PurePosixPath(name).parts)
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copy2(staged, partial)  # beside the target, so that the replace is atomic
        os.replace(partial, target)
        result.media_written += 1
    for folder, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(folder, name)
            if path not in wanted:
                path.unlink()
                result.media_removed += 1
        if Path(folder) != root and not os.listdir(folder):
            os.rmdir(folder)


def _migrate() -> int:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)


def restore_backup(path: Path, *, force: bool = False) -> RestoreResult:
    """Replace the database and the media files with the archive's; see the module's text."""
    path = path.absolute()
    if not path.is_file():
        raise BackupError(_("The file %(path)s does not exist.") % {"path": path})
    vendor = database_vendor()
    manifest = read_manifest(path)
    _check_compatible(manifest, vendor)
    before = database_contents()
    if any(before.values()) and not force:
        raise BackupError(
            _(
                "The database holds data already (%(contents)s). A restore replaces all of it "
                "and the media files: run it again with --force if that is what you want."
            )
            % {"contents": describe_contents(before)}
        )
    if vendor == "postgresql":
        for program in ("pg_restore", "psql"):  # missing: say so before anything is unpacked
            pg_program(program)
    last = AuditEvent.objects.order_by("-id").first() if before["audit_events"] else None
    result = RestoreResult(path=path, manifest=manifest, replaced=before)
    media_root = Path(settings.MEDIA_ROOT).absolute()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".samtrygg-restore-") as work:
        staging = Path(work)
        _extract_verified(path, manifest, staging)
        dump = staging / manifest.database_file
        connections.close_all()
        if vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        _restore_media(manifest, staging, result)
    result.migrations_applied = _migrate()
    record(
        AuditAction.BACKUP_RESTORED,
        actor=actor_label("restore"),
        object_repr=path.name,
        changes={
            "file": str(path),
            "sha256": sha256_of(path),
            "backup_created_at": manifest.created_at.isoformat(),
            "samtrygg_version": manifest.version,
            "database": vendor,
            "forced": force,
            "replaced": before,
            # The events written between the backup and this restore are gone with the old
            # database; this says where the replaced log ended.
            "replaced_log_ended": {"id": last.pk, "at": last.at.isoformat()} if last else None,
            "media": {
                "written": result.media_written,
                "unchanged": result.media_unchanged,
                "removed": result.media_removed,
            },
            "migrations_applied": result.migrations_applied,
        },
    )
    return result
