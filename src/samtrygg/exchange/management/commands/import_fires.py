from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import read_bytes_or_error
from samtrygg.exchange.reference_stats import ReferenceImportError
from samtrygg.exchange.surveys import describe_fires, import_fires


class Command(BaseCommand):
    help = (
        "Import fire statistics from MSB's IDA (CSV or XLSX, the layouts in "
        "exchange/surveys.py); figures already there are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source", default="MSB, räddningstjänstens insatser", help="source text shown"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = read_bytes_or_error(options["file"])
        try:
            result = import_fires(raw, actor="samtrygg import-fires", source=options["source"])
        except ReferenceImportError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(describe_fires(result))
