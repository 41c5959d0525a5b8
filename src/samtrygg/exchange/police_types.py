"""Polisen's event types as the municipality's categories: an editable mapping, seeded with the
obvious pairs. Unmapped types stay their own "police" categories in statistics."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.incidents.models import Category
from samtrygg.tenancy.models import Municipality
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import PlacePrecision, PoliceEvent, PoliceTypeMapping
from .sweden import county_of

# Polisen's type → category code of the EST checklist (DOMAIN.md §2)
DEFAULT_MAPPING = {
    "Brand": "brand",
    "Skadegörelse": "skadegorelse",
    "Bråk": "ordningsstorning",
    "Ordningslagen": "ordningsstorning",
    "Ofredande/förargelse": "ordningsstorning",
    "Fylleri/LOB": "ordningsstorning",
    "Narkotikabrott": "narkotika",
    "Våld/hot mot tjänsteman": "hot-vald-personal",
    "Trafikbrott": "fordon",
    "Olovlig körning": "fordon",
    "Motorfordon, stöld": "fordon",
}


def events_for(municipality: Municipality) -> QuerySet[PoliceEvent]:
    """Polisen's events about the municipality: its own, and county-level ones of its county
    (those are context: kept apart from municipal counts by their precision)."""
    return PoliceEvent.objects.filter(
        Q(municipality_code=municipality.scb_code)
        | Q(precision=PlacePrecision.COUNTY, county_code=county_of(municipality.scb_code))
    )


def mapping(municipality: Municipality) -> dict[str, Category | None]:
    """Event type → category, with the defaults where the municipality has not decided."""
    categories = {c.code: c for c in Category.objects.filter(municipality=municipality)}
    chosen: dict[str, Category | None] = {
        t: categories.get(code) for t, code in DEFAULT_MAPPING.items()
    }
    for row in PoliceTypeMapping.objects.filter(municipality=municipality).select_related(
        "category"
    ):
        chosen[row.event_type] = row.category
    return chosen


def type_rows(municipality: Municipality) -> list[dict[str, Any]]:
    """Every type seen for the municipality (and every default), with counts and the mapping."""
    counts = dict(
        events_for(municipality).values_list("event_type").annotate(n=Count("id")).order_by()
    )
    current = mapping(municipality)
    types = sorted(set(counts) | set(current))
    return [{"type": t, "count": counts.get(t, 0), "category": current.get(t)} for t in types]


def save_mapping(access: Access, chosen: dict[str, Category | None]) -> int:
    access.require(Permission.MANAGE_CATEGORIES)
    current = mapping(access.municipality)
    changed = {t: c for t, c in chosen.items() if current.get(t) != c}
    if any(c is not None and c.municipality_id != access.municipality.pk for c in changed.values()):
        raise PermissionDenied
    with transaction.atomic():
        for event_type, category in changed.items():
            PoliceTypeMapping.objects.update_or_create(
                municipality=access.municipality,
                event_type=event_type[:100],
                defaults={"category": category},
            )
        if changed:
            record(
                AuditAction.CATEGORY_CHANGED,
                actor=access.user,
                municipality=access.municipality,
                object_repr="Polisens händelsetyper",
                changes={t: [str(current.get(t) or ""), str(c or "")] for t, c in changed.items()},
            )
    return len(changed)


def counts_by_category(municipality: Municipality, events: QuerySet[PoliceEvent]) -> dict[str, int]:
    """Counts of events by the municipality's category label, or "Polisen: <type>" when the
    type is not mapped."""
    current = mapping(municipality)
    out: dict[str, int] = {}
    for event_type, n in events.values_list("event_type").annotate(n=Count("id")).order_by():
        category = current.get(event_type)
        label = category.label_sv if category else f"Polisen: {event_type}"
        out[label] = out.get(label, 0) + n
    return out
