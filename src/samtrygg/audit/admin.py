from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from .models import AuditAction, AuditEvent
from .services import record

SECRET_FIELDS = ("password", "token", "secret")


def _where(obj: models.Model) -> dict[str, Any]:
    """The organisation and municipality an admin change belongs to, where the object has one."""
    from samtrygg.tenancy.models import Municipality, Organisation

    if isinstance(obj, Municipality):
        return {"municipality": obj}
    if isinstance(obj, Organisation):
        return {"organisation": obj}
    organisation = getattr(obj, "organisation", None)
    if isinstance(organisation, Organisation):
        return {"organisation": organisation}
    municipality = getattr(obj, "municipality", None)
    return {"municipality": municipality if isinstance(municipality, Municipality) else None}


def _shown(field: str, value: Any) -> Any:
    if any(word in field for word in SECRET_FIELDS):
        return "***"
    if isinstance(value, models.QuerySet | list | tuple):
        return sorted(str(v) for v in value)
    return value


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the Django admin is an audit event with the changed
    fields as ``[old, new]`` (secrets masked), written in the same transaction as the change.
    The admin itself is for superusers only (core/admin.py); municipalities use their own pages,
    whose services log their own typed events."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changes = {
                field: [
                    _shown(field, form.initial.get(field)) if change else None,
                    _shown(field, form.cleaned_data.get(field)),
                ]
                for field in form.changed_data
            }
            record(
                AuditAction.ADMIN_CHANGED if change else AuditAction.ADMIN_CREATED,
                actor=request.user,
                obj=obj,
                changes=changes,
                **_where(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._record_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._record_deletion(request, obj)
            super().delete_queryset(request, queryset)

    def _record_deletion(self, request: HttpRequest, obj: Any) -> None:
        record(
            AuditAction.ADMIN_DELETED,
            actor=request.user,
            obj=obj,
            **_where(obj),
        )


def audit_every_admin(site: admin.AdminSite) -> None:
    """Give every registered admin that is not already audited (Django's, allauth's, axes', the
    task queue's) the ``AuditedAdmin`` behaviour; the event log itself stays read-only."""
    for model, model_admin in list(site._registry.items()):
        if model is AuditEvent or isinstance(model_admin, AuditedAdmin):
            continue
        audited = type(
            f"Audited{type(model_admin).__name__}",
            (AuditedAdmin, type(model_admin)),
            {"__module__": __name__},
        )
        site.unregister(model)
        site.register(model, audited)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("at", "actor_label", "action", "object_repr", "municipality", "request_id")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_repr", "request_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
