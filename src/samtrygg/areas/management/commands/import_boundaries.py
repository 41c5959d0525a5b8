from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.areas.boundaries import LAYOUTS
from samtrygg.areas.services import AreaImportError, import_boundaries
from samtrygg.core.management.helpers import municipality_or_error


class Command(BaseCommand):
    help = (
        "Import SCB's DeSO or RegSO boundaries (GeoPackage in SWEREF 99 TM, or GeoJSON) of the "
        "municipality's kommun code as areas; areas are matched on their code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--kind", required=True, choices=sorted(LAYOUTS))
        parser.add_argument("--layer", help="the GeoPackage layer (default: the one with codes)")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_or_error(options["municipality"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("Cannot read the file: %(error)s") % {"error": path})
        try:
            result = import_boundaries(
                municipality,
                path,
                kind=options["kind"],
                actor="samtrygg import-boundaries",
                layer=options["layer"],
            )
        except AreaImportError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(
            ngettext(
                "%(created)d area created, %(updated)d updated in %(m)s.",
                "%(created)d areas created, %(updated)d updated in %(m)s.",
                result.created,
            )
            % {"created": result.created, "updated": result.updated, "m": municipality.name}
        )
        if result.missing:
            self.stdout.write(
                _("Not in the file (kept): %(names)s.") % {"names": ", ".join(result.missing)}
            )
