from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.core.backup import BackupError, vendor_name
from samtrygg.core.restore import describe_contents, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a `samtrygg backup` archive: checks it, then replaces the database and the "
        "media files. Stop the web server and the workers first (docs/operations.md, Backups)."
    )
    requires_system_checks: list[str] = []  # the database may be empty or older than the code

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive written by `samtrygg backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that holds data (all of it, and the media files)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_backup(options["file"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(
            _("Restored %(path)s: the backup made %(created)s by Samtrygg %(version)s.")
            % {
                "path": result.path,
                "created": timezone.localtime(manifest.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                "version": manifest.version,
            }
        )
        replaced = describe_contents(result.replaced)
        if replaced:
            self.stdout.write(
                _("The %(vendor)s database was replaced; it held %(contents)s.")
                % {"vendor": vendor_name(manifest.vendor), "contents": replaced}
            )
        else:
            self.stdout.write(
                _("The %(vendor)s database was empty and now holds the backup's data.")
                % {"vendor": vendor_name(manifest.vendor)}
            )
        self.stdout.write(
            _("Media files: %(written)s, %(unchanged)s, %(removed)s.")
            % {
                "written": ngettext("%(n)d restored", "%(n)d restored", result.media_written)
                % {"n": result.media_written},
                "unchanged": ngettext(
                    "%(n)d already as in the backup",
                    "%(n)d already as in the backup",
                    result.media_unchanged,
                )
                % {"n": result.media_unchanged},
                "removed": ngettext(
                    "%(n)d not in the backup removed",
                    "%(n)d not in the backup removed",
                    result.media_removed,
                )
                % {"n": result.media_removed},
            }
        )
        if result.migrations_applied:
            self.stdout.write(
                ngettext(
                    "%(n)d migration the backup lacked was applied.",
                    "%(n)d migrations the backup lacked were applied.",
                    result.migrations_applied,
                )
                % {"n": result.migrations_applied}
            )
        self.stdout.write(_("The restore is written to the audit log."))
