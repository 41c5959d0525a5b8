from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import municipality_or_error


class Command(BaseCommand):
    help = (
        "Write the default Word template in the municipality's colour, to change in Word and "
        "upload on the page “Profil och dokumentmall” (documents/word_template.py)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True)
        parser.add_argument("-o", "--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        from samtrygg.documents import word_template
        from samtrygg.documents.branding import branding_for

        municipality = municipality_or_error(options["municipality"])
        content = word_template.default_template(branding_for(municipality))
        try:
            options["output"].write_bytes(content)
        except OSError as error:
            raise CommandError(_("Cannot write the file: %(error)s") % {"error": error}) from None
        self.stdout.write(
            _("%(file)s written (%(kb)d kB).")
            % {"file": options["output"], "kb": len(content) // 1024}
        )
