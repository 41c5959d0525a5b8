from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samtrygg.areas.models import Area
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access

from .models import AssessmentLevel, Category, PlaceType, Status, Visibility
from .photos import check_upload_size


def _photo_size_checked(upload: Any) -> Any:
    if upload is not None:
        check_upload_size(upload.name, upload.size)
    return upload


class IncidentForm(forms.Form):
    """One incident in the weekly report: phone first, the place from the map or an area."""

    category = forms.ModelChoiceField(label=_("What happened"), queryset=Category.objects.none())
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    lat = forms.FloatField(widget=forms.HiddenInput(attrs={"data-lat": ""}), required=False)
    lon = forms.FloatField(widget=forms.HiddenInput(attrs={"data-lon": ""}), required=False)
    area = forms.ModelChoiceField(
        label=_("Or the area (if you have no exact place)"),
        queryset=Area.objects.none(),
        required=False,
    )
    place_name = forms.CharField(label=_("Place (address, building, landmark)"), required=False)
    description = forms.CharField(
        label=_("Description (what, not who)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Never names, personal identity numbers or other personal details."),
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        coerce=int,
        initial=1,
        choices=[(1, _("1 Low")), (2, _("2 Medium")), (3, _("3 High"))],
    )
    place_type = forms.ChoiceField(
        label=_("Kind of place"), choices=PlaceType.choices, initial=PlaceType.PUBLIC
    )
    reported_to_police = forms.NullBooleanField(
        label=_("Reported to the police"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("Don't know")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )
    # Bounds and their messages come from the service (core/bounds.py), as for the API.
    estimated_cost = forms.DecimalField(label=_("Estimated cost (SEK)"), required=False)
    photo = forms.FileField(
        label=_("Photo of the place (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("No faces or number plates. Location data in the file is removed."),
    )
    confirm_flagged = forms.BooleanField(
        label=_("I have checked: the text is not about a person"), required=False
    )

    # What makes a row an incident; the time, severity and kind of place have defaults, and a
    # time shown a minute ago is not a change (an untouched row is skipped, not refused).
    FILLED_BY = ("category", "lat", "lon", "area", "place_name", "description", "estimated_cost")

    def clean_photo(self) -> Any:
        return _photo_size_checked(self.cleaned_data.get("photo"))

    def has_changed(self) -> bool:
        return any(self.data.get(self.add_prefix(name)) for name in self.FILLED_BY) or bool(
            self.files.get(self.add_prefix("photo"))
        )

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from samtrygg.areas.queries import areas

        from .queries import categories

        self.fields["category"].queryset = categories(access)  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas(access)  # type: ignore[attr-defined]
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        for name in ("description", "place_name"):
            # The service refuses control characters with the message every door gives.
            self.fields[name].validators = []


class BaseIncidentFormSet(forms.BaseFormSet[IncidentForm]):
    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        self.access = access
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"access": self.access}


IncidentFormSet: type[BaseIncidentFormSet] = forms.formset_factory(  # type: ignore[assignment]
    IncidentForm, formset=BaseIncidentFormSet, extra=1, max_num=20, validate_max=True
)


class WeekForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Reporting for"))
    week = forms.CharField(label=_("Week"), widget=forms.TextInput(attrs={"type": "week"}))

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]
            (o.pk, o.name) for o in access.organisations
        ]
        year, week, _weekday = timezone.localdate().isocalendar()
        self.fields["week"].initial = f"{year}-W{week:02d}"

    def clean_week(self) -> tuple[int, int]:
        value = self.cleaned_data["week"]
        try:
            year_text, week_text = value.split("-W")
            year, week = int(year_text), int(week_text)
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise forms.ValidationError(_("Give the week as 2026-W47.")) from None
        return year, week


ASSESSMENT_CHOICES = [("", _("No assessment")), *AssessmentLevel.choices]


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (shared)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Handled by"), queryset=Organisation.objects.none()
    )
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from samtrygg.tenancy.queries import organisations

        self.fields["organisation"].queryset = (  # type: ignore[attr-defined]
            organisations(access).filter(is_active=True)
        )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label=_("Only for my organisation"), required=False)


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of the filter"), max_length=100)


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo of the place"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("No faces or number plates. Location data in the file is removed."),
    )

    def clean_photo(self) -> Any:
        return _photo_size_checked(self.cleaned_data.get("photo"))


class CategoryForm(forms.Form):
    label_sv = forms.CharField(label=_("Name in Swedish"), max_length=100)
    label_en = forms.CharField(label=_("Name in English"), max_length=100, required=False)
    visibility = forms.ChoiceField(label=_("Who sees the reports"), choices=Visibility.choices)
    default_handler = forms.ModelChoiceField(
        label=_("Handled by default by"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Nobody (the coordinators route)"),
    )
    asks_cost = forms.BooleanField(label=_("Ask for the estimated cost"), required=False)
    asks_police_report = forms.BooleanField(
        label=_("Ask whether it was reported to the police"), required=False
    )
    is_active = forms.BooleanField(
        label=_("Active (shown in the forms)"), required=False, initial=True
    )

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from samtrygg.tenancy.queries import organisations

        self.fields["default_handler"].queryset = (  # type: ignore[attr-defined]
            organisations(access).filter(is_active=True).order_by("name")
        )


class RouteForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    organisation = forms.ModelChoiceField(
        label=_("Handled by"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("The category's default (remove the rule)"),
    )

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from samtrygg.areas.queries import areas
        from samtrygg.tenancy.queries import organisations

        self.fields["area"].queryset = areas(access).only("name")  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = (  # type: ignore[attr-defined]
            organisations(access).filter(is_active=True).order_by("name")
        )


class QuickReportForm(forms.Form):
    """One incident from the start page, here and now (issue 14, item 2): what happened and
    where the phone is; the time is now and the organisation the reporter's first. The
    incident itself is checked by services.create_incident like every other door's."""

    category = forms.ModelChoiceField(label=_("What happened"), queryset=Category.objects.none())
    organisation = forms.ChoiceField(label=_("Reporting for"))
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        from .queries import categories

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories(access)  # type: ignore[attr-defined]
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]
            (o.pk, o.name) for o in access.organisations
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lat") is None or data.get("lon") is None:
            raise forms.ValidationError(
                _("Press “Use my position” first: a quick report needs the place you are at."),
                code="no_position",
            )
        return data
