"""Personal API tokens: created by a logged-in user (who passed MFA), shown once, stored hashed,
revocable, optionally expiring, and ended by a change of the owner's password (see
``ApiToken``). The API accepts them as ``Authorization: Bearer <token>``."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record

from .models import ApiToken, password_fingerprint
from .services import token_hash

TOKEN_PREFIX = "smt_"  # noqa: S105  # a marker, not a secret
EXPIRY_CHOICES_DAYS = (30, 90, 365)
# Writing last_used_at on every call would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def create_token(user: Any, *, name: str, days: int | None) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. what will use it.")})
    if days is not None and days not in EXPIRY_CHOICES_DAYS:
        raise ValidationError({"days": _("Choose a period from the list.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            token_hash=token_hash(secret),
            password_fingerprint=password_fingerprint(user.password),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        record(
            AuditAction.API_TOKEN_CREATED,
            actor=user,
            obj=token,
            changes={"name": name, "expires_at": token.expires_at},
        )
    return token, secret


def revoke_token(user: Any, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise ValueError("Only the owner revokes a token")  # views look tokens up by owner
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(AuditAction.API_TOKEN_REVOKED, actor=user, obj=token)


def user_for_token(secret: str) -> Any:
    """The active owner of a usable token (not revoked, not expired, made under the owner's
    current password), or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not token.is_usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def tokens_of(user: Any) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).select_related("user"))
