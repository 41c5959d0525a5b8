"""A background job's page in Chromium: accessible, the progress bar refreshed by htmx under the
strict CSP, and the result swapped in when the job ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from samtrygg.exchange import jobs
from samtrygg.exchange.models import BackgroundJob, JobStatus
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident

from ..conftest import World
from ..exchange.test_jobs import GOOD, import_job
from .test_pages import assert_clean, log_in


@pytest.fixture(autouse=True)
def job_folder(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def test_the_job_page_shows_progress_then_the_result(world: World, new_page: Any) -> None:
    seed_categories(world.a)
    job = import_job(world, GOOD)
    job.user = world.alice
    job.save()
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    jobs.Progress(job.pk).update(force=True, rows=0, bytes=60, size=len(GOOD), measure="bytes")
    page = new_page()
    log_in(page, "alice@example.se")
    page.goto(f"/k/{world.a.slug}/jobs/{job.pk}/")
    bar = page.get_by_role("progressbar", name="Importens förlopp")
    assert bar.get_attribute("value") == str(100 * 60 // len(GOOD))
    assert page.get_by_role("status").inner_text().startswith("Importen pågår")
    assert_clean(page)
    jobs.run(job.pk)  # the worker finishes; the page sees it at its next poll
    page.get_by_role("status").filter(has_text="2 händelser importerade").wait_for()
    assert page.get_by_role("progressbar").count() == 0
    assert Incident.objects.count() == 2
    assert_clean(page)
