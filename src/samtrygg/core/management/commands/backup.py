from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.core.backup import BackupError, create_backup, vendor_name


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite's online backup or pg_dump) and the media files into one "
        "archive with a manifest; safe while Samtrygg runs (docs/operations.md, Backups)."
    )
    requires_system_checks: list[str] = []  # a backup must not wait for a settings warning

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="the archive to write (a new file); default: "
            "$SAMTRYGG_DATA_DIR/backups/samtrygg-<date>-<time>.tar",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = create_backup(options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Backup written: %(path)s (%(size)s)")
            % {"path": result.path, "size": filesizeformat(result.size)}
        )
        self.stdout.write(
            ngettext(
                "It holds the %(vendor)s database and %(n)d media file (%(size)s).",
                "It holds the %(vendor)s database and %(n)d media files (%(size)s).",
                result.media_files,
            )
            % {
                "vendor": vendor_name(result.vendor),
                "n": result.media_files,
                "size": filesizeformat(result.media_bytes),
            }
        )
        if result.vanished:
            self.stdout.write(
                ngettext(
                    "%(n)d media file was removed while the backup ran and is not in it.",
                    "%(n)d media files were removed while the backup ran and are not in it.",
                    len(result.vanished),
                )
                % {"n": len(result.vanished)}
            )
        self.stdout.write(_("SHA-256: %(sha256)s") % {"sha256": result.sha256})
