from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from samtrygg.core.schedule import run_due


class Command(BaseCommand):
    help = "Run the scheduled jobs that are due (retention, reminders, summaries) once."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in run_due():
            self.stdout.write(f"ran {line}")
