from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.areas.addresses import AddressFileError, import_addresses, read
from samtrygg.core.management.helpers import municipality_or_error


class Command(BaseCommand):
    help = (
        "Import the kommun's address register: Lantmäteriet's address points (GeoPackage) or "
        "an OpenStreetMap extract (.osm XML). Replaces the earlier register; addresses outside "
        "the kommun's boundary are left out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="the municipality's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_or_error(options["municipality"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("Cannot read the file: %(error)s") % {"error": path})
        try:
            result = import_addresses(municipality, read(path, municipality.scb_code))
        except AddressFileError as error:
            raise CommandError("\n".join(error.errors)) from None
        self.stdout.write(
            _("%(n)s addresses imported; %(outside)s outside the municipality left out.")
            % {"n": result.imported, "outside": result.outside}
        )
