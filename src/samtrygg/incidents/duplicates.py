"""Finding reports that may describe the same event (DOMAIN.md §2: the same fire is reported by
the housing company, the guards and the police)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet

from samtrygg.tenancy.policy import Access

from .models import Incident, Status
from .nearby import distance_m, time_window
from .visibility import free_text

# Categories whose reports may describe the same event.
RELATED = {
    "brand": {"brand", "skadegorelse"},
    "skadegorelse": {"skadegorelse", "klotter", "brand"},
    "klotter": {"klotter", "skadegorelse"},
    "ordningsstorning": {"ordningsstorning", "ansamling"},
    "ansamling": {"ansamling", "ordningsstorning"},
}


def candidates(
    access: Access,
    incident: Incident,
    radius_m: float | None = None,
    window: timedelta | None = None,
) -> QuerySet[Incident]:
    """Reports in the user's scope of a related category within ``radius_m`` and ``window``,
    reports without a point of the same category and area within ``window``, and any with the
    same external id. The distance is filtered on the indexed SWEREF 99 TM
    coordinates (a box), then exactly. The defaults are the installation's settings
    (SAMTRYGG_DUPLICATE_RADIUS_M, SAMTRYGG_DUPLICATE_HOURS; 100 m and 12 h)."""
    from django.conf import settings

    radius_m = radius_m if radius_m is not None else settings.DUPLICATE_RADIUS_M
    window = window if window is not None else timedelta(hours=settings.DUPLICATE_HOURS)
    scoped = access.scope(
        Incident.objects.select_related("category", "reporting_organisation", "area")
    )
    others = scoped.exclude(pk=incident.pk).exclude(status=Status.DUPLICATE)
    same_external = (
        Q(external_id=incident.external_id) & ~Q(external_id="")
        if incident.external_id
        else Q(pk__in=[])
    )
    close_in_time = time_window(incident, window)
    x, y = incident.x, incident.y
    has_point = x is not None and y is not None
    near = Q(pk__in=[])
    if x is not None and y is not None:
        codes = RELATED.get(incident.category.code, {incident.category.code})
        near = (
            Q(
                category__code__in=codes,
                x__gte=x - radius_m,
                x__lte=x + radius_m,
                y__gte=y - radius_m,
                y__lte=y + radius_m,
            )
            & close_in_time
        )
    # A report without a point (the area only) may be the same event as any report of the same
    # category in the same area at about the same time (issue 14: two identical area-only
    # reports were not matched).
    same_area = Q(pk__in=[])
    if incident.area_id is not None:
        same_area = Q(area_id=incident.area_id, category_id=incident.category_id) & close_in_time
        if has_point:
            same_area &= Q(x__isnull=True)
    found = others.filter(near | same_area | same_external)
    keep = []
    for c in found:
        metres = distance_m(incident, c)
        if (
            c.external_id == incident.external_id != ""
            or metres is None  # matched by area (one of the two has no point)
            or metres <= radius_m
        ):
            keep.append(c.pk)
    return scoped.filter(pk__in=keep)


def described(
    access: Access, incident: Incident, found: QuerySet[Incident]
) -> list[tuple[Incident, str, float | None]]:
    """The candidates for the case page: each with its description as the user may read it
    (``visibility.free_text``) and its distance in metres (None when one has no point)."""
    return [
        (c, free_text(access, c).description, distance_m(incident, c))
        for c in found.order_by("occurred_at", "pk")
    ]
