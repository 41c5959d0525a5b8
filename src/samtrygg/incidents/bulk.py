"""Saved filters and bulk actions on the case list (coordinators assign or close many at once)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access

from . import cases, queries
from .models import Incident, SavedFilter, Status

MAX_SAVED_QUERY = 500


def save_filter(access: Access, name: str, query: str) -> SavedFilter:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    if len(query) > MAX_SAVED_QUERY:
        raise ValidationError({"name": _("The filter is too long to save.")})
    try:
        with transaction.atomic():
            saved = SavedFilter.objects.create(
                user=access.user, municipality=access.municipality, name=name, query=query
            )
            record(
                AuditAction.SAVED_FILTER_CHANGED,
                actor=access.user,
                municipality=access.municipality,
                obj=saved,
                changes={"query": query},
            )
            return saved
    except IntegrityError:
        raise ValidationError(
            {"name": _("You already have a filter called “%(name)s”.") % {"name": name}}
        ) from None


def delete_filter(access: Access, saved: SavedFilter) -> None:
    if saved.user_id != access.user.pk:
        raise PermissionDenied
    with transaction.atomic():
        record(
            AuditAction.SAVED_FILTER_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            object_repr=saved.name,
            changes={"deleted": saved.query},
        )
        saved.delete()


@dataclass
class BulkResult:
    changed: list[Incident] = field(default_factory=list)
    skipped: list[tuple[Incident, str]] = field(default_factory=list)
    # Changed by somebody else after the user loaded the list: when there is any, nothing at
    # all was applied.
    conflicts: list[Incident] = field(default_factory=list)


def bulk_apply(
    access: Access,
    incident_ids: list[int],
    action: str,
    organisation: Organisation | None = None,
    *,
    versions: Mapping[int, int],
) -> BulkResult:
    """Assign or close each chosen case through the case services (each one checked and logged
    as if done by hand), at the version the user saw (``versions``: id → version; the list
    page posts one for every case it shows; a case sent without one is not checked, as with
    the API's optional ``version``).

    All or nothing on conflicts: if any chosen case changed since the user loaded the list,
    nothing is applied and the changed cases are reported, because the user chose the set from
    what the list showed and should decide again on what it shows now. The chosen cases stay
    locked from that check to the last change. A case that cannot take the step by the rules
    (closing a case that is not resolved: visible on the list the user saw) is skipped with the
    reason while the others are applied, as before."""
    result = BulkResult()
    visible = queries.incidents(access).filter(pk__in=incident_ids).values("pk")
    with transaction.atomic():
        chosen = list(Incident.objects.select_for_update().filter(pk__in=visible).order_by("pk"))
        result.conflicts = [i for i in chosen if i.pk in versions and versions[i.pk] != i.version]
        if result.conflicts:
            return result
        for incident in chosen:
            try:
                if action == "assign":
                    if organisation is None:
                        raise ValidationError(_("Choose the organisation to assign to."))
                    result.changed.append(
                        cases.assign(
                            access,
                            incident,
                            organisation,
                            expected_version=versions.get(incident.pk),
                        )
                    )
                elif action == "close":
                    result.changed.append(
                        cases.transition(
                            access,
                            incident,
                            Status.CLOSED,
                            expected_version=versions.get(incident.pk),
                        )
                    )
                else:
                    raise ValidationError(_("Choose what to do with the chosen cases."))
            except ValidationError as error:
                result.skipped.append((incident, error.messages[0]))
            except PermissionDenied:
                result.skipped.append((incident, _("Your role does not allow this.")))
    return result
