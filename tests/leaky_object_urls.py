"""A URL table with two object lookups that skip the access policy, behind the access decorator,
to show that the object-level outsider test (tests/test_object_outsider.py) catches them. Both
pass the route-level outsider test when it builds URLs with municipality A's slug."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from samtrygg.incidents.models import Incident
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission
from samtrygg.urls import urlpatterns as real_patterns


@municipality_view(Permission.REPORT_INCIDENTS)
def by_id_alone(request: HttpRequest, access: Access, incident_id: int) -> JsonResponse:
    # The bug: the membership was checked for the slug, but the case is looked up by id alone,
    # so a member of municipality B reads A's case through B's URL.
    incident = get_object_or_404(Incident, pk=incident_id)
    return JsonResponse({"description": incident.description})


@municipality_view(Permission.REPORT_INCIDENTS)
def by_municipality_alone(request: HttpRequest, access: Access, incident_id: int) -> JsonResponse:
    # The subtler bug: the municipality is right, but the role table is skipped, so a reporter
    # reads another organisation's case (and an analyst a restricted one).
    incident = get_object_or_404(Incident, pk=incident_id, municipality=access.municipality)
    return JsonResponse({"description": incident.description})


urlpatterns = [
    path("k/<slug:municipality>/leaky/incidents/<id:incident_id>/", by_id_alone),
    path("k/<slug:municipality>/leaky/cases/<id:incident_id>/", by_municipality_alone),
    *real_patterns,
]
