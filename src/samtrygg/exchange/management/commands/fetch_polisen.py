from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import municipality_or_error
from samtrygg.exchange.polisen import PolisenFileError, describe
from samtrygg.exchange.polisen_fetch import FetchError, fetch_police_events


class Command(BaseCommand):
    help = "Fetch Polisen's latest events from its open API and import the new ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", help="only this municipality and its county")
        parser.add_argument("--url", help="the API address (default: settings.POLISEN_API_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = None
        if options["municipality"]:
            municipality = municipality_or_error(options["municipality"])
        try:
            result = fetch_police_events(options["url"], municipality)
        except FetchError as error:
            raise CommandError(str(error)) from None
        except PolisenFileError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(describe(result))
