from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import municipality_or_error


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = (
        "Render a document: `report situation` is the statutory lägesbild (4 §), "
        "`report council` the report to kommunfullmäktige (13 §), `report tertial` and "
        "`report quarter` the analysis of a finished tertial or quarter for the strategic group, "
        "`report plan` the åtgärdsplan as a decision document (5 §; the newest decided plan "
        "unless --plan is given; PDF or Word by the output file's suffix)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["situation", "council", "tertial", "quarter", "plan"])
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--from", dest="first", help="YYYY-MM-DD (situation)")
        parser.add_argument("--to", dest="last", help="YYYY-MM-DD (situation)")
        parser.add_argument("--year", type=int, help="tertial, quarter")
        parser.add_argument("--number", type=int, help="tertial 1–3, quarter 1–4")
        parser.add_argument("--plan", type=int, help="plan: the plan's id")
        parser.add_argument(
            "--format",
            choices=["pdf", "docx"],
            default=None,
            help=_("PDF or Word; by default what the output file's name ends in (.docx or .pdf)."),
        )
        parser.add_argument("-o", "--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        from samtrygg.documents.situation_report import data_for_period, docx_bytes, pdf_bytes

        municipality = municipality_or_error(options["municipality"])
        fmt = options["format"] = options["format"] or (
            "docx" if options["output"].suffix.lower() == ".docx" else "pdf"
        )
        if options["kind"] == "plan":
            self._plan(municipality, options)
            return
        if options["kind"] == "council":
            from samtrygg.documents import council_report

            make = council_report.pdf_bytes if fmt == "pdf" else council_report.docx_bytes
            content = make(council_report.for_municipality(municipality))
            options["output"].write_bytes(content)
            self.stdout.write(
                _("%(file)s written (%(kb)d kB).")
                % {"file": options["output"], "kb": len(content) // 1024}
            )
            return
        if options["kind"] in ("tertial", "quarter"):
            self._analysis(municipality, options)
            return
        if not options["first"] or not options["last"]:
            raise CommandError(_("Give the period with --from and --to."))
        first, last = _date(options["first"]), _date(options["last"])
        if last < first:
            raise CommandError(_("The period ends before it begins."))
        data = data_for_period(municipality, first, last)
        content = pdf_bytes(data) if options["format"] == "pdf" else docx_bytes(data)
        options["output"].write_bytes(content)
        self.stdout.write(
            _("%(file)s written (%(kb)d kB).")
            % {"file": options["output"], "kb": len(content) // 1024}
        )

    def _analysis(self, municipality: Any, options: dict[str, Any]) -> None:
        from django.core.exceptions import ValidationError

        from samtrygg.documents import period_analysis

        if options["year"] is None or options["number"] is None:
            raise CommandError(_("Give the period with --year and --number."))
        try:
            data = period_analysis.data_for_period(
                municipality, options["kind"], options["year"], options["number"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        make = (
            period_analysis.pdf_bytes if options["format"] == "pdf" else period_analysis.docx_bytes
        )
        content = make(data)
        options["output"].write_bytes(content)
        self.stdout.write(
            _("%(file)s written (%(kb)d kB).")
            % {"file": options["output"], "kb": len(content) // 1024}
        )

    def _plan(self, municipality: Any, options: dict[str, Any]) -> None:
        from samtrygg.documents import action_plan
        from samtrygg.plans.models import ActionPlan, PlanStatus

        suffix = options["output"].suffix.lower()
        if suffix not in (".pdf", ".docx"):
            raise CommandError(_("Name the output file .pdf or .docx."))
        plans = ActionPlan.objects.filter(municipality=municipality)
        if options["plan"] is not None:
            plan = plans.filter(pk=options["plan"]).first()
        else:
            plan = (
                plans.exclude(status=PlanStatus.DRAFT)
                .order_by("-decision_date", "-version", "-pk")
                .first()
            )
        if plan is None:
            raise CommandError(
                _("No such plan in %(municipality)s.") % {"municipality": municipality.name}
                if options["plan"] is not None
                else _("%(municipality)s has no decided plan: give one with --plan.")
                % {"municipality": municipality.name}
            )
        make = action_plan.pdf_bytes if suffix == ".pdf" else action_plan.docx_bytes
        content = make(plan)
        options["output"].write_bytes(content)
        self.stdout.write(
            _("%(file)s written (%(kb)d kB).")
            % {"file": options["output"], "kb": len(content) // 1024}
        )
