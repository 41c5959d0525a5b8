from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from samtrygg.audit.admin import AuditedAdmin
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record

from .models import Invitation, Membership, Municipality, Organisation, User


class AuditedHistoryAdmin(AuditedAdmin, SimpleHistoryAdmin):
    """Row history (simple-history) and an audit event for every admin change."""


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_superuser")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ("is_active", "is_superuser")

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """The admin's own password form does not pass through ``save_model``."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.filter(pk=id).first()
            record(
                AuditAction.ADMIN_CHANGED,
                actor=request.user,
                obj=user,
                changes={"password": ["***", "***"]},
            )
        return response


admin.site.register(Municipality, AuditedHistoryAdmin)
admin.site.register(Organisation, AuditedHistoryAdmin)
admin.site.register(Membership, AuditedHistoryAdmin)
admin.site.register(Invitation, AuditedAdmin)
