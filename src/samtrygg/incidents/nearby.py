"""Incidents near a case in space and time, for the case page's map (issue 14, item 4).

Only what the user may see one by one (``queries.incidents``: the one access rule), only in the
case's municipality, filtered on the indexed SWEREF 99 TM coordinates (a box), then exactly.
A case without a point (reported for an area) has no neighbours by distance."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q

from samtrygg.tenancy.policy import Access

from . import queries
from .models import Incident

RADIUS_M = 250.0
DAYS = 7
LIMIT = 20
# At most this many rows are read from the box before the exact distance is measured.
BOX_ROWS = 2000


@dataclass(frozen=True)
class Neighbour:
    incident: Incident
    distance_m: float


def distance_m(a: Incident, b: Incident) -> float | None:
    """Metres between two incidents' points (SWEREF 99 TM), None if either has none."""
    if a.x is None or a.y is None or b.x is None or b.y is None:
        return None
    return math.hypot(a.x - b.x, a.y - b.y)


def time_window(incident: Incident, window: timedelta) -> Q:
    """Incidents that happened within ``window`` of the case (a moment, or a period that
    overlaps); matches nothing for a case without a time."""
    when = incident.occurred_at or incident.occurred_from
    if when is None:
        return Q(pk__in=[])
    return Q(occurred_at__range=(when - window, when + window)) | Q(
        occurred_at__isnull=True, occurred_from__lte=when + window, occurred_to__gte=when - window
    )


def nearby(
    access: Access,
    incident: Incident,
    *,
    radius_m: float = RADIUS_M,
    days: int = DAYS,
    limit: int = LIMIT,
) -> list[Neighbour]:
    """Up to ``limit`` incidents the user may see within ``radius_m`` and ``days`` of the case,
    nearest first."""
    if incident.x is None or incident.y is None:
        return []
    box = (
        queries.incidents(access)
        .select_related("category")
        .exclude(pk=incident.pk)
        .filter(
            time_window(incident, timedelta(days=days)),
            municipality_id=incident.municipality_id,
            x__gte=incident.x - radius_m,
            x__lte=incident.x + radius_m,
            y__gte=incident.y - radius_m,
            y__lte=incident.y + radius_m,
        )
    )
    found = []
    for other in box[:BOX_ROWS]:
        metres = distance_m(incident, other)
        if metres is not None and metres <= radius_m:
            found.append(Neighbour(other, metres))
    found.sort(key=lambda n: (n.distance_m, n.incident.pk))
    return found[:limit]
