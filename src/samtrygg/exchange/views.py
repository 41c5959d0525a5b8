"""Import of incident files in the browser (coordinators): the same checked, all-or-nothing,
idempotent import as ``samtrygg import-incidents``; a large file becomes a background job
(exchange/jobs.py), whose page shows its progress and result and offers an export's file."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from . import exports, jobs
from .incident_import import IncidentImportError, import_incidents
from .models import BackgroundJob, JobKind, JobStatus

MAX_IMPORT_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV, XLSX or GeoJSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.geojson,.json"}),
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Reported by (for rows without an organisation column)"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file, write nothing"), required=False
    )
    confirm_flagged = forms.BooleanField(
        label=gettext_lazy("I have checked the flagged texts: they are not about persons"),
        required=False,
    )

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from samtrygg.tenancy.queries import organisations

        self.fields["organisation"].queryset = (  # type: ignore[attr-defined]
            organisations(access).filter(is_active=True).order_by("name")
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


@municipality_view(Permission.IMPORT_INCIDENTS)
def import_page(request: HttpRequest, access: Access) -> HttpResponse:
    form = ImportForm(access, request.POST or None, request.FILES or None)
    errors: list[str] = []
    total = 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_BACKGROUND_BYTES:
            # A large file is imported by the task worker; its page shows the progress.
            job = jobs.start_import(
                access,
                upload,
                form.cleaned_data["organisation"],
                dry_run=form.cleaned_data["dry_run"],
                confirm_flagged=form.cleaned_data["confirm_flagged"],
            )
            return redirect("job_detail", municipality=access.municipality.slug, job_id=job.pk)
        try:
            result = import_incidents(
                upload.file,  # read a chunk at a time
                upload.name,
                access.municipality,
                form.cleaned_data["organisation"],
                actor=access.user,
                dry_run=form.cleaned_data["dry_run"],
                confirm_flagged=form.cleaned_data["confirm_flagged"],
            )
        except IncidentImportError as error:
            errors, total = error.errors, error.total
        else:
            if form.cleaned_data["dry_run"]:
                messages.success(
                    request,
                    _(
                        "The file is correct: %(n)d rows, %(skipped)d already imported. "
                        "Nothing was written."
                    )
                    % {"n": result.rows, "skipped": result.skipped_existing},
                )
            else:
                messages.success(
                    request,
                    _("%(created)d incidents imported, %(skipped)d were there already.")
                    % {"created": result.created, "skipped": result.skipped_existing},
                )
            return redirect("import_page", municipality=access.municipality.slug)
    return render(
        request,
        "exchange/import.html",
        {"form": form, "errors": errors, "total": total or len(errors)},
    )


# ---- background jobs -------------------------------------------------------------------------


def _keep_session(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A job's page is polled while its import may hold SQLite's write lock for a minute or
    more; ``municipality_view`` remembers the current municipality in the session, and saving
    the session would wait for that lock. When the session already names this municipality there
    is nothing to save, so these pages only read."""

    @wraps(view)
    def wrapper(request: HttpRequest, municipality: str, **kwargs: Any) -> HttpResponseBase:
        session = request.session
        unchanged = not session.modified and session.get("municipality") == municipality
        response = view(request, municipality, **kwargs)
        if unchanged and session.get("municipality") == municipality:
            session.modified = False
        return response

    return wrapper


def _job(access: Access, job_id: int, **lookup: Any) -> BackgroundJob:
    """The user's own job (anyone else's is a 404), if the user may still do its kind of work."""
    job: BackgroundJob = access.get_or_404(BackgroundJob.objects.filter(**lookup), pk=job_id)
    access.require(jobs.PERMISSION[JobKind(job.kind)])
    return job


def _status_text(job: BackgroundJob) -> str:
    importing = job.kind == JobKind.IMPORT
    result = job.result
    if job.status == JobStatus.QUEUED:
        return _("Waiting for the task worker to start the job.")
    if job.status == JobStatus.RUNNING:
        if importing and job.params.get("dry_run"):
            return _("The file is being checked; nothing will be written.")
        if importing:
            return _("The import is running: every row is checked, then all are written at once.")
        return _("The file is being made.")
    if job.status == JobStatus.FAILED:
        if importing:
            return _("The import has ended: nothing was imported.")
        return _("The export has ended: no file was made.")
    if not importing:
        n = result.get("rows", 0)
        return ngettext("The file is ready: %(n)s row.", "The file is ready: %(n)s rows.", n) % {
            "n": intcomma(n)
        }
    if job.params.get("dry_run"):
        return _(
            "The file is correct: %(n)d rows, %(skipped)d already imported. Nothing was written."
        ) % {"n": result.get("rows", 0), "skipped": result.get("skipped", 0)}
    return _("%(created)d incidents imported, %(skipped)d were there already.") % {
        "created": result.get("created", 0),
        "skipped": result.get("skipped", 0),
    }


def _percent(progress: dict[str, Any]) -> int | None:
    """How far the job is, when that can be measured (else the bar shows only that it runs)."""
    done, whole = {"bytes": ("bytes", "size"), "rows": ("rows", "total")}.get(
        progress.get("measure") or "", ("", "")
    )
    if not done or not progress.get(whole):
        return None
    return max(0, min(100, int(100 * progress.get(done, 0) / progress[whole])))


@_keep_session
@municipality_view()
@require_GET
def job_detail(request: HttpRequest, access: Access, job_id: int) -> HttpResponse:
    """A background import or export: its status and progress (the page asks again every two
    seconds with htmx while it runs), then its result or its file."""
    job = _job(access, job_id)
    progress = {} if job.finished else jobs.read_progress(job)
    errors = job.result.get("errors", [])
    seen = request.GET.get("seen")
    htmx = bool(getattr(request, "htmx", False))
    if job.kind == JobKind.IMPORT:
        title = _("Import of “%(file)s”") % {"file": job.params.get("filename", "")}
    else:
        title = _("Export of cases as %(format)s") % {"format": job.params["format"].upper()}
    context = {
        "job": job,
        "title": title,
        "status_text": _status_text(job),
        # The status line is sent along (out of band) only when it changed since the last poll:
        # it sits in a live region, and the same words would be read out again at every poll.
        "status_changed": htmx and seen is not None and seen != job.status,
        "progress": progress,
        "percent": _percent(progress),
        "errors": errors,
        "total": job.result.get("total") or len(errors),
        "flagged": [entry.split(":", 1) for entry in job.result.get("flagged", []) if ":" in entry],
    }
    response = render(request, "exchange/job.html#state" if htmx else "exchange/job.html", context)
    patch_vary_headers(response, ["HX-Request"])
    add_never_cache_headers(response)
    return response


@_keep_session
@municipality_view()
@require_GET
def job_download(request: HttpRequest, access: Access, job_id: int) -> FileResponse:
    """The file an export job made, for the user who asked for it (404 for anyone else)."""
    job = _job(access, job_id, kind=JobKind.EXPORT, status=JobStatus.DONE)
    path = jobs.job_file(job)
    if path is None or not path.is_file():
        raise Http404
    fmt = job.params["format"]
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
    content_type = exports.FORMATS[fmt] + ("" if fmt == "xlsx" else "; charset=utf-8")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"handelser-{access.municipality.slug}-{stamp}.{fmt}",
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
