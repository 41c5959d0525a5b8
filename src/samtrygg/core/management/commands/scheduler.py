from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from samtrygg.core.schedule import run_due


class Command(BaseCommand):
    help = "Run due scheduled jobs every minute (started by `samtrygg serve`)."

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            close_old_connections()
            for line in run_due():
                self.stdout.write(f"ran {line}", ending="\n")
                self.stdout.flush()
            time.sleep(60)
