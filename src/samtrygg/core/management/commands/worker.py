"""``samtrygg worker``: django-tasks-db's ``db_worker``, made to stay up and to give back the work
of a worker that died.

- A heartbeat thread records the worker's ``Heartbeat`` every few seconds, also while a long
  task runs, for /healthz and for the other workers.
- On start and every minute, tasks still RUNNING on a worker that is gone are put back to READY:
  its process is no longer alive on this host (killed, crashed), or its heartbeat is older than
  ``TASKS_WORKER_LOST_AFTER`` seconds (another host). A task whose worker died
  ``MAX_ATTEMPTS`` times is marked FAILED instead: a task that kills its worker must not kill
  every worker in turn.
- A locked or lost database (``OperationalError``, e.g. SQLite's "database is locked") does not
  end the worker: it waits 1, 2, 4 … 30 s and tries again; recording a task's outcome is retried
  the same way, so a finished task is not left RUNNING.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from samtrygg.core.models import Heartbeat, SentMail, process_alive, this_host

logger = logging.getLogger("samtrygg.worker")

HEARTBEAT_SECONDS = 5.0  # how often a worker records that it lives
MAINTENANCE_SECONDS = 60.0  # how often it looks for tasks of lost workers
MAX_ATTEMPTS = 3  # a task whose worker died this often is failed, not run again
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0  # seconds to wait after a database error
KEEP_SENT_MAIL = timedelta(days=30)
KEEP_DEAD_HEARTBEATS = timedelta(days=1)


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker died MAX_ATTEMPTS times while running it."""


def _lost(
    task: DBTaskResult, beats: dict[str, Heartbeat], now: datetime, host: str, restarted: str
) -> bool:
    lost_before = now - timedelta(seconds=settings.TASKS_WORKER_LOST_AFTER)
    worker_id = task.worker_ids[-1] if task.worker_ids else None
    if worker_id and worker_id == restarted:
        return True  # an earlier process with the name of the worker that starts now
    beat = beats.get(worker_id) if worker_id else None
    if beat is None:  # no heartbeat recorded (e.g. a plain db_worker): only time tells
        return task.started_at is None or task.started_at < lost_before
    if beat.host == host and beat.pid != os.getpid() and not process_alive(beat.pid):
        return True  # its process is gone from this host
    return beat.beat_at < lost_before


def requeue_lost_tasks(now: datetime | None = None, restarted: str = "") -> list[str]:
    """Put tasks RUNNING on a worker that is gone back to READY (or FAILED after MAX_ATTEMPTS);
    returns the ids of the tasks given back. ``restarted``: the id of the worker that starts
    now, whose tasks were left by an earlier process of that id."""
    now = now or timezone.now()
    host = this_host()
    given_back = []
    with exclusive_transaction(DBTaskResult.objects.db):
        running = list(DBTaskResult.objects.running().only("id", "worker_ids", "started_at"))
        if not running:
            return []
        worker_ids = {t.worker_ids[-1] for t in running if t.worker_ids}
        beats = {b.process: b for b in Heartbeat.objects.filter(process__in=worker_ids)}
        for task in running:
            if not _lost(task, beats, now, host, restarted):
                continue
            given_back.append(str(task.id))
            if len(task.worker_ids) >= MAX_ATTEMPTS:
                logger.error("Task %s: its worker died %d times; failed", task.id, MAX_ATTEMPTS)
                DBTaskResult.objects.filter(pk=task.pk).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    return_value=None,
                    exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    traceback=f"WorkerLost: its worker died {len(task.worker_ids)} times\n",
                )
            else:
                logger.warning(
                    "Task %s: its worker %s is gone; run again", task.id, task.worker_ids
                )
                DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.READY)
    return given_back


def prune(now: datetime | None = None) -> None:
    """Forget e-mail markers of tasks long finished and heartbeats of processes long gone."""
    now = now or timezone.now()
    SentMail.objects.filter(sent_at__lt=now - KEEP_SENT_MAIL).delete()
    Heartbeat.objects.filter(beat_at__lt=now - KEEP_DEAD_HEARTBEATS).delete()


def _patient(record: Callable[..., None]) -> Callable[..., None]:
    """Retry recording a task's outcome while the database is locked or away (the task itself
    has run and must not run again)."""

    def patient(*args: Any, **kwargs: Any) -> None:
        delay = BACKOFF_FIRST
        for _attempt in range(10):  # about five minutes
            try:
                return record(*args, **kwargs)
            except (OperationalError, InterfaceError) as error:
                logger.warning(
                    "Recording a task's outcome failed (%s); again in %.0f s", error, delay
                )
                _close_connection()
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
        return record(*args, **kwargs)

    return patient


def _close_connection() -> None:
    try:
        connection.close()
    except Exception:  # a broken connection may fail to close; it is dropped all the same
        logger.debug("Closing the database connection failed", exc_info=True)


class SupervisedWorker(Worker):
    """db_worker's Worker with a heartbeat, lost-task recovery and database back-off."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stop = threading.Event()

    def _pulse(self) -> None:
        """The heartbeat thread (its own database connection)."""
        next_maintenance = time.monotonic() + MAINTENANCE_SECONDS
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                Heartbeat.beat(self.worker_id, Heartbeat.WORKER)
                if time.monotonic() >= next_maintenance:
                    requeue_lost_tasks()
                    prune()
                    next_maintenance = time.monotonic() + MAINTENANCE_SECONDS
            except Exception:  # a locked database now and then: beat again next time
                logger.warning("Heartbeat of worker %s failed", self.worker_id, exc_info=True)
                _close_connection()
            else:
                close_old_connections()

    def _start(self) -> None:
        """The first heartbeat and recovery, before any task is claimed."""
        requeue_lost_tasks(restarted=self.worker_id)
        Heartbeat.beat(self.worker_id, Heartbeat.WORKER, start=True)

    def run(self) -> None:
        delay = BACKOFF_FIRST
        pulse: threading.Thread | None = None
        try:
            while self.running:
                started = time.monotonic()
                try:
                    if pulse is None:
                        self._start()
                        pulse = threading.Thread(target=self._pulse, name="heartbeat", daemon=True)
                        pulse.start()
                    super().run()
                    return
                except (OperationalError, InterfaceError) as error:
                    if time.monotonic() - started > 10 * BACKOFF_MAX:
                        delay = BACKOFF_FIRST  # it had worked for a while
                    logger.warning("Database error (%s); trying again in %.0f s", error, delay)
                    _close_connection()
                    time.sleep(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
        finally:
            self._stop.set()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        for name in ("set_successful", "set_failed"):
            setattr(db_task_result, name, _patient(getattr(db_task_result, name)))
        super().run_task(db_task_result)


class Command(DbWorkerCommand):
    help = (
        "Run the background task worker (django-tasks-db's db_worker with a heartbeat, "
        "recovery of tasks whose worker died, and back-off on database errors)."
    )
    # No system checks at start: they import every URL and view (scipy and all, 2 s of CPU),
    # which a worker restarted by `serve` must not wait for. `samtrygg check` runs them.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        import django_tasks_db.management.commands.db_worker as db_worker

        # db_worker.Command.handle builds its Worker by this module-level name.
        original = db_worker.Worker
        db_worker.Worker = SupervisedWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original  # type: ignore[misc]
