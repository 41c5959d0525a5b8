"""Case handling: which role may move a case from which status to which (one table).

"Handler" below means a handler (or reporter) of the organisation the case is assigned to;
coordinators and administrators may make every move in their municipality.
"""

from __future__ import annotations

from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Role

from .models import Incident, Status

COORDINATION = "coordination"  # coordinators and administrators
HANDLING = "handling"  # members of the handling organisation (handler role or above)

TRANSITIONS: dict[tuple[Status, Status], frozenset[str]] = {
    (Status.NEW, Status.TRIAGED): frozenset({COORDINATION}),
    (Status.NEW, Status.ASSIGNED): frozenset({COORDINATION}),
    (Status.NEW, Status.REJECTED): frozenset({COORDINATION}),
    (Status.TRIAGED, Status.ASSIGNED): frozenset({COORDINATION}),
    (Status.TRIAGED, Status.REJECTED): frozenset({COORDINATION}),
    (Status.ASSIGNED, Status.IN_PROGRESS): frozenset({COORDINATION, HANDLING}),
    (Status.ASSIGNED, Status.RESOLVED): frozenset({COORDINATION, HANDLING}),
    (Status.IN_PROGRESS, Status.RESOLVED): frozenset({COORDINATION, HANDLING}),
    (Status.RESOLVED, Status.IN_PROGRESS): frozenset({COORDINATION, HANDLING}),
    (Status.RESOLVED, Status.CLOSED): frozenset({COORDINATION}),
    (Status.REJECTED, Status.NEW): frozenset({COORDINATION}),
    (Status.DUPLICATE, Status.NEW): frozenset({COORDINATION}),
}


def capacities(access: Access, incident: Incident) -> set[str]:
    held = set()
    if access.role is not None and access.role >= Role.COORDINATOR:
        held.add(COORDINATION)
    handling_roles = {
        m.role for m in access.memberships if m.organisation_id == incident.handling_organisation_id
    }
    if any(role >= Role.HANDLER for role in handling_roles):
        held.add(HANDLING)
    return held


def allowed_moves(access: Access, incident: Incident) -> list[Status]:
    held = capacities(access, incident)
    current = Status(incident.status)
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and who & held]


def may_move(access: Access, incident: Incident, to: Status) -> bool:
    return to in allowed_moves(access, incident)
