from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import municipality_or_error, read_bytes_or_error
from samtrygg.exchange.polisen import PolisenFileError, describe, import_police_events


class Command(BaseCommand):
    help = "Import Polisen's events (the API's JSON array, or JSON lines); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", help="only this municipality and its county")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = None
        if options["municipality"]:
            municipality = municipality_or_error(options["municipality"])
        raw = read_bytes_or_error(options["file"])
        try:
            result = import_police_events(raw, municipality, actor="samtrygg import-polisen")
        except PolisenFileError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(describe(result))
