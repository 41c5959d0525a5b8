"""Background work for imports and exports (runs in `samtrygg worker`; at once in tests)."""

from __future__ import annotations

from django.tasks import task


@task()
def run_background_job(job_id: int) -> None:
    """A large import or export (exchange/jobs.py); a job already done is not run again."""
    from .jobs import run

    run(job_id)
