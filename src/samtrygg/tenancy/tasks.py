"""Background work for tenancy (runs in `samtrygg worker`; at once in tests)."""

from __future__ import annotations

from django.conf import settings
from django.tasks import TaskContext, task
from django.template.loader import render_to_string
from django.utils import translation

from samtrygg.core.models import SentMail


@task(takes_context=True)
def send_invitation_email(context: TaskContext, invitation_id: int, path: str) -> None:
    from .models import Invitation

    invitation = Invitation.objects.select_related("organisation__municipality", "invited_by").get(
        pk=invitation_id
    )
    values = {
        "invitation": invitation,
        "link": settings.SITE_URL.rstrip("/") + path,
        "inviter": invitation.invited_by,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("tenancy/email/invitation_subject.txt", values).strip()
        body = render_to_string("tenancy/email/invitation_body.txt", values)
    # Once per task, also when the task runs again after its worker died.
    SentMail.send_once(f"{context.task_result.id}:invitation", subject, body, [invitation.email])


@task(takes_context=True)
def send_membership_email(context: TaskContext, membership_id: int) -> None:
    """Tell someone who already has an account that they were added to an organisation."""
    from django.urls import reverse

    from .models import Membership

    membership = Membership.objects.select_related("organisation__municipality", "user").get(
        pk=membership_id
    )
    municipality = membership.organisation.municipality
    values = {
        "membership": membership,
        "link": settings.SITE_URL.rstrip("/")
        + reverse("municipality_home", args=[municipality.slug]),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("tenancy/email/membership_subject.txt", values).strip()
        body = render_to_string("tenancy/email/membership_body.txt", values)
    SentMail.send_once(
        f"{context.task_result.id}:membership", subject, body, [membership.user.email]
    )
