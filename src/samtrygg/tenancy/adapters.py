"""django-allauth and django-axes integration."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs up: administrators invite (tenancy.services.invite).
        return False


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The login that axes counts failures for: the e-mail address, lower-cased, so that
    'Anna@x.se' and 'anna@x.se' share one counter."""
    credentials = credentials or {}
    login = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not login and request is not None and request.method == "POST":
        login = request.POST.get("login") or request.POST.get("email")
    return str(login or "").strip().lower()
