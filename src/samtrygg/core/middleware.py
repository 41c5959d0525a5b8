"""The client's address behind a proxy, response headers, the request id for the audit trail,
the MFA gate for roles that must use it, and Swedish first."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from samtrygg.audit.context import current_request_id

from .client_ip import PEER_KEY, client_ip, trusted_networks

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,32}$")
# Caddy's {http.request.uuid}: kept without its hyphens, to fit the audit log's 32 characters.
_UUID = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


class ClientIpMiddleware:
    """Put the client's address into REMOTE_ADDR (core/client_ip.py), first of all middleware,
    so that the login rate limit, django-axes and anything else count the real client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        trusted_networks(tuple(settings.TRUSTED_PROXIES))  # a typo stops the start, loudly

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META[PEER_KEY] = request.META.get("REMOTE_ADDR", "")
        request.META["REMOTE_ADDR"] = client_ip(request)
        return self.get_response(request)


# Browser features a page may use. The report form's "Use my position" needs geolocation on our
# own pages; nothing asks for the camera (photos come through a file input) or the microphone.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
    ]
)


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header on every response, static files and error pages included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class RequestIdMiddleware:
    """Give each request an id (or keep a proxy's X-Request-ID) that the audit log stamps."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        if _UUID.match(incoming):
            incoming = incoming.replace("-", "").lower()
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


def user_must_use_mfa(user: Any) -> bool:
    from samtrygg.tenancy.models import Membership
    from samtrygg.tenancy.roles import MFA_REQUIRED_ROLES

    if getattr(user, "is_superuser", False):
        return True
    return Membership.objects.filter(user=user, role__in=list(MFA_REQUIRED_ROLES)).exists()


def user_has_mfa(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMfaMiddleware:
    """Administrators and coordinators reach nothing but MFA set-up until they have TOTP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _allowed_paths(self) -> tuple[str, ...]:
        return (
            reverse("mfa_activate_totp"),
            # allauth asks for the password again before MFA set-up if the login is not recent.
            reverse("account_reauthenticate"),
            reverse("account_logout"),
            reverse("set_language"),
            settings.STATIC_URL,
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(self._allowed_paths())
            and user_must_use_mfa(user)
            and not user_has_mfa(user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class SwedishFirstLocaleMiddleware(LocaleMiddleware):
    """Swedish unless the user chose English with the language switch (a cookie).

    Django's own middleware would follow the browser's Accept-Language, so an official with an
    English browser would get English without asking; Samtrygg speaks Swedish first.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
