"""Bookkeeping for scheduled jobs: which job has run for which period (so that several
schedulers, or a scheduler restarted, never run a job twice for the same period)."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    job = models.CharField(max_length=64)
    period = models.CharField(max_length=32)  # e.g. "2026-11-23" or "2026-W47"
    started_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="scheduled_run_once")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
