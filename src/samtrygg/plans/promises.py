"""Medborgarlöften (citizen promises) with three owners: what the kommun promises, what the
police promise and what they promise together, each as activities with their own status and
follow-ups (issue 13, item 7).

One validator per kind of record (``promise_values``, ``activity_values``,
``follow_up_values``) reads the posted text, so the page, a script and the tests get the same
Swedish answer; each service checks everything before it writes, writes in one transaction and
records a typed audit event with [old, new] values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.core import bounds
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import (
    Agreement,
    CitizenPromise,
    PromiseActivity,
    PromiseFollowUp,
    PromiseParty,
    PromiseStatus,
)

TITLE_MAX = 300
ACTIVITY_MAX = 500
TEXT_MAX = 4000

Errors = dict[str, list[str]]


def _add(errors: Errors, name: str, message: str | None) -> None:
    if message:
        errors.setdefault(name, []).append(message)


def _text(data: Mapping[str, Any], name: str) -> str:
    return str(data.get(name) or "").strip()


def _day(data: Mapping[str, Any], name: str, errors: Errors) -> date | None:
    value = _text(data, name)
    if not value:
        _add(errors, name, _("Give a date as YYYY-MM-DD, e.g. 2026-11-23."))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _add(errors, name, _("Give a date as YYYY-MM-DD, e.g. 2026-11-23."))
        return None


def _texts(data: Mapping[str, Any], limits: dict[str, int], errors: Errors) -> dict[str, str]:
    """The free texts: their bounds, then the personal-data guard (identity numbers refused,
    other personal details flagged: a promise is public, so they are refused here too)."""
    values = {name: _text(data, name) for name in limits}
    for name, limit in limits.items():
        _add(errors, name, bounds.text_problem(values[name], limit))
    for name, problems in check_free_text(values, confirm_flagged=False).items():
        for problem in problems:
            _add(errors, name, problem.messages[0])
    return values


def _pk(value: Any) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else 0


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _log(access: Access, action: AuditAction, obj: Model, changes: dict[str, Any]) -> None:
    record(action, actor=access.user, municipality=access.municipality, obj=obj, changes=changes)


# ---- the validators ------------------------------------------------------------------------


def promise_values(access: Access, data: Mapping[str, Any]) -> dict[str, Any]:
    """A promise: title, text for residents, period (start ≤ end) and, if given, the agreement
    of the same municipality whose public part it is."""
    errors: Errors = {}
    texts = _texts(data, {"title": TITLE_MAX, "public_text": TEXT_MAX}, errors)
    if not texts["title"]:
        _add(errors, "title", _("Give the promise a title."))
    if not texts["public_text"]:
        _add(errors, "public_text", _("Write the promise's text for residents."))
    start = _day(data, "period_start", errors)
    end = _day(data, "period_end", errors)
    if start and end and end < start:
        _add(errors, "period_end", _("The period ends before it begins."))
    agreement = None
    if _text(data, "agreement"):
        agreement = Agreement.objects.filter(
            municipality=access.municipality, pk=_pk(data.get("agreement"))
        ).first()
        if agreement is None:
            _add(errors, "agreement", _("Choose an agreement of this municipality."))
    _raise(errors)
    return {**texts, "period_start": start, "period_end": end, "agreement": agreement}


def activity_values(access: Access, data: Mapping[str, Any]) -> dict[str, Any]:
    """An activity: who promises it (kommunen, polisen, tillsammans), what, and optionally the
    responsible organisation of the same municipality."""
    errors: Errors = {}
    texts = _texts(data, {"text": ACTIVITY_MAX}, errors)
    if not texts["text"]:
        _add(errors, "text", _("Describe the activity."))
    party = _text(data, "party")
    if party not in PromiseParty.values:
        _add(
            errors,
            "party",
            _("Choose who promises: the municipality, the police or both together."),
        )
    organisation = None
    if _text(data, "organisation"):
        organisation = Organisation.objects.filter(
            municipality=access.municipality, pk=_pk(data.get("organisation"))
        ).first()
        if organisation is None:
            _add(errors, "organisation", _("Choose an organisation from the list."))
    _raise(errors)
    return {"text": texts["text"], "party": party, "organisation": organisation}


def follow_up_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """A follow-up: a day that has come, a status and a note through the guard."""
    errors: Errors = {}
    texts = _texts(data, {"note": TEXT_MAX}, errors)
    on = _day(data, "date", errors)
    if on is not None and on > timezone.localdate():
        _add(errors, "date", _("The date cannot be in the future."))
    status = _text(data, "status")
    if status not in PromiseStatus.values:
        _add(errors, "status", _("Choose a status."))
    _raise(errors)
    return {"date": on, "status": status, "note": texts["note"]}


def status_value(data: Mapping[str, Any]) -> str:
    status = _text(data, "status")
    if status not in PromiseStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    return status


# ---- the services --------------------------------------------------------------------------


def create_promise(access: Access, data: Mapping[str, Any]) -> CitizenPromise:
    access.require(Permission.DECIDE_PLANS)
    values = promise_values(access, data)
    with transaction.atomic():
        promise = CitizenPromise.objects.create(municipality=access.municipality, **values)
        _log(
            access,
            AuditAction.PROMISE_CREATED,
            promise,
            {
                "title": promise.title,
                "period": f"{promise.period_start.isoformat()} – {promise.period_end.isoformat()}",
                "agreement": promise.agreement,
            },
        )
    return promise


def set_promise_status(access: Access, promise: CitizenPromise, status: str) -> CitizenPromise:
    """The promise as a whole: planned, ongoing, done or not done."""
    access.require(Permission.DECIDE_PLANS)
    new = status_value({"status": status})
    with transaction.atomic():
        before = {"status": promise.status}
        promise.status = new
        promise.save(update_fields=["status"])
        _log(access, AuditAction.PROMISE_CHANGED, promise, diff(before, {"status": new}))
    return promise


def add_activity(
    access: Access, promise: CitizenPromise, data: Mapping[str, Any]
) -> PromiseActivity:
    access.require(Permission.DECIDE_PLANS)
    values = activity_values(access, data)
    with transaction.atomic():
        activity = PromiseActivity.objects.create(promise=promise, **values)
        _log(
            access,
            AuditAction.PROMISE_ACTIVITY_ADDED,
            activity,
            {
                "promise": promise.title,
                "party": activity.party,
                "text": activity.text,
                "organisation": activity.organisation,
            },
        )
    return activity


def record_follow_up(
    access: Access, activity: PromiseActivity, data: Mapping[str, Any]
) -> PromiseFollowUp:
    """A follow-up of one activity by its party; the activity takes the follow-up's status
    (the event holds the status as [old, new])."""
    access.require(Permission.EDIT_PLANS)
    values = follow_up_values(data)
    mine = [o for o in access.organisations if o.municipality_id == access.municipality.pk]
    with transaction.atomic():
        follow_up = PromiseFollowUp.objects.create(
            activity=activity,
            created_by=access.user,
            organisation=mine[0] if mine else None,
            **values,
        )
        before = {"status": activity.status}
        activity.status = values["status"]
        activity.save(update_fields=["status"])
        _log(
            access,
            AuditAction.PROMISE_FOLLOWED_UP,
            activity,
            {
                "party": activity.party,
                "date": values["date"].isoformat(),
                "note": values["note"],
                **diff(before, {"status": activity.status}),
            },
        )
    return follow_up


# ---- reading: the three parts of a promise -------------------------------------------------


@dataclass
class Part:
    """One of the three columns: the party's label and its activities."""

    party: str
    label: str
    activities: list[PromiseActivity] = field(default_factory=list)


def parts(promise: CitizenPromise) -> list[Part]:
    """Kommunen lovar, Polisen lovar, Tillsammans lovar vi, always in that order, each with its
    activities (prefetched with their follow-ups, newest first)."""
    out = [Part(value, str(label)) for value, label in PromiseParty.choices]
    by_party = {part.party: part for part in out}
    for activity in promise.activities.all():
        by_party[activity.party].activities.append(activity)
    return out


def latest(activity: PromiseActivity) -> PromiseFollowUp | None:
    follow_ups = list(activity.follow_ups.all())
    return follow_ups[0] if follow_ups else None


def with_parts(queryset: QuerySet[CitizenPromise]) -> QuerySet[CitizenPromise]:
    return queryset.select_related("agreement").prefetch_related(
        "activities__organisation",
        "activities__follow_ups__organisation",
        "activities__follow_ups__created_by",
    )


def in_force(queryset: QuerySet[CitizenPromise], today: date) -> QuerySet[CitizenPromise]:
    return queryset.filter(period_start__lte=today, period_end__gte=today)
