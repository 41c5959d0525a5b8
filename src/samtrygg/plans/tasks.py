"""Background work for plans and meetings (runs in `samtrygg worker`; at once in tests)."""

from __future__ import annotations

from django.tasks import TaskContext, task


@task(takes_context=True)
def send_meeting_minutes(context: TaskContext, meeting_id: int, user_id: int) -> int:
    """A meeting's minutes (PDF and Word) to its participants, off the request and at most once
    per task; the sender's rights are checked again when the task runs."""
    from samtrygg.tenancy.models import User
    from samtrygg.tenancy.policy import access_for

    from . import meetings
    from .models import Meeting

    meeting = Meeting.objects.select_related("municipality").get(pk=meeting_id)
    user = User.objects.get(pk=user_id)
    access = access_for(user, meeting.municipality.slug)
    return meetings.send_minutes(access, meeting, once=f"{context.task_result.id}:minutes")
