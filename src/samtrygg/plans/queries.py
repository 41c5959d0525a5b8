"""Who sees the plans: every member of the municipality (the plan, the agreements and the
promises are shared work, and the law wants them known); only editors change them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from samtrygg.tenancy.policy import Access, scope_for

from .models import (
    ActionPlan,
    Agreement,
    Cause,
    CitizenPromise,
    CouncilMeeting,
    CouncilMember,
    CouncilReport,
    Evaluation,
    FollowUp,
    Measure,
    Meeting,
    MeetingTask,
    Problem,
    PromiseActivity,
    PromiseFollowUp,
)


def _own(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(municipality=access.municipality)


for _model in (
    ActionPlan,
    Agreement,
    CitizenPromise,
    CouncilMeeting,
    CouncilMember,
    CouncilReport,
    Evaluation,
    Meeting,
    Problem,
):
    scope_for(_model)(_own)


@scope_for(Cause)
def scope_causes(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(problem__municipality=access.municipality)


@scope_for(Measure)
def scope_measures(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(plan__municipality=access.municipality)


@scope_for(FollowUp)
def scope_follow_ups(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(measure__plan__municipality=access.municipality)


@scope_for(MeetingTask)
def scope_meeting_tasks(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(meeting__municipality=access.municipality)


@scope_for(PromiseActivity)
def scope_promise_activities(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(promise__municipality=access.municipality)


@scope_for(PromiseFollowUp)
def scope_promise_follow_ups(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(activity__promise__municipality=access.municipality)
