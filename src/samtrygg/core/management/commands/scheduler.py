from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from samtrygg.core.models import Heartbeat
from samtrygg.core.schedule import run_due

log = logging.getLogger(__name__)
TICK_SECONDS = 60


class Command(BaseCommand):
    help = "Run due scheduled jobs every minute (started by `samtrygg serve`)."
    requires_system_checks: list[str] = []  # as the task worker: a quick start (`check` runs them)

    def handle(self, *args: Any, **options: Any) -> None:
        name = f"scheduler {socket.gethostname()[:40]} {os.getpid()}"
        state = {"busy": False, "stopping": False}

        def stop(signum: int, frame: FrameType | None) -> None:
            # SIGTERM or Ctrl+C: at once between ticks, else when the running jobs are done.
            state["stopping"] = True
            if not state["busy"]:
                raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        first = True
        while not state["stopping"]:
            close_old_connections()
            state["busy"] = True
            try:
                # The heartbeat /healthz reads: written at each tick, before the jobs.
                Heartbeat.beat(name, Heartbeat.SCHEDULER, start=first)
                first = False
                for line in run_due():
                    self.stdout.write(f"ran {line}", ending="\n")
                    self.stdout.flush()
            except Exception:  # e.g. a locked database: try again at the next tick
                log.exception("Scheduler tick failed")
            finally:
                state["busy"] = False
            if not state["stopping"]:
                time.sleep(TICK_SECONDS)
