"""Who may see which incident, written once (DESIGN.md rule 8) and rendered twice: as a query
filter for lists, pages, exports and the API (``incidents/queries.py``) and as a mask over the
situation snapshot's columns for maps and dashboards (``situation/filters.py``).
``tests/incidents/test_visibility.py`` checks over generated users that the two renderings always
select the same incidents.

One by one (``incident_visibility``):
- coordinators and administrators see every incident of their municipality;
- analysts see every incident outside the restricted categories (e.g. threats against staff),
  and those their own organisations reported;
- reporters and handlers see what their organisations reported and what is assigned to them;
- viewers (politicians, managers) and regional support (länsstyrelsen) see none: aggregates only.

Free text (``free_text``): an incident's description, place text and other organisations'
comments are read by members of public authorities and by the organisation that reported it.
A member of any other organisation (a housing company, a security firm, a shop) who handles a
case another actor reported sees the case without them (GDPR art. 10, dataskyddslagen 3 kap.
8 §: such a report may be personal data about an offence; see docs/threat-model.md).

In aggregates (``statistics_visibility``): coordinators and administrators count everything;
everyone else counts every incident outside the restricted categories and their own
organisations' restricted ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samtrygg.tenancy.roles import AUTHORITY_KINDS, Role, aggregates_only

from .models import Visibility

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from samtrygg.tenancy.models import Organisation
    from samtrygg.tenancy.policy import Access

    from .models import Incident


@dataclass(frozen=True)
class IncidentRule:
    """A union of kinds of incident within one municipality; empty means none."""

    everything: bool = False
    unrestricted: bool = False  # every incident of a category that is not restricted
    reported_by: frozenset[int] = frozenset()  # those these organisations reported
    handled_by: frozenset[int] = frozenset()  # those assigned to these organisations

    def q(self) -> Q | None:
        """The rule as a filter on Incident; None when it selects nothing."""
        if self.everything:
            return Q()
        parts = []
        if self.unrestricted:
            parts.append(~Q(category__visibility=Visibility.RESTRICTED))
        if self.reported_by:
            parts.append(Q(reporting_organisation_id__in=sorted(self.reported_by)))
        if self.handled_by:
            parts.append(Q(handling_organisation_id__in=sorted(self.handled_by)))
        return reduce(or_, parts) if parts else None

    def mask(self, columns: Any, restricted_categories: set[int]) -> NDArray[np.bool_]:
        """The rule over the snapshot's columns (``category``, ``organisation``, ``handler``)."""
        size = len(columns["category"])
        if self.everything:
            return np.ones(size, dtype=bool)
        chosen = np.zeros(size, dtype=bool)
        if self.unrestricted:
            chosen |= ~np.isin(columns["category"], sorted(restricted_categories))
        if self.reported_by:
            chosen |= np.isin(columns["organisation"], sorted(self.reported_by))
        if self.handled_by:
            chosen |= np.isin(columns["handler"], sorted(self.handled_by))
        return chosen


def incident_visibility(access: Access) -> IncidentRule:
    """The incidents this user may see one by one."""
    role = access.role
    if role is None or aggregates_only(role):
        return IncidentRule()
    if role >= Role.COORDINATOR:
        return IncidentRule(everything=True)
    own = frozenset(access.organisation_ids)
    if role == Role.ANALYST:
        return IncidentRule(unrestricted=True, reported_by=own)
    return IncidentRule(reported_by=own, handled_by=own)


def statistics_visibility(access: Access) -> IncidentRule:
    """The incidents that count in this user's aggregates (the shared lägesbild)."""
    if access.role is not None and access.role >= Role.COORDINATOR:
        return IncidentRule(everything=True)
    return IncidentRule(unrestricted=True, reported_by=frozenset(access.organisation_ids))


FREE_TEXT_HIDDEN = _("The description is shown only to authorities and the reporting organisation")


@dataclass(frozen=True)
class FreeText:
    """The free text of one incident as this user may read it."""

    description: str  # when hidden: the note that says why
    place_name: str
    hidden: bool  # the text exists but is not this user's to read


def reads_all_free_text(access: Access) -> bool:
    """Members of a public authority read the free text of every incident they may see."""
    return any(o.kind in AUTHORITY_KINDS for o in access.organisations)


def shows_free_text(access: Access, incident: Incident) -> bool:
    return reads_all_free_text(access) or incident.reporting_organisation_id in (
        access.organisation_ids
    )


def organisation_reads_free_text(organisation: Organisation | None, incident: Incident) -> bool:
    """The same rule for an organisation as a whole (e-mails to a case's handlers): it is an
    authority, or it reported the incident."""
    return organisation is not None and (
        organisation.kind in AUTHORITY_KINDS
        or organisation.pk == incident.reporting_organisation_id
    )


def free_text(access: Access, incident: Incident) -> FreeText:
    """The description and place text, or none with a note: the one rule for the case page,
    the case list, the exports and the API."""
    if shows_free_text(access, incident):
        return FreeText(incident.description, incident.place_name, hidden=False)
    hidden = bool(incident.description or incident.place_name)
    return FreeText(str(FREE_TEXT_HIDDEN) if hidden else "", "", hidden=hidden)
