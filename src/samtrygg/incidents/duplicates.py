"""Finding reports that may describe the same event (DOMAIN.md §2: the same fire is reported by
the housing company, the guards and the police)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet

from samtrygg.tenancy.policy import Access

from .models import Incident, Status

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
    and any with the same external id. The distance is filtered on the indexed SWEREF 99 TM
    coordinates (a box), then exactly. The defaults are the installation's settings
    (SAMTRYGG_DUPLICATE_RADIUS_M, SAMTRYGG_DUPLICATE_HOURS; 100 m and 12 h)."""
    from django.conf import settings

    radius_m = radius_m if radius_m is not None else settings.DUPLICATE_RADIUS_M
    window = window if window is not None else timedelta(hours=settings.DUPLICATE_HOURS)
    scoped = access.scope(Incident.objects.select_related("category", "reporting_organisation"))
    others = scoped.exclude(pk=incident.pk).exclude(status=Status.DUPLICATE)
    same_external = (
        Q(external_id=incident.external_id) & ~Q(external_id="")
        if incident.external_id
        else Q(pk__in=[])
    )
    when = incident.occurred_at or incident.occurred_from
    near = Q(pk__in=[])
    if incident.x is not None and incident.y is not None and when is not None:
        codes = RELATED.get(incident.category.code, {incident.category.code})
        near = Q(
            category__code__in=codes,
            x__gte=incident.x - radius_m,
            x__lte=incident.x + radius_m,
            y__gte=incident.y - radius_m,
            y__lte=incident.y + radius_m,
        ) & (
            Q(occurred_at__range=(when - window, when + window))
            | Q(occurred_from__lte=when + window, occurred_to__gte=when - window)
        )
    found = others.filter(near | same_external)
    keep = [
        c.pk
        for c in found
        if c.external_id == incident.external_id != ""
        or (c.x - incident.x) ** 2 + (c.y - incident.y) ** 2 <= radius_m**2
    ]
    return scoped.filter(pk__in=keep)
