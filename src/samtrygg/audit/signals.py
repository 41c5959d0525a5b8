"""Log logins, logouts, failed logins, lockouts and MFA changes."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditAction
from .services import record


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditAction.LOGIN, actor=user, obj=user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AuditAction.LOGOUT, actor=user, obj=user)


def _attempted_user(credentials: dict[str, Any]) -> Any:
    login = credentials.get("email") or credentials.get("username") or ""
    return get_user_model().objects.filter(email__iexact=login).first() if login else None


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already replaced the password with asterisks in ``credentials``.
    login = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = _attempted_user(credentials)
    record(AuditAction.LOGIN_FAILED, obj=user, object_repr=login)


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    user = _attempted_user({"email": username}) if username else None
    record(AuditAction.LOCKED_OUT, obj=user, object_repr=username or "")


@receiver(mfa_signals.authenticator_added)
def on_mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(AuditAction.MFA_ACTIVATED, actor=user, obj=user, changes={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed)
def on_mfa_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(AuditAction.MFA_DEACTIVATED, actor=user, obj=user, changes={"type": authenticator.type})
