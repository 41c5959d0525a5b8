"""The coordinator's page of survey indicators (trygghetsmätningar, NTU, own surveys): the
kommun's figures, a file upload and entry by hand, both through exchange/surveys.py's one
validator."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from .models import SurveyIndicator
from .reference_stats import MAX_BYTES, ReferenceImportError
from .surveys import describe_surveys, import_surveys, save_indicator


class SurveyUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200, required=False)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class SurveyEntryForm(forms.Form):
    """Text fields only: the values are checked by the import's validator, not by the form."""

    survey = forms.CharField(label=gettext_lazy("Survey"), required=False)
    question = forms.CharField(label=gettext_lazy("Question"), required=False)
    year = forms.CharField(label=gettext_lazy("Year"), required=False)
    area = forms.CharField(
        label=gettext_lazy("Area (empty: the whole municipality)"), required=False
    )
    group = forms.CharField(label=gettext_lazy("Group (e.g. “kvinnor”)"), required=False)
    share = forms.CharField(label=gettext_lazy("Share (%)"), required=False)
    respondents = forms.CharField(label=gettext_lazy("Number answering"), required=False)
    low = forms.CharField(label=gettext_lazy("Interval, low (%)"), required=False)
    high = forms.CharField(label=gettext_lazy("Interval, high (%)"), required=False)


@municipality_view(Permission.EDIT_SITUATION_REPORTS)
def survey_list(request: HttpRequest, access: Access) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    upload = SurveyUploadForm(
        request.POST if action == "upload" else None,
        request.FILES if action == "upload" else None,
    )
    entry = SurveyEntryForm(request.POST if action == "add" else None)
    errors: list[str] = []
    if action == "upload" and upload.is_valid():
        try:
            result = import_surveys(
                upload.cleaned_data["file"].read(),
                access.municipality,
                actor=access.user,
                source=upload.cleaned_data["source"],
            )
        except ReferenceImportError as error:
            errors = error.errors
        else:
            messages.success(request, describe_surveys(result))
            return redirect("survey_list", municipality=access.municipality.slug)
    elif action == "add" and entry.is_valid():
        try:
            save_indicator(access, **entry.cleaned_data)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                for problem in problems:
                    entry.add_error(name if name in entry.fields else None, problem)
        else:
            messages.success(request, _("The figure was saved."))
            return redirect("survey_list", municipality=access.municipality.slug)
    indicators = SurveyIndicator.objects.filter(municipality=access.municipality)
    return render(
        request,
        "exchange/surveys.html",
        {
            "indicators": indicators,
            "upload": upload,
            "entry": entry,
            "errors": errors,
            "total": len(errors),
        },
    )
