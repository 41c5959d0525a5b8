from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.core.management.helpers import municipality_or_error
from samtrygg.incidents.retention import Outcome, run_retention


class Command(BaseCommand):
    help = (
        "Gallring: remove the details of incidents older than each municipality's retention "
        "period (the scheduler does this every night). --dry-run lists what would go."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="change nothing; list what would be removed (the dry run is logged)",
        )
        parser.add_argument("--municipality", help="only this municipality (its short name)")

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = (
            [municipality_or_error(options["municipality"])] if options["municipality"] else None
        )
        for outcome in run_retention(dry_run=options["dry_run"], municipalities=chosen):
            self.stdout.write(self._summary(outcome))
            for reference in outcome.references:
                self.stdout.write(f"  {reference}")
        if options["dry_run"]:
            self.stdout.write(_("Nothing was changed (--dry-run)."))

    def _summary(self, outcome: Outcome) -> str:
        parts = [
            ngettext("%(n)d incident", "%(n)d incidents", outcome.incidents)
            % {"n": outcome.incidents},
            ngettext("%(n)d photo", "%(n)d photos", outcome.photos) % {"n": outcome.photos},
            ngettext("%(n)d comment", "%(n)d comments", outcome.comments) % {"n": outcome.comments},
            ngettext("%(n)d weekly report", "%(n)d weekly reports", outcome.weekly_reports)
            % {"n": outcome.weekly_reports},
        ]
        values = {
            "municipality": outcome.municipality.name,
            "cutoff": timezone.localtime(outcome.cutoff).strftime("%Y-%m-%d %H:%M"),
            "what": ", ".join(parts),
        }
        if outcome.dry_run:
            return _("%(municipality)s, before %(cutoff)s, would be cleared: %(what)s") % values
        return _("%(municipality)s, before %(cutoff)s, cleared: %(what)s") % values
