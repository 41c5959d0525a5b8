from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.areas.models import AreaKind
from samtrygg.areas.services import AreaImportError, import_areas
from samtrygg.core.management.helpers import municipality_or_error, read_bytes_or_error


class Command(BaseCommand):
    help = "Import area polygons (GeoJSON in WGS 84 or SWEREF 99 TM) into a municipality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--kind", required=True, choices=AreaKind.values)
        parser.add_argument(
            "--crs",
            choices=["EPSG:4326", "EPSG:3006"],
            help="override the file's coordinate system (default: detect)",
        )
        parser.add_argument("--name-field")
        parser.add_argument("--code-field")
        parser.add_argument("--population-field")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_or_error(options["municipality"])
        raw = read_bytes_or_error(options["file"])
        try:
            result = import_areas(
                municipality,
                raw,
                kind=options["kind"],
                actor="samtrygg import-areas",
                crs=options["crs"],
                name_field=options["name_field"],
                code_field=options["code_field"],
                population_field=options["population_field"],
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
