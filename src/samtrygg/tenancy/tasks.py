"""Background work for tenancy (runs in `samtrygg worker`; at once in tests)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


@task()
def send_invitation_email(invitation_id: int, path: str) -> None:
    from .models import Invitation

    invitation = Invitation.objects.select_related("organisation__municipality", "invited_by").get(
        pk=invitation_id
    )
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL.rstrip("/") + path,
        "inviter": invitation.invited_by,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("tenancy/email/invitation_subject.txt", context).strip()
        body = render_to_string("tenancy/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])


@task()
def send_membership_email(membership_id: int) -> None:
    """Tell someone who already has an account that they were added to an organisation."""
    from django.urls import reverse

    from .models import Membership

    membership = Membership.objects.select_related("organisation__municipality", "user").get(
        pk=membership_id
    )
    municipality = membership.organisation.municipality
    context = {
        "membership": membership,
        "link": settings.SITE_URL.rstrip("/")
        + reverse("municipality_home", args=[municipality.slug]),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("tenancy/email/membership_subject.txt", context).strip()
        body = render_to_string("tenancy/email/membership_body.txt", context)
    send_mail(subject, body, None, [membership.user.email])
