from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AreaKind

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class AreaUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_("Polygons in WGS 84 or SWEREF 99 TM, with a name property."),
    )
    kind = forms.ChoiceField(label=_("Kind of area"), choices=AreaKind.choices)
    name_field = forms.CharField(label=_("Name property (optional)"), required=False, max_length=64)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


# SCB's national DeSO GeoPackage is larger than an ordinary area file.
MAX_BOUNDARY_BYTES = 300 * 1024 * 1024


class BoundaryUploadForm(forms.Form):
    """SCB's DeSO or RegSO boundaries (areas/boundaries.py)."""

    boundary_file = forms.FileField(
        label=_("GeoPackage or GeoJSON file"),
        help_text=_(
            "SCB's DeSO or RegSO boundaries (the national file will do): only the features of "
            "this municipality's kommun code are imported."
        ),
    )
    boundary_kind = forms.ChoiceField(
        label=_("Kind of area"),
        choices=[
            (AreaKind.DESO.value, AreaKind.DESO.label),
            (AreaKind.REGSO.value, AreaKind.REGSO.label),
        ],
    )
    layer = forms.CharField(label=_("Layer (optional)"), required=False, max_length=100)

    def clean_boundary_file(self) -> object:
        upload = self.cleaned_data["boundary_file"]
        if upload.size > MAX_BOUNDARY_BYTES:
            raise forms.ValidationError(_("The file is larger than 300 MB."))
        return upload
