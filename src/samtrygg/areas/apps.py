from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "samtrygg.areas"
    label = "areas"
    verbose_name = _("Areas")

    def ready(self) -> None:
        from . import queries  # noqa: F401
