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
