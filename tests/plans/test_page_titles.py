"""The tab title of the plan and problem pages is the object's title and nothing else (a
template once put the change form and the history into the title block: raw HTML in the tab,
the issue-13 evaluation-page fault again)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from samtrygg.plans import services

from ..conftest import World
from .test_plans import plan_with_a_measure

pytestmark = pytest.mark.usefixtures("swedish")


def title_of(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, flags=re.S)
    assert found, page[:300]
    return found.group(1)


def test_plan_and_problem_pages_have_plain_titles(world: World, client: Client) -> None:
    plan = plan_with_a_measure(world, deadline=date(2027, 6, 30))
    problem = services.create_problem(world.access(world.dave), title="Klotter vid torget")
    client.force_login(world.dave)
    for url, name in (
        (f"/k/{world.a.slug}/plans/{plan.pk}/", plan.title),
        (f"/k/{world.a.slug}/problems/{problem.pk}/", problem.title),
    ):
        title = title_of(client.get(url).content.decode())
        assert "<" not in title and name in title, title
