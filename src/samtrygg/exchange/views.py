"""Import of incident files in the browser (coordinators): the same checked, all-or-nothing,
idempotent import as ``samtrygg import-incidents``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from .incident_import import IncidentImportError, import_incidents

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
