from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "samtrygg.plans"
    label = "plans"
    verbose_name = _("Problems, plans and follow-up")

    def ready(self) -> None:
        from . import queries  # noqa: F401  (registers the access scopes)
