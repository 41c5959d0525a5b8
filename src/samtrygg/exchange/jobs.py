"""Large imports and exports as background jobs (run by ``samtrygg worker``), so that no request
comes near the web server's timeout.

A job's files live in ``DATA_DIR/jobs`` (private: never under MEDIA_ROOT, served only by
``views.job_download`` to the job's own user):

    <id>.source    the uploaded file of an import; deleted when the job ends
    <id>.<format>  the file an export produced, offered for download
    <id>.progress  JSON written while the job runs: {"rows", "total", "bytes", "size", "measure"}

Progress is a file, not a column: on SQLite the import holds the write lock for the whole file,
so a progress row could not be written (nor seen) until the import was over.

A task run again (after its worker died) never imports twice: the import runs in one
transaction, the job is marked done in that same transaction, and a job already done returns
at once. Jobs and their files older than ``JOB_RETENTION_DAYS`` are removed by the scheduled
clean-up (core/schedule.py).
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access, access_for
from samtrygg.tenancy.roles import Permission

from . import exports
from .incident_import import IncidentImportError, import_incidents
from .models import BackgroundJob, JobKind, JobStatus

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 0.5  # the progress file is written at most this often (besides per chunk)
FLAGGED_KEPT = 1000  # flagged rows listed in a job's result (all are counted)
EXPORT_PROGRESS_ROWS = 1000
PERMISSION = {
    JobKind.IMPORT: Permission.IMPORT_INCIDENTS,
    JobKind.EXPORT: Permission.REPORT_INCIDENTS,
}


def jobs_dir() -> Path:
    path = Path(settings.DATA_DIR) / "jobs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def job_file(job: BackgroundJob) -> Path | None:
    return jobs_dir() / job.file_name if job.file_name else None


def _private_file(path: Path) -> int:
    """A file descriptor for writing ``path`` afresh, readable by this user only."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


# ---- progress ---------------------------------------------------------------------------------


class Progress:
    """The progress file of one job, written atomically (a reader never sees half a file)."""

    def __init__(self, job_id: int, **values: Any) -> None:
        self.path = jobs_dir() / f"{job_id}.progress"
        self.values: dict[str, Any] = {"rows": 0, "total": 0, "bytes": 0, "size": 0, "measure": ""}
        self.values.update(values)
        self._written = 0.0

    def update(self, force: bool = False, **values: Any) -> None:
        self.values.update(values)
        now = time.monotonic()
        if not force and now - self._written < PROGRESS_SECONDS:
            return
        self._written = now
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(json.dumps(self.values))
        os.replace(partial, self.path)

    def rows(self, done: int, total: int) -> None:
        """The import's ``progress(done_rows, total)``: called once per chunk written."""
        self.update(force=True, rows=done, **({"total": total} if total else {}))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def read_progress(job: BackgroundJob) -> dict[str, Any]:
    """What the job's progress file says (empty before the job has started, and after it)."""
    try:
        values = json.loads((jobs_dir() / f"{job.pk}.progress").read_text())
    except (OSError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}


class _CountingReader(io.RawIOBase):
    """A file read through this reports how far into it the reading has come."""

    def __init__(self, raw: BinaryIO, report: Callable[[int], None]) -> None:
        super().__init__()
        self._raw = raw
        self._report = report

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._report(self._raw.tell())
        return len(data)


# ---- starting jobs (in the request) -----------------------------------------------------------


def start_import(
    access: Access,
    upload: UploadedFile,
    organisation: Organisation | None,
    dry_run: bool,
    confirm_flagged: bool,
) -> BackgroundJob:
    """Keep the uploaded file in the jobs folder and enqueue its import."""
    access.require(Permission.IMPORT_INCIDENTS)
    job = BackgroundJob.objects.create(
        municipality=access.municipality,
        user=access.user,
        kind=JobKind.IMPORT,
        params={
            "filename": (upload.name or "upload.csv")[:200],
            "organisation": organisation.pk if organisation else None,
            "dry_run": dry_run,
            "confirm_flagged": confirm_flagged,
            "size": upload.size,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    path = jobs_dir() / f"{job.pk}.source"
    try:
        with os.fdopen(_private_file(path), "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    except OSError:
        path.unlink(missing_ok=True)
        job.delete()
        raise
    job.file_name = path.name
    job.save(update_fields=["file_name"])
    _enqueue(job)
    return job


def start_export(access: Access, fmt: str, query: str) -> BackgroundJob:
    """Enqueue an export of the case list under these filters (the same one still waiting or
    running for this user is reused: reloading the export link does not start another)."""
    access.require(Permission.REPORT_INCIDENTS)
    waiting = BackgroundJob.objects.filter(
        municipality=access.municipality,
        user=access.user,
        kind=JobKind.EXPORT,
        status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
        params__format=fmt,
        params__query=query,
    ).first()
    if waiting is not None:
        return waiting
    job = BackgroundJob.objects.create(
        municipality=access.municipality,
        user=access.user,
        kind=JobKind.EXPORT,
        params={
            "format": fmt,
            "query": query,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    _enqueue(job)
    return job


def _enqueue(job: BackgroundJob) -> None:
    from .tasks import run_background_job

    job_id = job.pk
    transaction.on_commit(lambda: run_background_job.enqueue(job_id))


# ---- running jobs (in the worker) -------------------------------------------------------------


def run(job_id: int) -> None:
    """Run a job once: a job already done or failed (or removed) is left as it is."""
    job = BackgroundJob.objects.select_related("municipality", "user").filter(pk=job_id).first()
    if job is None or job.finished:
        return
    BackgroundJob.objects.filter(pk=job.pk).exclude(status__in=BackgroundJob.FINISHED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    progress = Progress(job.pk)
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            try:
                if job.kind == JobKind.IMPORT:
                    _run_import(job, progress)
                else:
                    _run_export(job, progress)
            except (Http404, PermissionDenied):
                _finish(job.pk, JobStatus.FAILED, {"errors": [_("You may no longer do this.")]})
            except Exception:
                log.exception("Background job %s failed", job.pk)
                _finish(
                    job.pk,
                    JobStatus.FAILED,
                    {
                        "errors": [
                            _(
                                "The job stopped because of an error in Samtrygg; nothing was "
                                "changed. Try again, or tell your administrator."
                            )
                        ]
                    },
                )
    finally:
        progress.remove()
        if job.kind == JobKind.IMPORT and (source := job_file(job)) is not None:
            source.unlink(missing_ok=True)


def _finish(job_id: int, status: JobStatus, result: dict[str, Any], **fields: Any) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=status, result=result, finished_at=timezone.now(), **fields
    )


def _access(job: BackgroundJob) -> Access:
    """The user's access now (not when the job was started): a member who lost the right in
    the meantime gets nothing."""
    access = access_for(job.user, job.municipality.slug)
    access.require(PERMISSION[JobKind(job.kind)])
    return access


def _run_import(job: BackgroundJob, progress: Progress) -> None:
    from samtrygg.tenancy.queries import organisations

    params = job.params
    access = _access(job)
    organisation = None
    if params.get("organisation"):
        organisation = (
            organisations(access).filter(is_active=True, pk=params["organisation"]).first()
        )
        if organisation is None:
            _finish(
                job.pk,
                JobStatus.FAILED,
                {"errors": [_("The organisation chosen for the import is no longer active.")]},
            )
            return
    source = job_file(job)
    if source is None:
        raise FileNotFoundError(f"job {job.pk} has no file")
    csv = not params["filename"].lower().endswith((".xlsx", ".geojson", ".json"))
    # For CSV, how far into the file the reading is says how far the import is; an XLSX or
    # GeoJSON file is not read front to back, so only its rows are shown.
    progress.update(force=True, size=params.get("size", 0), measure="bytes" if csv else "")
    with source.open("rb", buffering=0) as raw:
        reader = io.BufferedReader(
            _CountingReader(raw, lambda position: progress.update(bytes=position)),
            buffer_size=1 << 20,
        )
        try:
            with transaction.atomic():
                # Locked, then read again: of two runs of the same job, the second finds it done.
                if (
                    BackgroundJob.objects.select_for_update().filter(pk=job.pk).get().status
                    == JobStatus.DONE
                ):
                    return
                result = import_incidents(
                    reader,
                    params["filename"],
                    job.municipality,
                    organisation,
                    actor=job.user,
                    dry_run=bool(params.get("dry_run")),
                    confirm_flagged=bool(params.get("confirm_flagged")),
                    progress=progress.rows,
                )
                # In the import's transaction: done if and only if the rows are written.
                _finish(
                    job.pk,
                    JobStatus.DONE,
                    {
                        "rows": result.rows,
                        "created": result.created,
                        "skipped": result.skipped_existing,
                        "flagged": result.flagged[:FLAGGED_KEPT],
                        "flagged_total": len(result.flagged),
                    },
                )
        except IncidentImportError as error:
            _finish(
                job.pk,
                JobStatus.FAILED,
                {"errors": error.errors, "total": error.total or len(error.errors)},
            )


def _run_export(job: BackgroundJob, progress: Progress) -> None:
    from samtrygg.incidents.filters import IncidentFilterForm

    access = _access(job)
    fmt = job.params["format"]
    if fmt not in exports.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    # The same filters as the case list, checked again against what the user may see now.
    filters = IncidentFilterForm(access, QueryDict(job.params.get("query", "")) or None)
    if problems := filters.problems():
        _finish(
            job.pk,
            JobStatus.FAILED,
            {
                "errors": [
                    _("Nothing was exported: %(problems)s") % {"problems": " ".join(problems)}
                ]
            },
        )
        return
    rows = filters.rows()
    total = rows.count()
    progress.update(force=True, total=total, measure="" if fmt == "xlsx" else "rows")
    target = jobs_dir() / f"{job.pk}.{fmt}"
    partial = target.with_name(target.name + ".part")
    if fmt == "xlsx":
        with os.fdopen(_private_file(partial), "wb") as out:
            out.write(exports.xlsx_bytes(access, rows))
        written = total
    else:
        chunks = (
            exports.csv_lines(access, rows)
            if fmt == "csv"
            else exports.geojson_chunks(access, rows)
        )
        framing = 1 if fmt == "csv" else 2  # the header line; the collection's start and end
        made = 0  # chunks written: the rows and the framing
        with os.fdopen(_private_file(partial), "w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
                made += 1
                if made % EXPORT_PROGRESS_ROWS == 1:  # the header, then this many rows
                    progress.update(rows=made - 1)
        written = made - framing
    os.replace(partial, target)
    with transaction.atomic():
        if (
            BackgroundJob.objects.select_for_update().filter(pk=job.pk).get().status
            == JobStatus.DONE
        ):
            return
        # Logged when the file is made, with the rows it holds.
        exports.log_export(access, fmt, written, filters.query_string())
        _finish(job.pk, JobStatus.DONE, {"rows": written}, file_name=target.name)


# ---- clean-up (scheduled) ---------------------------------------------------------------------


def clean_up(now: datetime | None = None) -> dict[str, int]:
    """Remove jobs older than JOB_RETENTION_DAYS with their files (the results name rows of
    files and may quote their texts), and files in the jobs folder that belong to no job."""
    retention = timedelta(days=settings.JOB_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - retention
    folder = jobs_dir()
    old = list(BackgroundJob.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True))
    files = 0
    for pk in old:
        for path in folder.glob(f"{pk}.*"):
            path.unlink(missing_ok=True)
            files += 1
    BackgroundJob.objects.filter(pk__in=old).delete()
    known = {str(pk) for pk in BackgroundJob.objects.values_list("pk", flat=True)}
    # A file of no job (an upload cut short, a job removed by hand): by the file's own age, so
    # that the file of a job being created just now is left alone.
    stale = time.time() - retention.total_seconds()
    for path in folder.iterdir():
        if path.name.split(".", 1)[0] not in known:
            try:
                if path.stat().st_mtime < stale:
                    path.unlink()
                    files += 1
            except FileNotFoundError:
                continue
    return {"jobs": len(old), "files": files}
