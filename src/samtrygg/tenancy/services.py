"""Every change to municipalities, organisations, memberships and invitations (DESIGN.md rule 2).

Each function validates first, then writes and records the audit event in one transaction.
Errors are ``ValidationError`` with a translated message naming the field, so forms and the API
show them as they are.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record

from .models import Invitation, Membership, Organisation, OrganisationKind, User
from .policy import Access
from .roles import Permission, Role, may_hold, role_ceiling
from .tasks import send_invitation_email, send_membership_email

INVITATION_DAYS = 14
ORGANISATION_FIELDS = ("name", "kind", "is_active")


def _values(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _check_organisation_name(access: Access, name: str, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the organisation a name.")})
    clash = Organisation.objects.filter(municipality=access.municipality, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("There is already an organisation called “%(name)s”.") % {"name": name}}
        )
    return name


def create_organisation(access: Access, *, name: str, kind: str) -> Organisation:
    access.require(Permission.MANAGE_ORGANISATIONS)
    name = _check_organisation_name(access, name)
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": _("Choose a kind of organisation from the list.")})
    with transaction.atomic():
        organisation = Organisation.objects.create(
            municipality=access.municipality, name=name, kind=kind
        )
        record(
            AuditAction.ORGANISATION_CREATED,
            actor=access.user,
            organisation=organisation,
            obj=organisation,
            changes=diff({}, _values(organisation, ORGANISATION_FIELDS)),
        )
    return organisation


def update_organisation(access: Access, organisation: Organisation, **values: Any) -> Organisation:
    access.require(Permission.MANAGE_ORGANISATIONS)
    if organisation.municipality_id != access.municipality.pk:
        raise PermissionDenied
    before = _values(organisation, ORGANISATION_FIELDS)
    if "name" in values:
        values["name"] = _check_organisation_name(access, values["name"], organisation.pk)
    if "kind" in values and values["kind"] not in OrganisationKind.values:
        raise ValidationError({"kind": _("Choose a kind of organisation from the list.")})
    if "kind" in values and values["kind"] != organisation.kind:
        _check_kind_fits_members(organisation, values["kind"])
    for key in ORGANISATION_FIELDS:
        if key in values:
            setattr(organisation, key, values[key])
    changes = diff(before, _values(organisation, ORGANISATION_FIELDS))
    if not changes:
        return organisation
    with transaction.atomic():
        organisation.save()
        record(
            AuditAction.ORGANISATION_CHANGED,
            actor=access.user,
            organisation=organisation,
            obj=organisation,
            changes=changes,
        )
    return organisation


def _check_kind_fits_members(organisation: Organisation, kind: str) -> None:
    """A new kind must not leave members (or open invitations) above its role ceiling: they
    would read what the kind may not (roles.role_ceiling). Their roles are lowered first."""
    members = organisation.memberships.select_related("user")
    invitations = Invitation.objects.filter(
        organisation=organisation, accepted_at=None, revoked_at=None
    )
    above = sorted(
        {m.user.email for m in members if not may_hold(kind, Role(m.role))}
        | {i.email for i in invitations if not may_hold(kind, Role(i.role))}
    )
    if above:
        raise ValidationError(
            {
                "kind": _(
                    "Members of the kind “%(kind)s” may hold at most the role “%(highest)s”, "
                    "and %(people)s have a higher role or invitation here. Lower their roles "
                    "first."
                )
                % {
                    "kind": OrganisationKind(kind).label,
                    "highest": role_ceiling(kind).label,
                    "people": ", ".join(above),
                }
            }
        )


def _check_grant(access: Access, role: int) -> Role:
    try:
        wanted = Role(int(role))
    except ValueError:
        raise ValidationError({"role": _("Choose a role from the list.")}) from None
    if wanted not in access.grantable_roles():
        raise ValidationError(
            {"role": _("You may not give the role “%(role)s”.") % {"role": wanted.label}}
        )
    return wanted


def _check_ceiling(organisation: Organisation, role: Role) -> None:
    """Refuse a role above what the organisation's kind allows (roles.role_ceiling)."""
    if not may_hold(organisation.kind, role):
        raise ValidationError(
            {
                "role": _(
                    "%(org)s is of the kind “%(kind)s”, which is not a public authority: its "
                    "members may hold at most the role “%(highest)s”, not “%(role)s”."
                )
                % {
                    "org": organisation.name,
                    "kind": OrganisationKind(organisation.kind).label,
                    "highest": role_ceiling(organisation.kind).label,
                    "role": role.label,
                }
            }
        )


def token_hash(token: str) -> str:
    """How secrets (invitation links, API tokens) are stored: never in clear."""
    return hashlib.sha256(token.encode()).hexdigest()


def invite(access: Access, *, email: str, organisation: Organisation, role: int) -> str:
    """Invite a new user; returns the link (it is also e-mailed). The token is stored hashed.
    Someone who already has an account (e.g. in another municipality) is added to the
    organisation at once and told by e-mail; then the returned link is empty."""
    access.require(Permission.MANAGE_MEMBERS)
    if organisation.municipality_id != access.municipality.pk:
        raise PermissionDenied
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise ValidationError({"email": _("Enter an e-mail address.")})
    granted = _check_grant(access, role)
    _check_ceiling(organisation, granted)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        _add_existing_user(access, existing, organisation, granted)
        return ""
    if Invitation.objects.filter(
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        raise ValidationError({"email": _("This address already has an invitation waiting.")})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            organisation=organisation,
            role=granted,
            token_hash=token_hash(token),
            invited_by=access.user,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        record(
            AuditAction.INVITATION_SENT,
            actor=access.user,
            organisation=organisation,
            obj=invitation,
            changes={"email": email, "role": granted.label},
        )
        path = reverse("invitation_accept", kwargs={"token": token})
        transaction.on_commit(lambda: send_invitation_email.enqueue(invitation.pk, path))
    return path


def _add_existing_user(
    access: Access, user: User, organisation: Organisation, role: Role
) -> Membership:
    _check_ceiling(organisation, role)
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already a member of %(org)s.")
                % {"email": user.email, "org": organisation.name}
            }
        )
    with transaction.atomic():
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        record(
            AuditAction.MEMBERSHIP_CREATED,
            actor=access.user,
            organisation=organisation,
            obj=membership,
            changes={"email": user.email, "role": role.label},
        )
        transaction.on_commit(lambda: send_membership_email.enqueue(membership.pk))
    return membership


def revoke_invitation(access: Access, invitation: Invitation) -> None:
    access.require(Permission.MANAGE_MEMBERS)
    if invitation.organisation.municipality_id != access.municipality.pk:
        raise PermissionDenied
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(
            AuditAction.INVITATION_REVOKED,
            actor=access.user,
            organisation=invitation.organisation,
            obj=invitation,
        )


def invitation_by_token(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation__municipality")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_pending else None


def accept_invitation(invitation: Invitation, *, full_name: str, password: str) -> User:
    """Create the account and its membership; the password is validated by the form."""
    from allauth.account.models import EmailAddress

    if not invitation.is_pending:
        raise ValidationError(_("This invitation is no longer valid."))
    _check_ceiling(invitation.organisation, Role(invitation.role))
    with transaction.atomic():
        user = User.objects.create_user(invitation.email, password, full_name=full_name.strip())
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        membership = Membership.objects.create(
            user=user, organisation=invitation.organisation, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        record(
            AuditAction.INVITATION_ACCEPTED,
            actor=user,
            organisation=invitation.organisation,
            obj=membership,
            changes={"role": Role(invitation.role).label},
        )
    return user


def _admins_left(access: Access, without: Membership) -> bool:
    return (
        Membership.objects.filter(organisation__municipality=access.municipality, role=Role.ADMIN)
        .exclude(pk=without.pk)
        .exists()
    )


def _check_may_manage(access: Access, membership: Membership) -> None:
    access.require(Permission.MANAGE_MEMBERS)
    if membership.organisation.municipality_id != access.municipality.pk:
        raise PermissionDenied
    if Role(membership.role) not in access.grantable_roles():
        raise ValidationError(_("You may not change a member who holds a higher role."))


def change_role(access: Access, membership: Membership, role: int) -> Membership:
    _check_may_manage(access, membership)
    granted = _check_grant(access, role)
    if granted == membership.role:
        return membership
    _check_ceiling(membership.organisation, granted)
    if membership.role == Role.ADMIN and not _admins_left(access, membership):
        raise ValidationError({"role": _("The municipality must keep at least one administrator.")})
    before = Role(membership.role).label
    with transaction.atomic():
        membership.role = granted
        membership.save(update_fields=["role"])
        record(
            AuditAction.ROLE_CHANGED,
            actor=access.user,
            organisation=membership.organisation,
            obj=membership,
            changes={"role": [before, granted.label]},
        )
    return membership


def remove_membership(access: Access, membership: Membership) -> None:
    _check_may_manage(access, membership)
    if membership.role == Role.ADMIN and not _admins_left(access, membership):
        raise ValidationError(_("The municipality must keep at least one administrator."))
    with transaction.atomic():
        record(
            AuditAction.MEMBERSHIP_REMOVED,
            actor=access.user,
            organisation=membership.organisation,
            obj=membership,
            changes={"role": [Role(membership.role).label, None]},
        )
        membership.delete()


def unlock_member(access: Access, membership: Membership) -> int:
    """Lift the lockout after too many failed logins (what `samtrygg axes_reset_username`
    does), for a member the user may manage; logged."""
    from axes.utils import reset

    _check_may_manage(access, membership)
    with transaction.atomic():
        cleared = reset(username=membership.user.email)
        record(
            AuditAction.ACCOUNT_UNLOCKED,
            actor=access.user,
            organisation=membership.organisation,
            obj=membership,
            changes={"user": membership.user.email},
        )
    return cleared
