from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "samtrygg.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from django.contrib import admin

        from . import queries, signals  # noqa: F401
        from .admin import audit_every_admin

        # Every app's admin module is loaded now (idempotent; Django's admin app would load them
        # after this one), so that each registered admin can be made audited.
        admin.autodiscover()
        audit_every_admin(admin.site)
