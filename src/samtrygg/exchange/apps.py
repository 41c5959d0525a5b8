from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "samtrygg.exchange"
    label = "exchange"
    verbose_name = _("Imports and exports")

    def ready(self) -> None:
        from . import queries  # noqa: F401
