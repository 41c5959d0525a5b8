from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.exchange.polisen import PolisenFileError, import_police_events
from samtrygg.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Import Polisen's events (the API's JSON array, or JSON lines); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", help="only this municipality and its county")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(slug=options["municipality"]).first()
            if municipality is None:
                raise CommandError(
                    _("No municipality with the short name “%(slug)s”.")
                    % {"slug": options["municipality"]}
                )
        try:
            raw = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read the file: %(error)s") % {"error": error}) from None
        try:
            result = import_police_events(raw, municipality, actor="samtrygg import-polisen")
        except PolisenFileError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(
            _(
                "%(created)d police events imported, %(there)d were there already, "
                "%(summaries)d summaries skipped, %(elsewhere)d elsewhere."
            )
            % {
                "created": result.created,
                "there": result.already_there,
                "summaries": result.summaries,
                "elsewhere": result.elsewhere,
            }
        )
