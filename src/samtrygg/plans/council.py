"""The strategic council (10 §), citizen promises and the compliance settings: small forms posted
from their pages, each change checked and logged."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import CitizenPromise, ComplianceSettings, CouncilMeeting, CouncilMember, PromiseStatus


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _organisation(access: Access, value: str | None) -> Organisation:
    pk = int(value) if value and value.isdigit() else 0
    found = Organisation.objects.filter(municipality=access.municipality, pk=pk).first()
    if found is None:
        raise ValidationError({"organisation": _("Choose an organisation from the list.")})
    return found


def _log(access: Access, what: str, **changes: Any) -> None:
    record(
        AuditAction.PLAN_CHANGED,
        actor=access.user,
        municipality=access.municipality,
        object_repr=what,
        changes=changes,
    )


def save_council_post(access: Access, post: QueryDict) -> None:
    access.require(Permission.DECIDE_PLANS)
    role = str(post.get("role", "")).strip()
    meeting_date = _date(post.get("date"))
    with transaction.atomic():
        if post.get("action") == "member" and role:
            CouncilMember.objects.create(
                municipality=access.municipality,
                role=role[:200],
                organisation=_organisation(access, post.get("organisation")),
                leading_position=bool(post.get("leading_position")),
                chair=bool(post.get("chair")),
            )
            _log(access, "Strategiskt råd: ledamot", role=role)
        elif post.get("action") == "meeting" and meeting_date is not None:
            errors = check_free_text(
                {"decisions": post.get("decisions", "")}, confirm_flagged=False
            )
            if errors:
                raise ValidationError(errors)
            CouncilMeeting.objects.create(
                municipality=access.municipality,
                date=meeting_date,
                decisions=post.get("decisions", "").strip(),
            )
            _log(access, "Strategiskt råd: möte", date=post.get("date"))


def save_promise_post(access: Access, post: QueryDict) -> None:
    access.require(Permission.DECIDE_PLANS)
    if post.get("action") == "status":
        promise = CitizenPromise.objects.filter(
            municipality=access.municipality, pk=int(post.get("promise") or 0)
        ).first()
        if promise is None or post.get("status") not in PromiseStatus.values:
            raise ValidationError(_("Choose a promise and a status."))
        with transaction.atomic():
            promise.status = str(post["status"])
            promise.follow_up = post.get("follow_up", promise.follow_up).strip()
            promise.save(update_fields=["status", "follow_up"])
            _log(access, f"Medborgarlöfte: {promise.title}", status=promise.status)
        return
    title, text = post.get("title", "").strip(), post.get("public_text", "").strip()
    start, end = _date(post.get("period_start")), _date(post.get("period_end"))
    if not title or not text or not start or not end or end < start:
        raise ValidationError(_("Give the promise, its text for residents and a period."))
    errors = check_free_text({"title": title, "public_text": text}, confirm_flagged=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        CitizenPromise.objects.create(
            municipality=access.municipality,
            title=title[:300],
            public_text=text,
            owner=_organisation(access, post.get("owner")),
            period_start=start,
            period_end=end,
        )
        _log(access, f"Medborgarlöfte: {title}")


def save_compliance_post(access: Access, post: QueryDict) -> None:
    access.require(Permission.DECIDE_PLANS)
    with transaction.atomic():
        row, _created = ComplianceSettings.objects.get_or_create(municipality=access.municipality)
        row.coordination_function = post.get("coordination_function", "").strip()[:300]
        row.public_page = bool(post.get("public_page"))
        row.last_council_report = _date(post.get("last_council_report")) or row.last_council_report
        row.save()
        _log(access, "Efterlevnad: inställningar", public_page=row.public_page)
