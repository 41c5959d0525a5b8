"""Writing the event log. Service functions call ``record`` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from .context import current_request_id
from .models import AuditAction, AuditEvent


def _plain(value: Any) -> Any:
    """Values as JSON can hold them: choices by their stored value, objects by str."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _as_pairs(changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Every change as ``[old, new]``; a bare value is something set where nothing was."""
    return {
        str(key): _plain(value)
        if isinstance(value, list) and len(value) == 2
        else [None, _plain(value)]
        for key, value in changes.items()
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for the fields whose value changed."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    action: AuditAction,
    *,
    actor: Any = None,
    municipality: Any = None,
    organisation: Any = None,
    obj: models.Model | None = None,
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    if municipality is None and organisation is not None:
        municipality = organisation.municipality
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        action=action,
        actor=actor_obj,
        actor_label=getattr(actor_obj, "email", "") or (str(actor) if actor else ""),
        municipality=municipality,
        organisation=organisation,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:255],
        changes=_as_pairs(changes or {}),
        request_id=current_request_id.get(),
    )
