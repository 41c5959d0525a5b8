from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "samtrygg.tenancy"
    label = "tenancy"
    verbose_name = _("Municipalities and organisations")

    def ready(self) -> None:
        from . import queries  # noqa: F401  (registers the scopes with the access policy)
