from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationConfig(AppConfig):
    name = "samtrygg.situation"
    label = "situation"
    verbose_name = _("Situation picture")

    def ready(self) -> None:
        from . import queries  # noqa: F401  (registers the access scopes)
