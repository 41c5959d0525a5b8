"""A URL table with one unscoped route, to show that the outsider test catches it."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from samtrygg.areas.models import Area
from samtrygg.urls import urlpatterns as real_patterns


def leaky(request: HttpRequest, municipality: str, area_id: int) -> JsonResponse:
    area = Area.objects.get(pk=area_id)  # no access policy: the bug this test must catch
    return JsonResponse({"name": area.name})


urlpatterns = [path("k/<slug:municipality>/leaky/<id:area_id>/", leaky), *real_patterns]
