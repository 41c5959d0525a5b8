"""The case list's filters, shared by the list page, its exports and saved filters.

A value the form does not accept — an area, category or organisation of another municipality
(or one that does not exist), a date that is not a date, an unknown status or queue — is an
error the user is told about (the views answer 400), never silently dropped: an export that
ignored the filter would hand out more than the user asked for, and a list that ignored it
would show rows that do not match."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
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


class BadFilter(ValidationError):
    """A filter value that cannot be used; ``problems`` says which and why, in the user's
    language."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


class IncidentFilterForm(forms.Form):
    queue = forms.ChoiceField(label=_("Queue"), choices=list(QUEUE_LABELS.items()), required=False)
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

    def problems(self) -> list[str]:
        """Each bad value as "Field: what is wrong" (empty when the filters can be used)."""
        if not self.is_bound or self.is_valid():
            return []
        return [
            f"{self.fields[name].label or name}: {message}" if name in self.fields else str(message)
            for name, messages in self.errors.items()
            for message in messages
        ]

    def rows(self) -> QuerySet[Incident]:
        """The incidents the user may see that match the filters; ``BadFilter`` if a value
        cannot be used (it is never ignored)."""
        problems = self.problems()
        if problems:
            raise BadFilter(problems)
        rows = queries.queue(self.access, self.queue_name())
        if not self.is_bound:
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
