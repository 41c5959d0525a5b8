from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import municipality_or_error
from samtrygg.exchange.incident_import import IncidentImportError, import_incidents
from samtrygg.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Import incidents from CSV, XLSX or GeoJSON: all rows or none; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--organisation", help="reporting organisation for rows without one")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--confirm-flagged",
            action="store_true",
            help="import rows whose text was flagged (not refused)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_or_error(options["municipality"])
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(
                municipality=municipality, name__iexact=options["organisation"]
            ).first()
            if organisation is None:
                raise CommandError(
                    _("No organisation called “%(name)s” in %(m)s.")
                    % {"name": options["organisation"], "m": municipality.name}
                )
        try:  # read a chunk at a time by the import, never whole
            source = options["file"].open("rb")  # noqa: SIM115  (closed below)
        except OSError as error:
            raise CommandError(_("Cannot read the file: %(error)s") % {"error": error}) from None

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(
                    f"\r{done}" + (f"/{total} ({100 * done // total} %)" if total else ""),
                    end="",
                    file=sys.stderr,
                    flush=True,
                )

        try:
            result = import_incidents(
                source,
                options["file"].name,
                municipality,
                organisation,
                actor="samtrygg import-incidents",
                dry_run=options["dry_run"],
                confirm_flagged=options["confirm_flagged"],
                progress=progress,
            )
        except IncidentImportError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        finally:
            source.close()
        if options["dry_run"]:
            self.stdout.write(
                _(
                    "The file is correct: %(n)d rows, %(skipped)d already imported. "
                    "Nothing was written (--dry-run)."
                )
                % {"n": result.rows, "skipped": result.skipped_existing}
            )
            return
        self.stdout.write(
            _("%(created)d incidents imported, %(skipped)d were there already.")
            % {"created": result.created, "skipped": result.skipped_existing}
        )
