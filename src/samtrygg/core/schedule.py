"""Scheduled jobs without a cron daemon: ``samtrygg scheduler`` (started by ``samtrygg serve``)
asks every minute which jobs are due and runs each once per period. A ``ScheduledRun`` row,
unique per job and period, is claimed before the job runs, so two schedulers never both run
it. ``samtrygg run-scheduled`` does one round (for cron or systemd timers)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduledRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    # The period the job is due for at this local time, or None when it is not due yet.
    period: Callable[[datetime], str | None]
    run: Callable[[datetime], dict[str, Any]]


def daily_at(hour: int) -> Callable[[datetime], str | None]:
    return lambda now: now.date().isoformat() if now.hour >= hour else None


def weekly_at(weekday: int, hour: int) -> Callable[[datetime], str | None]:
    """Once per ISO week, from the given weekday (Monday = 0) and hour on."""

    def period(now: datetime) -> str | None:
        if (now.weekday(), now.hour) < (weekday, hour):
            return None
        year, week, _day = now.isocalendar()
        return f"{year}-W{week:02d}"

    return period


def _jobs() -> list[Job]:
    from samtrygg.incidents.notifications import (
        send_missing_report_reminders,
        send_weekly_summaries,
    )
    from samtrygg.incidents.retention import apply_retention

    jobs = [
        Job("retention", daily_at(2), lambda now: apply_retention(now)),
        Job("weekly-reminders", weekly_at(0, 8), lambda now: send_missing_report_reminders(now)),
        Job("weekly-summaries", weekly_at(0, 8), lambda now: send_weekly_summaries(now)),
    ]
    jobs.append(Job("weekly-picture", hourly, _weekly_picture))
    jobs.append(Job("plan-reminders", weekly_at(0, 7), _plan_reminders))
    jobs.append(Job("job-files", daily_at(3), _clean_job_files))
    if settings.POLISEN_FETCH_HOURLY:
        jobs.append(Job("fetch-polisen", hourly, _fetch_polisen))
    return jobs


def hourly(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def _plan_reminders(now: datetime) -> dict[str, Any]:
    from samtrygg.plans.reminders import send_reminders

    return send_reminders(now)


def _clean_job_files(now: datetime) -> dict[str, Any]:
    """Background imports' and exports' results and files, after JOB_RETENTION_DAYS."""
    from samtrygg.exchange.jobs import clean_up

    return clean_up(now)


def _weekly_picture(now: datetime) -> dict[str, Any]:
    from samtrygg.situation.weekly_picture import send_due

    return send_due(now)


def _fetch_polisen(now: datetime) -> dict[str, Any]:
    from samtrygg.exchange.polisen_fetch import fetch_police_events

    result = fetch_police_events()
    return {"created": result.created, "already_there": result.already_there}


def run_due(now: datetime | None = None) -> list[str]:
    """Run every job that is due and has not run for its period; returns what ran."""
    now = timezone.localtime(now)
    ran = []
    for job in _jobs():
        period = job.period(now)
        if period is None:
            continue
        try:
            with transaction.atomic():
                claim = ScheduledRun.objects.create(job=job.name, period=period)
        except IntegrityError:
            continue  # already run (or running) for this period
        try:
            result = job.run(now)
        except Exception:
            log.exception("Scheduled job %s for %s failed", job.name, period)
            claim.delete()  # let the next round try again
            continue
        ScheduledRun.objects.filter(pk=claim.pk).update(result=result)
        ran.append(f"{job.name} {period}")
    return ran
