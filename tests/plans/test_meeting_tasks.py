"""Meeting tasks are followed from meeting to meeting until they are marked done: the next
meeting lists what is not done from earlier ones, a task is marked done (and open again) on the
page, the change is in the audit log with old and new values, and another municipality's task is
a 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.core import formatting
from samtrygg.plans import meetings
from samtrygg.plans.models import MeetingTask

from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")


def test_a_task_is_followed_until_done(world: World, client: Client) -> None:
    access = world.access(world.dave)
    first = meetings.create_meeting(
        access, kind="weekly", date=date(2026, 11, 9), participants=[world.a_org]
    )
    task = meetings.add_task(
        access, first, text="Byt lampor i tunneln", organisation=world.a_org, due=date(2026, 11, 16)
    )
    second = meetings.create_meeting(
        access, kind="weekly", date=date(2026, 11, 23), participants=[world.a_org]
    )
    client.force_login(world.dave)
    url = f"/k/{world.a.slug}/meetings/{second.pk}/"
    earlier = client.get(url).content.decode().split("Inte klart från tidigare möten")[1]
    earlier = earlier.split("Från det här mötet")[0]
    assert "Byt lampor i tunneln" in earlier and "från mötet 9 november 2026" in earlier
    assert "Försenad" in earlier  # due 16 November 2026, the clock is later
    response = client.post(url, {"action": "task_done", "task": task.pk, "done": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    today = timezone.localdate()
    assert (task.done, task.done_on) == (True, today)
    earlier = client.get(url).content.decode().split("Inte klart från tidigare möten")[1]
    assert "Byt lampor i tunneln" not in earlier.split("Från det här mötet")[0]
    page = client.get(f"/k/{world.a.slug}/meetings/{first.pk}/").content.decode()
    assert f"Klar {formatting.day(today)}" in page
    event = AuditEvent.objects.get(action=AuditAction.MEETING_TASK_DONE)
    assert event.changes == {"done": [False, True], "done_on": [None, today.isoformat()]}
    client.post(url, {"action": "task_done", "task": task.pk, "done": "0"})
    task.refresh_from_db()
    assert (task.done, task.done_on) == (False, None)


def test_another_municipalitys_task_is_a_404(world: World, client: Client) -> None:
    charlie = world.access(world.charlie, world.b)
    theirs = meetings.add_task(
        charlie,
        meetings.create_meeting(
            charlie, kind="weekly", date=date(2026, 11, 9), participants=[world.b_org]
        ),
        text="Deras uppgift",
        organisation=world.b_org,
        due=date(2026, 11, 16),
    )
    mine = meetings.create_meeting(
        world.access(world.dave), kind="weekly", date=date(2026, 11, 23), participants=[]
    )
    client.force_login(world.dave)
    response = client.post(
        f"/k/{world.a.slug}/meetings/{mine.pk}/",
        {"action": "task_done", "task": theirs.pk, "done": "1"},
    )
    assert response.status_code == 404
    assert not MeetingTask.objects.get(pk=theirs.pk).done
