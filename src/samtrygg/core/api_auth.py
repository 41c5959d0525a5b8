"""Who is calling the API: a personal token (``Authorization: Bearer smt_…``) or the browser
session. For routes under ``/k/{municipality}/`` the caller's membership is checked here, before
the request body is read, so a non-member gets 404 whatever they send (DESIGN.md rule 1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from samtrygg.tenancy.policy import Access, access_for
from samtrygg.tenancy.roles import Permission, refused_as_not_found
from samtrygg.tenancy.tokens import user_for_token


def _gate(request: HttpRequest, user: Any) -> Any:
    if user is None:
        return None
    request.user = user
    match = request.resolver_match
    slug = match.kwargs.get("municipality") if match is not None else None
    if slug is not None:
        access = access_for(user, slug)  # 404 for outsiders
        request.access = access  # type: ignore[attr-defined]
        # Every incident route needs REPORT_INCIDENTS; a role refused it as not found (regional
        # support) is refused here, before the body is read: 404 whatever it sends.
        if (
            match is not None
            and "/incidents" in match.route
            and not access.can(Permission.REPORT_INCIDENTS)
            and refused_as_not_found(access.role, Permission.REPORT_INCIDENTS)
        ):
            raise Http404
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _gate(request, user_for_token(token))


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (with Django's CSRF check on writes)."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user if request.user.is_authenticated else None
        return _gate(request, user)


def api_access(request: HttpRequest, municipality: str) -> Access:
    """The Access the authentication step worked out for this municipality."""
    access: Access | None = getattr(request, "access", None)
    if access is None or access.municipality.slug != municipality:
        access = access_for(request.user, municipality)
    return access
