"""Case handling services: move, assign, comment, merge duplicates (all through the policy)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.core import bounds
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access

from .models import Comment, Incident, IncidentChange, Status
from .notifications import notify_assignment, notify_status
from .services import check_free_text
from .visibility import shows_free_text
from .workflow import COORDINATION, capacities, may_move


class ConflictError(ValidationError):
    """Somebody else changed the case since the user loaded it; nothing was written."""


def _locked(access: Access, incident: Incident, expected_version: int | None) -> Incident:
    """The case re-read inside the transaction, within the user's scope, at the version the
    user saw (optimistic locking: the second of two simultaneous edits gets a clear message)."""
    fresh = access.scope(Incident.objects.select_for_update()).filter(pk=incident.pk).first()
    if fresh is None:
        raise PermissionDenied
    if expected_version is not None and fresh.version != expected_version:
        raise ConflictError(
            _(
                "Somebody else changed this case while you were working on it. "
                "Reload the page: your text is kept below so you can add it "
                "again."
            ),
            code="conflict",
        )
    return fresh


def _save(incident: Incident, fields: list[str]) -> None:
    Incident.objects.filter(pk=incident.pk).update(
        version=F("version") + 1, **{f: getattr(incident, f) for f in fields}
    )
    incident.version += 1
    IncidentChange.objects.create(municipality_id=incident.municipality_id, incident_id=incident.pk)


def transition(
    access: Access,
    incident: Incident,
    to: Status,
    *,
    comment: str = "",
    expected_version: int | None = None,
) -> Incident:
    with transaction.atomic():
        case = _locked(access, incident, expected_version)
        if not may_move(access, case, Status(to)):
            raise ValidationError(
                _("A case cannot go from “%(from)s” to “%(to)s” in your role.")
                % {"from": Status(case.status).label, "to": Status(to).label},
                code="transition",
            )
        if Status(to) == Status.ASSIGNED and case.handling_organisation_id is None:
            # The database refuses it too (incident_assigned_has_organisation).
            raise ValidationError(
                _(
                    "A case can be “Assigned” only to an organisation: choose the "
                    "organisation under “Assign” instead."
                ),
                code="no_organisation",
            )
        before = case.status
        case.status = to
        _save(case, ["status"])
        record(
            AuditAction.CASE_STATUS_CHANGED,
            actor=access.user,
            municipality=case.municipality,
            obj=case,
            changes={"status": [before, str(to)]},
        )
        if comment:
            _add_comment(access, case, comment, internal=False)
        transaction.on_commit(
            lambda: notify_status.enqueue(case.pk, before, str(to), access.user.pk)
        )
    return case


def assign(
    access: Access,
    incident: Incident,
    organisation: Organisation,
    *,
    assignee: Any = None,
    due_date: date | None = None,
    expected_version: int | None = None,
) -> Incident:
    with transaction.atomic():
        case = _locked(access, incident, expected_version)
        if COORDINATION not in capacities(access, case):
            raise PermissionDenied
        if organisation.municipality_id != access.municipality.pk or not organisation.is_active:
            raise ValidationError({"organisation": _("Choose an organisation from the list.")})
        if assignee is not None and not organisation.memberships.filter(user=assignee).exists():
            raise ValidationError(
                {
                    "assignee": _("The person is not a member of %(org)s.")
                    % {"org": organisation.name}
                }
            )
        before = {
            "handling_organisation": str(case.handling_organisation or ""),
            "status": case.status,
        }
        case.handling_organisation = organisation
        case.assignee = assignee
        case.due_date = due_date
        if case.status in (Status.NEW, Status.TRIAGED):
            case.status = Status.ASSIGNED
        _save(case, ["handling_organisation", "assignee", "due_date", "status"])
        record(
            AuditAction.CASE_ASSIGNED,
            actor=access.user,
            organisation=organisation,
            obj=case,
            changes={
                "handling_organisation": [before["handling_organisation"], organisation.name],
                "status": [before["status"], case.status],
            },
        )
        transaction.on_commit(lambda: notify_assignment.enqueue(case.pk, access.user.pk))
    return case


def _add_comment(access: Access, case: Incident, text: str, internal: bool) -> Comment:
    problem = bounds.text_problem(text, bounds.COMMENT_MAX)
    if problem:
        raise ValidationError({"text": problem})
    errors = check_free_text({"text": text}, confirm_flagged=False)
    if errors:
        raise ValidationError(errors)
    own = [
        m.organisation
        for m in access.memberships
        if m.organisation_id == case.handling_organisation_id
    ] or access.organisations
    return Comment.objects.create(
        incident=case, author=access.user, organisation=own[0], text=text.strip(), internal=internal
    )


def add_comment(
    access: Access, incident: Incident, text: str, *, internal: bool = False
) -> Comment:
    if not text.strip():
        raise ValidationError({"text": _("Write a comment.")})
    with transaction.atomic():
        case = _locked(access, incident, None)
        comment = _add_comment(access, case, text, internal)
        record(
            AuditAction.CASE_COMMENTED,
            actor=access.user,
            organisation=comment.organisation,
            obj=case,
            changes={"internal": internal},
        )
    return comment


def visible_comments(access: Access, incident: Incident) -> list[Comment]:
    """Shared comments, and internal ones of the user's own organisations. Who may not read
    the incident's free text (``visibility.free_text``) reads only its own organisations'."""
    others = shows_free_text(access, incident)
    return [
        c
        for c in incident.comments.select_related("author", "organisation")
        if c.organisation_id in access.organisation_ids or (others and not c.internal)
    ]


def merge(access: Access, primary: Incident, duplicates: list[Incident]) -> Incident:
    """Link reports of the same event: nothing is deleted, every source stays visible, and the
    group counts once in all statistics (duplicates have status "duplicate")."""
    with transaction.atomic():
        main = _locked(access, primary, None)
        if COORDINATION not in capacities(access, main):
            raise PermissionDenied
        if main.status == Status.DUPLICATE:
            raise ValidationError(_("The case to keep is itself a duplicate."))
        merged: list[str] = []
        for other in duplicates:
            case = _locked(access, other, None)
            if case.pk == main.pk:
                continue
            merged.append(case.reference)
            before = case.status
            case.duplicate_of, case.status = main, Status.DUPLICATE
            _save(case, ["duplicate_of", "status"])
            # Reports already merged into the duplicate follow it to the main case.
            Incident.objects.filter(duplicate_of=case).update(duplicate_of=main)
            record(
                AuditAction.CASE_MERGED,
                actor=access.user,
                municipality=main.municipality,
                obj=case,
                changes={
                    "status": [before, Status.DUPLICATE],
                    "duplicate_of": [None, main.reference],
                },
            )
        if merged:
            # The kept case's own history names what was merged into it.
            record(
                AuditAction.CASE_MERGED,
                actor=access.user,
                municipality=main.municipality,
                obj=main,
                changes={"merged": [None, merged]},
            )
    return main
