"""Background work for the situation picture (runs in `samtrygg worker`; at once in tests)."""

from __future__ import annotations

from django.tasks import TaskContext, task


@task(takes_context=True)
def send_weekly_picture(
    context: TaskContext, municipality_id: int, iso_year: int, iso_week: int, actor_id: int | None
) -> int:
    """The week's lägesbild to the distribution list: built (PDF and Word) and sent off the
    request, at most once per task even if the task runs again after its worker died."""
    from samtrygg.tenancy.models import Municipality, User

    from . import weekly_picture

    municipality = Municipality.objects.get(pk=municipality_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return weekly_picture.send(
        municipality,
        iso_year,
        iso_week,
        actor=actor,
        once=f"{context.task_result.id}:weekly-picture",
    )
