"""Large imports and exports run as background jobs (issue 10, item 5): a file above the
threshold is imported by the task worker and its page shows progress and then the result (or
every error, as the synchronous page shows them); a large export is made by the worker and
downloaded by the user who asked for it only; a job is never run twice; old jobs are removed."""

from __future__ import annotations

import csv as csv_module
import io
import json
import os
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.core import schedule
from samtrygg.exchange import incident_import, jobs
from samtrygg.exchange.models import BackgroundJob, JobKind, JobStatus
from samtrygg.exchange.tasks import run_background_job
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, Source
from samtrygg.tenancy.models import Membership
from samtrygg.tenancy.roles import Role

from ..conftest import World
from ..incidents.test_incidents import report
from .test_import_upload import GOOD, LAT, LON, csv

pytestmark = pytest.mark.usefixtures("swedish")
BAD = csv(
    f"e1;klotter;2026-11-01 21:00;{LAT};{LON};Klotter på skolan",
    f"e2;finns-inte;2026-11-02 22:15;{LAT};{LON};Brand i container",
    f"e3;klotter;inte-en-tid;{LAT};{LON};Klotter igen",
)
# Without external ids: importing this twice would write its rows twice.
NO_IDS = csv(
    f";klotter;2026-11-01 21:00;{LAT};{LON};Klotter på skolan",
    f";brand;2026-11-02 22:15;{LAT};{LON};Brand i container",
)


@pytest.fixture(autouse=True)
def job_folder(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "jobs"


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def upload(client: Client, world: World, content: bytes, **extra: Any) -> Any:
    return client.post(
        f"/k/{world.a.slug}/import/",
        {"file": SimpleUploadedFile("a.csv", content), "organisation": world.a_org.pk, **extra},
    )


def errorbox(page: str) -> str:
    match = re.search(r'<div class="errorbox" role="alert">.*?</div>', page, re.S)
    assert match, page
    return match.group(0)


def text(page: str) -> str:
    """The page's text with tags and runs of blanks gone (numbers carry a no-break space)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("\xa0", " ")


# ---- import ------------------------------------------------------------------------------------


def test_a_large_file_is_imported_by_a_job_whose_page_shows_the_counts(
    seeded: World,
    client: Client,
    settings: Any,
    job_folder: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.IMPORT_BACKGROUND_BYTES = len(GOOD) - 1
    client.force_login(seeded.dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, seeded, GOOD)
    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/k/{seeded.a.slug}/jobs/{job.pk}/"
    assert (job.kind, job.status, job.user, job.municipality) == (
        JobKind.IMPORT,
        JobStatus.DONE,
        seeded.dave,
        seeded.a,
    )
    assert Incident.objects.filter(source=Source.IMPORT).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.INCIDENTS_IMPORTED).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "2 händelser importerade, 0 fanns redan." in page
    assert 'role="status"' in page and "hx-get" not in page  # finished: no more polling
    assert list(job_folder.iterdir()) == []  # the source and the progress file are gone


def test_a_file_at_the_threshold_is_still_imported_in_the_request(
    seeded: World, client: Client, settings: Any
) -> None:
    settings.IMPORT_BACKGROUND_BYTES = len(GOOD)
    client.force_login(seeded.dave)
    response = upload(client, seeded, GOOD)
    assert response["Location"] == f"/k/{seeded.a.slug}/import/"
    assert not BackgroundJob.objects.exists()
    assert Incident.objects.count() == 2


def test_a_job_with_errors_shows_every_error_as_the_page_does_and_writes_nothing(
    seeded: World, client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(seeded.dave)
    synchronous = errorbox(upload(client, seeded, BAD).content.decode())
    assert "Inget importerades" in synchronous
    assert "Rad 3, kolumn ”category”" in synchronous
    assert "Rad 4, kolumn ”occurred_at”" in synchronous

    settings.IMPORT_BACKGROUND_BYTES = 10
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, seeded, BAD)
    job = BackgroundJob.objects.get()
    assert job.status == JobStatus.FAILED and len(job.result["errors"]) == 2
    page = client.get(response["Location"]).content.decode()
    assert errorbox(page) == synchronous
    assert "Importen avslutades: inget importerades." in page
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.INCIDENTS_IMPORTED).exists()


def test_a_dry_run_job_checks_and_writes_nothing(
    seeded: World, client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_BACKGROUND_BYTES = 10
    client.force_login(seeded.dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, seeded, GOOD, dry_run="on")
    page = client.get(response["Location"]).content.decode()
    assert "Filen är korrekt: 2 rader, 0 redan importerade. Inget skrevs." in page
    assert not Incident.objects.exists()


def test_a_job_lists_the_flagged_rows_the_user_confirmed(
    seeded: World, client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    flagged = csv(
        f"e1;klotter;2026-11-01 21:00;{LAT};{LON};Klotter på skolan",
        f"e2;brand;2026-11-02 22:15;{LAT};{LON};Ring väktaren på 070-123 45 67",
    )
    settings.IMPORT_BACKGROUND_BYTES = 10
    client.force_login(seeded.dave)
    with django_capture_on_commit_callbacks(execute=True):
        refused = upload(client, seeded, flagged)
    assert "Rad 3, kolumn ”description”" in client.get(refused["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, seeded, flagged, confirm_flagged="on")
    page = text(client.get(response["Location"]).content.decode())
    assert "2 händelser importerade, 0 fanns redan." in page
    assert "1 text markerades som möjligen om en person; du bekräftade den." in page
    assert "Rad 3, kolumn ”description”" in page


def test_progress_is_written_beside_the_job_while_the_import_runs(
    seeded: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incident_import, "CHUNK_ROWS", 1)  # one chunk per row
    job = import_job(seeded, NO_IDS + b"\n" + NO_IDS.split(b"\n", 1)[1])
    seen: list[dict[str, Any]] = []
    update = jobs.Progress.update

    def spy(self: jobs.Progress, force: bool = False, **values: Any) -> None:
        update(self, force=True, **values)  # every update on disk, for the spy to read
        on_disk = jobs.read_progress(job)
        if on_disk:
            seen.append(on_disk)

    monkeypatch.setattr(jobs.Progress, "update", spy)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result["created"] == 4
    # Read from the file while the import's transaction was open: rows written, then the
    # whole file read.
    rows = [s["rows"] for s in seen]
    assert [r for i, r in enumerate(rows) if i == 0 or r != rows[i - 1]] == [0, 1, 2, 3, 4]
    assert seen[-1]["bytes"] == seen[-1]["size"] == job.params["size"]
    assert seen[0]["measure"] == "bytes"
    assert jobs.read_progress(job) == {}  # removed when the job ended


def test_the_job_page_shows_progress_and_polls_until_the_job_ends(
    seeded: World, client: Client
) -> None:
    job = import_job(seeded, GOOD)
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    jobs.Progress(job.pk).update(force=True, rows=20_000, bytes=1_500, size=2_000, measure="bytes")
    client.force_login(seeded.dave)
    url = f"/k/{seeded.a.slug}/jobs/{job.pk}/"
    page = client.get(url).content.decode()
    assert '<progress id="job-progress" max="100" value="75">' in page
    assert '<label for="job-progress">' in page
    assert "75 % av filen har lästs och kontrollerats." in text(page)
    assert "20 000 rader har skrivits." in text(page)
    assert f'hx-get="{url}?seen=running" hx-trigger="every 2s"' in page
    assert '<p class="job-status" role="status">' in page
    # The htmx request gets the fragment; the status text comes along only when it changed.
    same = client.get(url, {"seen": "running"}, headers={"HX-Request": "true"}).content.decode()
    assert same.lstrip().startswith('<div id="job-state"') and "hx-swap-oob" not in same
    changed = client.get(url, {"seen": "queued"}, headers={"HX-Request": "true"}).content.decode()
    assert '<span id="job-status-text" hx-swap-oob="true">Importen pågår' in changed
    jobs.run(job.pk)
    done = client.get(url, {"seen": "running"}, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in done and "hx-swap-oob" in done
    assert "2 händelser importerade" in done


def test_polling_the_job_page_does_not_write_the_session(seeded: World, client: Client) -> None:
    """While an import holds SQLite's write lock, a page that saved the session would wait."""
    job = import_job(seeded, GOOD)
    client.force_login(seeded.dave)
    url = f"/k/{seeded.a.slug}/jobs/{job.pk}/"
    client.get(url)  # the first visit may remember the municipality
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    writes = [q["sql"] for q in queries if re.match(r"\s*(UPDATE|INSERT|DELETE)", q["sql"], re.I)]
    assert writes == []


# ---- running once --------------------------------------------------------------------------------


def import_job(world: World, content: bytes, **params: Any) -> BackgroundJob:
    """An import job of dave's, queued with its file, not yet run."""
    job = BackgroundJob.objects.create(
        municipality=world.a,
        user=world.dave,
        kind=JobKind.IMPORT,
        params={
            "filename": "a.csv",
            "organisation": world.a_org.pk,
            "dry_run": False,
            "confirm_flagged": False,
            "size": len(content),
            "language": "sv",
            **params,
        },
        file_name="",
    )
    (jobs.jobs_dir() / f"{job.pk}.source").write_bytes(content)
    job.file_name = f"{job.pk}.source"
    job.save()
    return job


def test_a_job_already_done_is_not_run_again(seeded: World) -> None:
    job = import_job(seeded, NO_IDS)
    run_background_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and Incident.objects.count() == 2
    # The worker died after the import was committed, before the task was marked complete:
    # the task runs again (its file gone, as when the job ended).
    run_background_job.enqueue(job.pk)
    after = BackgroundJob.objects.get(pk=job.pk)
    assert (after.status, after.result, after.finished_at) == (
        JobStatus.DONE,
        job.result,
        job.finished_at,
    )
    assert Incident.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.INCIDENTS_IMPORTED).count() == 1


def test_a_second_run_that_finds_the_job_done_when_it_starts_writing_imports_nothing(
    seeded: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of one job at once: the one that gets the lock second finds the job done."""
    job = import_job(seeded, NO_IDS)
    update = jobs.Progress.update
    raced = []

    def the_other_run_finishes_first(self: jobs.Progress, **values: Any) -> None:
        if not raced:  # the first update, before the import's transaction
            raced.append(True)
            BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
        update(self, **values)

    monkeypatch.setattr(jobs.Progress, "update", the_other_run_finishes_first)
    jobs.run(job.pk)
    assert raced and not Incident.objects.exists()
    assert BackgroundJob.objects.get(pk=job.pk).status == JobStatus.DONE


def test_a_run_killed_midway_left_nothing_and_the_job_runs_again(seeded: World) -> None:
    job = import_job(seeded, NO_IDS)
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    jobs.run(job.pk)
    assert BackgroundJob.objects.get(pk=job.pk).status == JobStatus.DONE
    assert Incident.objects.count() == 2


def test_a_user_who_lost_the_right_to_import_gets_nothing_imported(seeded: World) -> None:
    job = import_job(seeded, GOOD)
    Membership.objects.filter(user=seeded.dave).update(role=Role.REPORTER)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result["errors"] == [
        "Du får inte längre göra detta."
    ]
    assert not Incident.objects.exists()
    assert not (jobs.jobs_dir() / f"{job.pk}.source").exists()


# ---- export --------------------------------------------------------------------------------------


@pytest.fixture
def incidents(seeded: World) -> list[Incident]:
    """Three klotter incidents and one fire of municipality A."""
    made = [report(seeded, seeded.bob, seeded.a_org) for _ in range(3)]
    report(seeded, seeded.bob, seeded.a_org, code="brand")
    return made


def exported_references(fmt: str, content: bytes) -> list[str]:
    if fmt == "csv":
        rows = csv_module.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
        return [row["reference"] for row in rows]
    if fmt == "geojson":
        return [f["properties"]["reference"] for f in json.loads(content)["features"]]
    sheet = load_workbook(io.BytesIO(content)).active
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_a_large_export_is_made_by_a_job_and_downloaded_with_the_filtered_rows(
    seeded: World,
    incidents: list[Incident],
    client: Client,
    settings: Any,
    fmt: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(seeded.dave)
    klotter = incidents[0].category_id
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            f"/k/{seeded.a.slug}/incidents/export.{fmt}", {"queue": "all", "category": klotter}
        )
    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/k/{seeded.a.slug}/jobs/{job.pk}/"
    assert job.kind == JobKind.EXPORT and job.status == JobStatus.DONE
    page = text(client.get(response["Location"]).content.decode())
    assert "Filen är klar: 3 rader." in page
    assert f"Hämta filen ({fmt.upper()}, 3 rader)" in page

    download = client.get(f"/k/{seeded.a.slug}/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "private, no-store"
    content = b"".join(download.streaming_content)
    assert sorted(exported_references(fmt, content)) == sorted(i.reference for i in incidents)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == seeded.dave
    assert event.changes == {
        "format": [None, fmt],
        "rows": [None, 3],
        "filters": [None, f"queue=all&category={klotter}"],
    }
    assert (jobs.jobs_dir() / f"{job.pk}.{fmt}").stat().st_mode & 0o077 == 0  # private


def test_a_small_export_stays_in_the_request(
    seeded: World, incidents: list[Incident], client: Client, settings: Any
) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 4
    client.force_login(seeded.dave)
    response = client.get(f"/k/{seeded.a.slug}/incidents/export.csv", {"queue": "all"})
    assert response.status_code == 200 and not BackgroundJob.objects.exists()


def test_reloading_the_export_link_reuses_the_waiting_job(
    seeded: World, incidents: list[Incident], client: Client, settings: Any
) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(seeded.dave)
    url = f"/k/{seeded.a.slug}/incidents/export.csv"
    first = client.get(url, {"queue": "all"})  # the task is enqueued at commit: not yet
    assert client.get(url, {"queue": "all"})["Location"] == first["Location"]
    assert client.get(url, {"queue": "new"})["Location"] != first["Location"]
    page = text(client.get(first["Location"]).content.decode())
    assert "Väntar på att bakgrundsarbetaren ska starta jobbet." in page


@pytest.mark.parametrize("outsider", ["bob", "carol", "charlie"])
def test_only_the_jobs_own_user_sees_its_page_and_file(
    seeded: World,
    incidents: list[Incident],
    client: Client,
    settings: Any,
    outsider: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(seeded.dave)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/k/{seeded.a.slug}/incidents/export.csv", {"queue": "all"})
    job = BackgroundJob.objects.get(status=JobStatus.DONE)
    paths = [f"jobs/{job.pk}/", f"jobs/{job.pk}/download/"]
    for path in paths:
        assert client.get(f"/k/{seeded.a.slug}/{path}").status_code == 200
    # bob: same organisation; carol: another organisation of A; charlie: municipality B (also
    # asking with his own municipality's address).
    client.force_login(getattr(seeded, outsider))
    for path in paths:
        assert client.get(f"/k/{seeded.a.slug}/{path}").status_code == 404
        assert client.get(f"/k/{seeded.b.slug}/{path}").status_code == 404


def test_an_unfinished_export_has_nothing_to_download(seeded: World, client: Client) -> None:
    job = BackgroundJob.objects.create(
        municipality=seeded.a,
        user=seeded.dave,
        kind=JobKind.EXPORT,
        status=JobStatus.RUNNING,
        params={"format": "csv", "query": ""},
        file_name="",
    )
    client.force_login(seeded.dave)
    assert client.get(f"/k/{seeded.a.slug}/jobs/{job.pk}/download/").status_code == 404


# ---- clean-up ------------------------------------------------------------------------------------


def test_old_jobs_and_their_files_are_removed_by_the_scheduled_clean_up(
    seeded: World, settings: Any
) -> None:
    settings.JOB_RETENTION_DAYS = 7
    old = import_job(seeded, GOOD)
    recent = import_job(seeded, GOOD)
    BackgroundJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    folder = jobs.jobs_dir()
    (folder / f"{old.pk}.csv").write_text("reference\n")
    stray_old, stray_new = folder / "99999.csv", folder / "99998.csv.part"
    stray_old.write_text("x")
    stray_new.write_text("x")
    # File times come from the real clock, not the suite's pinned one: set both by hand.
    eight_days_ago, just_now = time.time() - 8 * 86_400, time.time()
    os.utime(stray_old, (eight_days_ago, eight_days_ago))
    os.utime(stray_new, (just_now, just_now))
    assert "job-files" in [job.name for job in schedule._jobs()]
    assert jobs.clean_up() == {"jobs": 1, "files": 3}
    assert list(BackgroundJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{recent.pk}.source", stray_new.name]
    )
