"""Backups: one archive with the database, the media files and a manifest (restore.py reads it).

The archive is a tar file (``samtrygg backup``) holding

- the database: ``database.sqlite3``, a copy made with SQLite's online backup (consistent while
  the application runs), or ``database.pgdump``, pg_dump's custom format (one snapshot);
- ``media/…``: every file under MEDIA_ROOT (photos, minutes);
- ``manifest.json``, last: the format, Samtrygg's version, the database engine, the applied
  migrations, when it was made, and each file's size and SHA-256.

The archive is written beside its final name and renamed when complete, readable by its owner
only; the backup is written to the audit log.
"""

from __future__ import annotations

import getpass
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

import samtrygg
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record

FORMAT = "samtrygg-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the user (translated)."""


@dataclass
class BackupResult:
    path: Path
    size: int
    sha256: str
    vendor: str
    media_files: int
    media_bytes: int
    vanished: list[str] = field(default_factory=list)  # removed while the backup ran


@dataclass
class Manifest:
    data: dict[str, Any]

    @property
    def vendor(self) -> str:
        return str(self.data["database"]["vendor"])

    @property
    def database_file(self) -> str:
        return str(self.data["database"]["file"])

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["files"])

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.data["created_at"])

    @property
    def version(self) -> str:
        return str(self.data["samtrygg_version"])

    @property
    def migrations(self) -> set[tuple[str, str]]:
        return {(app, name) for app, names in self.data["migrations"].items() for name in names}


# What both directions share.


def database_vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(
            _(
                "Samtrygg cannot back up or restore a %(vendor)s database: only SQLite and "
                "PostgreSQL."
            )
            % {"vendor": connection.vendor}
        )
    return connection.vendor


def vendor_name(vendor: str) -> str:
    return VENDOR_NAMES.get(vendor, vendor)


def actor_label(command: str) -> str:
    try:
        return f"samtrygg {command} ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for this user id (a container)
        return f"samtrygg {command}"


def sha256_of(path: Path) -> str:
    with open(path, "rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def pg_program(name: str) -> str:
    """A PostgreSQL client program on PATH, or a message that says how to install it."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "The program %(program)s was not found (PATH). It comes with PostgreSQL's "
                "client programs: on Debian or Ubuntu, apt-get install postgresql-client (the "
                "same major version as the server, or newer)."
            )
            % {"program": name}
        )
    return found


# libpq's environment variables for the connection settings (no password on a command line).
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def _pg_environment() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    for option, variable in _PG_OPTIONS.items():
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return env


def run_pg(argv: list[str]) -> None:
    done = subprocess.run(  # noqa: S603 - a program found on PATH, arguments of our own
        argv,
        env=_pg_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": Path(argv[0]).name, "error": done.stderr.strip()}
        )


def sqlite_path() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


# Backup.


def default_output() -> Path:
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M%S")
    return Path(settings.DATA_DIR) / "backups" / f"samtrygg-{stamp}.tar"


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _dump_database(vendor: str, target: Path) -> None:
    if vendor == "sqlite":
        path = sqlite_path()
        if not path.is_file():
            raise BackupError(_("The database %(path)s does not exist.") % {"path": path})
        # The online backup copies one consistent state while others read and write.
        source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=20)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        except sqlite3.Error as error:
            raise BackupError(
                _("The SQLite database could not be copied: %(error)s") % {"error": error}
            ) from None
        finally:
            copy.close()
            source.close()
    else:
        run_pg([pg_program("pg_dump"), "--format=custom", f"--file={target}"])


def _media_files(root: Path) -> list[tuple[Path, str]]:
    """Every file under MEDIA_ROOT with its name in the archive, in a stable order."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            found.append((path, f"{MEDIA}/{path.relative_to(root).as_posix()}"))
    return found


class _HashingReader(io.RawIOBase):
    """A file read once: into the archive and into its SHA-256."""

    def __init__(self, source: BinaryIO) -> None:
        self.source, self.digest = source, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    """Add one file; its size and SHA-256 as written."""
    with open(path, "rb") as source:
        stat = os.fstat(source.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _HashingReader(source)
        tar.addfile(info, reader)
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def create_backup(output: Path | None = None) -> BackupResult:
    """Write the archive to ``output`` (a new file, readable by its owner only; by default a
    name with the time in DATA_DIR/backups) and log it."""
    vendor = database_vendor()
    if output is None:
        output = default_output()
        output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    output = output.absolute()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if output.exists():
        raise BackupError(
            _("The file %(path)s exists already: choose another name.") % {"path": output}
        )
    if output.is_relative_to(media_root):
        raise BackupError(
            _("A backup cannot be written into the media folder %(path)s.") % {"path": media_root}
        )
    if not output.parent.is_dir():
        raise BackupError(_("The folder %(path)s does not exist.") % {"path": output.parent})
    migrations = _applied_migrations()
    partial = output.with_name(f".{output.name}.partial")
    files: dict[str, dict[str, Any]] = {}
    vanished: list[str] = []
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".samtrygg-backup-") as work:
        dump = Path(work, DATABASE_FILES[vendor])
        created_at = timezone.now()  # the database's state is of this moment, or a little later
        _dump_database(vendor, dump)  # first: a photo added later only costs a spare file
        try:
            with (
                open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                files[dump.name] = _add_file(tar, dump, dump.name)
                for path, name in _media_files(media_root):
                    try:
                        files[name] = _add_file(tar, path, name)
                    except FileNotFoundError:  # removed (gallring) after the database copy
                        vanished.append(name)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "samtrygg_version": samtrygg.__version__,
                    "created_at": created_at.isoformat(),
                    "database": {"vendor": vendor, "file": dump.name},
                    "migrations": migrations,
                    "files": files,
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(created_at.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
                tar.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    media = [entry for name, entry in files.items() if name.startswith(f"{MEDIA}/")]
    result = BackupResult(
        path=output,
        size=output.stat().st_size,
        sha256=sha256_of(output),
        vendor=vendor,
        media_files=len(media),
        media_bytes=sum(entry["size"] for entry in media),
        vanished=vanished,
    )
    record(
        AuditAction.BACKUP_CREATED,
        actor=actor_label("backup"),
        object_repr=output.name,
        changes={
            "file": str(output),
            "size": result.size,
            "sha256": result.sha256,
            "database": vendor,
            "media_files": result.media_files,
            "created_at": created_at.isoformat(),
        },
    )
    return result
