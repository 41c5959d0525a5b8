from __future__ import annotations

import socket
from typing import Any

from django.core.management.base import BaseCommand

from samtrygg.core.models import Heartbeat
from samtrygg.core.schedule import run_due


class Command(BaseCommand):
    help = "Run the scheduled jobs that are due (retention, reminders, summaries) once."

    def handle(self, *args: Any, **options: Any) -> None:
        # From cron, this stands for the scheduler in /healthz.
        Heartbeat.beat(
            f"run-scheduled {socket.gethostname()[:40]}", Heartbeat.SCHEDULER, start=True
        )
        for line in run_due():
            self.stdout.write(f"ran {line}")
