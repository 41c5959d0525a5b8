"""The append-only event log: who did what, when, from which organisation, in which request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", _("Logged in")
    LOGIN_FAILED = "auth.login_failed", _("Failed login")
    LOCKED_OUT = "auth.locked_out", _("Account locked after failed logins")
    ACCOUNT_UNLOCKED = "auth.unlocked", _("Account unlocked")
    LOGOUT = "auth.logout", _("Logged out")
    MFA_ACTIVATED = "auth.mfa_activated", _("Two-factor authentication turned on")
    MFA_DEACTIVATED = "auth.mfa_deactivated", _("Two-factor authentication turned off")
    ORGANISATION_CREATED = "organisation.created", _("Organisation created")
    ORGANISATION_CHANGED = "organisation.changed", _("Organisation changed")
    INVITATION_SENT = "invitation.sent", _("Invitation sent")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation withdrawn")
    INVITATION_ACCEPTED = "invitation.accepted", _("Invitation accepted")
    MEMBERSHIP_CREATED = "membership.created", _("Membership added")
    ROLE_CHANGED = "membership.role_changed", _("Role changed")
    MEMBERSHIP_REMOVED = "membership.removed", _("Membership removed")
    AREAS_IMPORTED = "area.imported", _("Areas imported")
    AREA_DELETED = "area.deleted", _("Area deleted")
    CATEGORY_CREATED = "category.created", _("Category added")
    CATEGORY_CHANGED = "category.changed", _("Category changed")
    CATEGORY_DELETED = "category.deleted", _("Category deleted")
    INCIDENT_CREATED = "incident.created", _("Incident reported")
    CASE_STATUS_CHANGED = "case.status_changed", _("Case status changed")
    CASE_ASSIGNED = "case.assigned", _("Case assigned")
    CASE_COMMENTED = "case.commented", _("Comment on a case")
    CASE_MERGED = "case.merged", _("Duplicate merged")
    PHOTO_ADDED = "case.photo_added", _("Photo added")
    WEEKLY_REPORT_SUBMITTED = "weekly_report.submitted", _("Weekly report submitted")
    PHOTO_KEPT = "weekly_report.photo_kept", _("Photo kept for a report being written")
    INCIDENTS_IMPORTED = "incidents.imported", _("Incidents imported")
    POLICE_EVENTS_IMPORTED = "police_events.imported", _("Police events imported")
    EXPORT = "export", _("Export")
    SITUATION_REPORT_CREATED = "situation_report.created", _("Lägesbild created")
    SITUATION_REPORT_CHANGED = "situation_report.changed", _("Lägesbild changed")
    SITUATION_REPORT_APPROVED = "situation_report.approved", _("Lägesbild approved")
    PERIOD_ANALYSIS_CREATED = "period_analysis.created", _("Tertial analysis created")
    PERIOD_ANALYSIS_CHANGED = "period_analysis.changed", _("Tertial analysis changed")
    PERIOD_ANALYSIS_FINALISED = "period_analysis.finalised", _("Tertial analysis finalised")
    TABLE_IMPORTED = "table.imported", _("Table imported")
    CONTRIBUTION_ADDED = "contribution.added", _("Party's lägesbild added")
    CONTRIBUTION_CHANGED = "contribution.changed", _("Party's lägesbild changed")
    CONTRIBUTION_REMOVED = "contribution.removed", _("Party's lägesbild removed")
    CONTRIBUTION_IMPORTED = "contribution.imported", _("Party's lägesbild imported")
    PROBLEM_CREATED = "problem.created", _("Problem added")
    CAUSE_ADDED = "problem.cause_added", _("Cause added")
    PROBLEM_CHANGED = "problem.changed", _("Problem changed")
    PROBLEM_REMOVED = "problem.removed", _("Problem removed")
    CAUSE_CHANGED = "problem.cause_changed", _("Cause changed")
    CAUSE_REMOVED = "problem.cause_removed", _("Cause removed")
    PLAN_CREATED = "plan.created", _("Åtgärdsplan created")
    PLAN_VERSION_CREATED = "plan.version_created", _("New version of an åtgärdsplan")
    PLAN_DECIDED = "plan.decided", _("Åtgärdsplan decided")
    PLAN_FOLLOWED_UP = "plan.followed_up", _("Åtgärdsplan followed up")
    PLAN_DOCUMENT_CHANGED = "plan.document_changed", _("Åtgärdsplan's decision document changed")
    MEASURE_ADDED = "measure.added", _("Measure added")
    MEASURE_CHANGED = "measure.changed", _("Measure changed")
    MEASURE_REMOVED = "measure.removed", _("Measure removed")
    FOLLOW_UP_RECORDED = "measure.followed_up", _("Follow-up of a measure recorded")
    EVALUATION_SAVED = "evaluation.saved", _("Evaluation saved")
    AGREEMENT_CREATED = "agreement.created", _("Agreement created")
    AGREEMENT_CHANGED = "agreement.changed", _("Agreement changed")
    AGREEMENT_REMOVED = "agreement.removed", _("Agreement removed")
    COUNCIL_MEMBER_ADDED = "council.member_added", _("Member of the strategic council added")
    COUNCIL_MEMBER_CHANGED = "council.member_changed", _("Member of the strategic council changed")
    COUNCIL_MEMBER_REMOVED = "council.member_removed", _("Member of the strategic council removed")
    COUNCIL_MEETING_RECORDED = "council.meeting_recorded", _("Council meeting recorded")
    COUNCIL_REPORT_CREATED = "council_report.created", _("Report to the municipal council started")
    COUNCIL_REPORT_CHANGED = "council_report.changed", _("Report to the municipal council changed")
    COUNCIL_REPORT_REPORTED = (
        "council_report.reported",
        _("Report to the municipal council marked as reported"),
    )
    PROMISE_CREATED = "promise.created", _("Citizen promise added")
    PROMISE_CHANGED = "promise.changed", _("Citizen promise changed")
    PROMISE_ACTIVITY_ADDED = "promise.activity_added", _("Activity added to a citizen promise")
    PROMISE_FOLLOWED_UP = "promise.followed_up", _("Follow-up of a promise's activity recorded")
    COMPLIANCE_SETTINGS_CHANGED = "compliance.changed", _("Compliance settings changed")
    BRANDING_CHANGED = "branding.changed", _("Profile and document template changed")
    PUBLIC_TEXTS_CHANGED = (
        "public_texts.changed",
        _("Accessibility statement or personal data page changed"),
    )
    MEETING_CREATED = "meeting.created", _("Meeting created")
    MEETING_DECISIONS_RECORDED = "meeting.decisions", _("Meeting decisions recorded")
    MEETING_TASK_ADDED = "meeting.task_added", _("Task added at a meeting")
    MEETING_TASK_DONE = "meeting.task_done", _("Meeting task marked done or open")
    SAVED_FILTER_CHANGED = "saved_filter.changed", _("Saved filter changed")
    PREFERENCES_CHANGED = "preferences.changed", _("Notification choices changed")
    RETENTION_APPLIED = "retention.applied", _("Details removed after the retention period")
    NOTIFICATION_SENT = "notification.sent", _("Notification e-mails sent")
    API_TOKEN_CREATED = "api_token.created", _("API token created")
    API_TOKEN_REVOKED = "api_token.revoked", _("API token revoked")
    DEMO_BUILT = "demo.built", _("Demo data built")
    BACKUP_CREATED = "backup.created", _("Backup made")
    BACKUP_RESTORED = "backup.restored", _("Backup restored")
    ADMIN_CREATED = "admin.created", _("Added in the Django admin")
    ADMIN_CHANGED = "admin.changed", _("Changed in the Django admin")
    ADMIN_DELETED = "admin.deleted", _("Deleted in the Django admin")


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept as text too, so the log still says who it was if the account is removed.
    actor_label = models.CharField(_("who"), max_length=254, blank=True)
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    action = models.CharField(_("what"), max_length=64, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["municipality", "-at"], name="audit_municipality_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted")
