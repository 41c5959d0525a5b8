"""One access rule, two renderings (issue 11, DESIGN.md rule 8): the query that scopes lists,
pages, exports and the API, and the mask that scopes the map's points, select the same
incidents for every user. Hypothesis generates the users (every role, any set of organisations
of any kind); the incidents cover every combination of restricted or shared category, reporting
organisation, handling organisation (or none) and counted or duplicate status."""

from __future__ import annotations

from datetime import timedelta
from itertools import product
from typing import Any

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samtrygg.incidents import queries
from samtrygg.incidents.models import Category, Incident, Status, Visibility
from samtrygg.situation.filters import points_mask, statistics_mask
from samtrygg.situation.snapshot import forget_all, snapshot
from samtrygg.tenancy.models import Membership, User
from samtrygg.tenancy.policy import access_for
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World

ROLES = list(Role)


@pytest.fixture
def every_kind(world: World) -> World:
    """Two categories (one restricted), three organisations, and an incident for every
    combination of category × reporter × handler (or none) × status."""
    shared = Category.objects.create(
        municipality=world.a, code="klotter", label_sv="Klotter", label_en="Graffiti"
    )
    restricted = Category.objects.create(
        municipality=world.a,
        code="hot",
        label_sv="Hot mot personal",
        label_en="Threats",
        visibility=Visibility.RESTRICTED,
    )
    third = factories.organisation(world.a, "Vaktbolaget AB", kind="bevakningsforetag")
    organisations = [world.a_org, world.a_other_org, third]
    when = timezone.now() - timedelta(days=2)
    combinations = product(
        [shared, restricted], organisations, [None, *organisations], [Status.NEW, Status.DUPLICATE]
    )
    for number, (category, reporter, handler, status) in enumerate(combinations):
        Incident.objects.create(
            municipality=world.a,
            reference=f"2026-{number:06d}",
            category=category,
            reporting_organisation=reporter,
            handling_organisation=handler,
            status=status,
            occurred_at=when,
        )
    world.organisations = organisations  # type: ignore[attr-defined]
    return world


def selected(mask: np.ndarray, snap: Any) -> set[int]:
    return {int(i) for i in snap["id"][mask]}


@pytest.mark.django_db
@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    role=st.sampled_from(ROLES),
    memberships=st.sets(st.integers(min_value=0, max_value=2), min_size=1, max_size=3),
)
def test_the_query_and_the_mask_select_the_same_incidents(
    every_kind: World, role: Role, memberships: set[int]
) -> None:
    organisations = every_kind.organisations  # type: ignore[attr-defined]
    with transaction.atomic():
        user = User.objects.create_user(email="prov@example.se", password="x" * 20)
        for index in sorted(memberships):
            Membership.objects.create(user=user, organisation=organisations[index], role=role)
        access = access_for(user, every_kind.a.slug)
        forget_all()
        snap = snapshot(every_kind.a.pk)
        by_query = set(queries.incidents(access).values_list("pk", flat=True))
        by_mask = selected(points_mask(snap, access), snap)
        assert by_query == by_mask, (role, memberships)
        # Aggregates: the counted incidents (no duplicates) the rule lets this user count.
        counted = selected(statistics_mask(snap, access), snap)
        assert counted <= set(
            Incident.objects.exclude(status=Status.DUPLICATE).values_list("pk", flat=True)
        )
        transaction.set_rollback(True)
    forget_all()


def test_the_rule_as_the_role_table_says(every_kind: World) -> None:
    """Hand-counted from the fixture (2 categories × 3 reporters × 4 handlers × 2 statuses =
    48 incidents), independently of the rule's code."""
    organisations = every_kind.organisations  # type: ignore[attr-defined]

    def seen(role: Role, index: int) -> int:
        user = User.objects.create_user(email=f"{role.name}{index}@example.se", password="x" * 20)
        Membership.objects.create(user=user, organisation=organisations[index], role=role)
        return queries.incidents(access_for(user, every_kind.a.slug)).count()

    assert seen(Role.COORDINATOR, 0) == 48
    assert seen(Role.VIEWER, 0) == 0
    # Analyst: 24 shared + the restricted ones its organisation reported (1 × 4 × 2 = 8).
    assert seen(Role.ANALYST, 1) == 32
    # Reporter: its own reports (2 × 4 × 2 = 16) + those assigned to it by others (2 × 2 × 2 = 8).
    assert seen(Role.REPORTER, 2) == 24
    assert seen(Role.HANDLER, 2) == 24
