"""The strategic council (10 §) and the compliance settings: small forms posted from
their pages (citizen promises: promises.py), each change checked and logged."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import QueryDict
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import ComplianceSettings, CouncilMeeting, CouncilMember
from .services import _removed


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


def _log(access: Access, action: AuditAction, obj: Model, **changes: Any) -> None:
    record(action, actor=access.user, municipality=access.municipality, obj=obj, changes=changes)


def _check_member(access: Access, post: QueryDict) -> dict[str, Any]:
    """The one validator of a council member, for adding and for edits: the values to store."""
    role = str(post.get("role", "")).strip()
    if not role:
        raise ValidationError({"role": _("Give the member's role.")})
    errors = check_free_text({"role": role}, confirm_flagged=False)
    if errors:
        raise ValidationError(errors)
    return {
        "role": role[:200],
        "organisation": _organisation(access, post.get("organisation")),
        "leading_position": bool(post.get("leading_position")),
        "chair": bool(post.get("chair")),
    }


def save_council_post(access: Access, post: QueryDict) -> None:
    access.require(Permission.DECIDE_PLANS)
    meeting_date = _date(post.get("date"))
    values = _check_member(access, post) if post.get("action") == "member" else {}
    with transaction.atomic():
        if values:
            member = CouncilMember.objects.create(municipality=access.municipality, **values)
            _log(
                access,
                AuditAction.COUNCIL_MEMBER_ADDED,
                member,
                role=member.role,
                organisation=member.organisation,
                chair=member.chair,
            )
        elif post.get("action") == "meeting" and meeting_date is not None:
            errors = check_free_text(
                {"decisions": post.get("decisions", "")}, confirm_flagged=False
            )
            if errors:
                raise ValidationError(errors)
            meeting = CouncilMeeting.objects.create(
                municipality=access.municipality,
                date=meeting_date,
                decisions=post.get("decisions", "").strip(),
            )
            _log(
                access,
                AuditAction.COUNCIL_MEETING_RECORDED,
                meeting,
                date=meeting_date.isoformat(),
                decisions=meeting.decisions,
            )


def save_compliance_post(access: Access, post: QueryDict) -> None:
    access.require(Permission.DECIDE_PLANS)
    with transaction.atomic():
        row, _created = ComplianceSettings.objects.get_or_create(municipality=access.municipality)
        before = _compliance_values(row)
        row.coordination_function = post.get("coordination_function", "").strip()[:300]
        row.contact_point = post.get("contact_point", "").strip()[:300]
        row.public_page = bool(post.get("public_page"))
        row.last_council_report = _date(post.get("last_council_report")) or row.last_council_report
        row.save()
        _log(
            access,
            AuditAction.COMPLIANCE_SETTINGS_CHANGED,
            row,
            **diff(before, _compliance_values(row)),
        )


def _compliance_values(row: ComplianceSettings) -> dict[str, Any]:
    return {
        "coordination_function": row.coordination_function,
        "contact_point": row.contact_point,
        "public_page": row.public_page,
        "last_council_report": row.last_council_report.isoformat()
        if row.last_council_report
        else None,
    }


MEMBER_FIELDS = ("role", "organisation", "leading_position", "chair")


def _member_values(member: CouncilMember) -> dict[str, Any]:
    return {name: _plain(getattr(member, name)) for name in MEMBER_FIELDS}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Model) else value


def edit_council_member(access: Access, member: CouncilMember, post: QueryDict) -> None:
    """The same checks as adding a member (``_check_member``)."""
    access.require(Permission.DECIDE_PLANS)
    values = _check_member(access, post)
    with transaction.atomic():
        before = _member_values(member)
        for name, value in values.items():
            setattr(member, name, value)
        member.save()
        changes = diff(before, _member_values(member))
        if changes:
            _log(access, AuditAction.COUNCIL_MEMBER_CHANGED, member, **changes)


def remove_council_member(access: Access, member: CouncilMember) -> None:
    """Soft removal: the member leaves the register and the compliance count; the row and its
    history stay."""
    access.require(Permission.DECIDE_PLANS)
    with transaction.atomic():
        when = _removed(access, member)
        _log(access, AuditAction.COUNCIL_MEMBER_REMOVED, member, removed_at=[None, when])
