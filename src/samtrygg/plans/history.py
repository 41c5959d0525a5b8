"""The change history of a problem's or a plan's records, read from the audit log (issue 13,
item 8): who, when, what changed, old → new, newest first, in the user's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.core import formatting
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

# What each stored key is called on the page; model fields fall back to their verbose name.
LABELS = {
    "removed_at": gettext_lazy("Removed"),
    "unlinked_measures": gettext_lazy("Measures no longer linked"),
    "problem": gettext_lazy("Problem"),
    "cause": gettext_lazy("Cause"),
    "plan": gettext_lazy("Plan"),
    "areas": gettext_lazy("Areas"),
    "categories": gettext_lazy("Categories"),
    "indicator_categories": gettext_lazy("Indicator: categories"),
    "indicator_areas": gettext_lazy("Indicator: areas"),
    "period": gettext_lazy("Period"),
    "version": gettext_lazy("Version"),
    "date": gettext_lazy("Date"),
}
MISSING = "–"


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    what: str
    object: str
    changes: list[Change]


def may_read(access: Access) -> bool:
    """Those who edit the plans, and those who read the audit log."""
    return access.can(Permission.EDIT_PLANS) or access.can(Permission.VIEW_AUDIT)


def entries(access: Access, objects: list[Model]) -> list[Entry]:
    """The events of ``objects`` (removed ones included), newest first."""
    wanted: dict[str, set[str]] = {}
    models: dict[str, type[Model]] = {}
    for obj in objects:
        label = obj._meta.label_lower
        wanted.setdefault(label, set()).add(str(obj.pk))
        models[label] = type(obj)
    if not wanted:
        return []
    found: list[AuditEvent] = []
    for label, ids in wanted.items():
        found.extend(
            AuditEvent.objects.filter(
                municipality=access.municipality, object_type=label, object_id__in=ids
            )
        )
    found.sort(key=lambda e: (e.at, e.pk), reverse=True)
    return [
        Entry(
            at=event.at,
            who=event.actor_label or MISSING,
            what=_label_of_action(event.action),
            object=event.object_repr,
            changes=[
                _change(models[event.object_type], key, pair)
                for key, pair in sorted(event.changes.items())
            ],
        )
        for event in found
    ]


def _label_of_action(value: str) -> str:
    try:
        return str(AuditAction(value).label)
    except ValueError:
        return value


def _change(model: type[Model], key: str, pair: Any) -> Change:
    old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
    try:
        field: Any = model._meta.get_field(key)
    except FieldDoesNotExist:  # a key that is no field, e.g. "unlinked_measures"
        field = None
    label = LABELS.get(key) or (getattr(field, "verbose_name", None) or key)
    choices = dict(getattr(field, "choices", None) or [])
    return Change(str(label).capitalize(), _value(old, choices), _value(new, choices))


def _value(value: Any, choices: dict[Any, Any]) -> str:
    if value is None or value == "" or value == []:
        return MISSING
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_value(v, choices) for v in value)
    if isinstance(value, dict):  # e.g. a link to another steering document: its parts
        return " | ".join(_value(v, {}) for v in value.values())
    if value in choices:
        return str(choices[value])
    if isinstance(value, int | float):
        return formatting.number(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, str):
        return _text(value)
    return str(value)


def _text(value: str) -> str:
    """ISO dates and times as the formatter writes them; other text as it is."""
    try:
        if len(value) == 10:
            return formatting.day(date.fromisoformat(value))
        if len(value) >= 16 and value[4] == "-" and value[10] == "T":
            return formatting.moment(datetime.fromisoformat(value))
    except ValueError:
        pass
    return value
