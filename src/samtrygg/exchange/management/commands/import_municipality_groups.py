from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import read_bytes_or_error
from samtrygg.exchange.municipality_groups import describe, import_municipality_groups
from samtrygg.exchange.reference_stats import ReferenceImportError


class Command(BaseCommand):
    help = (
        "Import SKR's kommungruppsindelning (CSV or XLSX with the columns Kommunkod and "
        "Kommungrupp, the layout in exchange/municipality_groups.py); a municipality already "
        "there gets its new group."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source", default="SKR, kommungruppsindelning 2023", help="source text shown"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = read_bytes_or_error(options["file"])
        try:
            result = import_municipality_groups(
                raw, actor="samtrygg import-municipality-groups", source=options["source"]
            )
        except ReferenceImportError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(describe(result))
