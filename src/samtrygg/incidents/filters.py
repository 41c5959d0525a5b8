"""The case list's filters, shared by the list page, its exports and saved filters."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samtrygg.areas.models import Area
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access

from . import queries
from .models import Category, Incident, Source, Status

QUEUE_LABELS = {
    "new": _("New and unrouted"),
    "handling": _("Assigned to my organisation"),
    "mine": _("Reported by my organisation"),
    "all": _("All cases"),
}
FILTER_FIELDS = ("queue", "status", "category", "area", "organisation", "source", "since", "until")


class IncidentFilterForm(forms.Form):
    queue = forms.ChoiceField(choices=list(QUEUE_LABELS.items()), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Status.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("All")
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All")
    )
    organisation = forms.ModelChoiceField(
        label=_("Reported by"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("All")), *Source.choices], required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, access: Access, data: Any = None) -> None:
        super().__init__(data)
        from samtrygg.areas.queries import areas
        from samtrygg.tenancy.queries import organisations

        self.access = access
        self.fields["category"].queryset = queries.categories(access, active_only=False)  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas(access).only("name")  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = organisations(access).order_by("name")  # type: ignore[attr-defined]

    def queue_name(self) -> str:
        chosen = self.cleaned_data.get("queue") if self.is_valid() else None
        return chosen or queries.default_queue(self.access)

    def rows(self) -> QuerySet[Incident]:
        """The incidents the user may see that match the filters (bad values are ignored)."""
        rows = queries.queue(self.access, self.queue_name())
        if not self.is_valid():
            return rows
        data = self.cleaned_data
        for field, lookup in (
            ("status", "status"),
            ("category", "category"),
            ("area", "area"),
            ("organisation", "reporting_organisation"),
            ("source", "source"),
        ):
            if data.get(field):
                rows = rows.filter(**{lookup: data[field]})
        zone = timezone.get_current_timezone()
        if data.get("since"):
            rows = rows.filter(occurred_at__gte=datetime.combine(data["since"], time.min, zone))
        if data.get("until"):
            rows = rows.filter(occurred_at__lte=datetime.combine(data["until"], time.max, zone))
        return rows

    def query_string(self) -> str:
        """The active filters as a URL query (for links, exports and saved filters)."""
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        if self.is_bound:
            for field in FILTER_FIELDS:
                value = self.data.get(field)
                if value:
                    query[field] = value
        return query.urlencode()
