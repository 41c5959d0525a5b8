"""The HTTP API under /api/v1/ (OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs).

Callers authenticate with a personal API token (``Authorization: Bearer smt_…``, made on the
"API tokens" page) or, from the browser, with their session.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser

from samtrygg.areas.api import router as areas_router
from samtrygg.exchange.api import router as exchange_router
from samtrygg.incidents.api import router as incidents_router
from samtrygg.incidents.cases import ConflictError
from samtrygg.tenancy.api import router as tenancy_router

from .api_auth import SessionAuth, TokenAuth


def _swedish_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """django-ninja answers a method a route lacks with English plain text; ours is Swedish
    JSON like every other error, with the same Allow header."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        answer = JsonResponse(
            {
                "detail": _("This method is not allowed here (allowed: %(methods)s).")
                % {"methods": response.get("Allow", "")}
            },
            status=405,
        )
        answer["Allow"] = response.get("Allow", "")
        return answer

    return wrapper


class _NotJson(ValueError):
    """A body sent with a media type other than JSON."""


class JsonParser(Parser):
    """A JSON body must say it is JSON: a body of another declared type (a form, plain text)
    is refused with 415 rather than read as JSON anyway."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        media_type = request.content_type or ""
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise _NotJson(media_type)
        return super().parse_body(request)


class SamtryggAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _swedish_405(url.callback)
        return urls


api = SamtryggAPI(
    title="Samtrygg API",
    version="1",
    urls_namespace="api",
    parser=JsonParser(),
    auth=[TokenAuth(), SessionAuth()],
    description="Samtrygg's API. Authenticate with a personal API token "
    "(`Authorization: Bearer smt_…`). Every route is scoped to what the caller may see: objects "
    "outside that scope answer 404. Errors have a Swedish `detail`; invalid input also has "
    "`errors` (Swedish messages per field) and `problems` (field, error type and limits, for "
    "programs); a body that is not JSON answers 400 with `code` `parse_error` and the line and "
    "column, and a body sent as another media type than `application/json` answers 415.",
)
api.add_router("", tenancy_router)
api.add_router("", areas_router)
api.add_router("", incidents_router)
api.add_router("", exchange_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": _("Your role does not allow this.")}, status=403)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body past DATA_UPLOAD_MAX_MEMORY_SIZE (files in a form do not count) is refused before
    it is read: 413, not Django's 400."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return api.create_response(
        request,
        {
            "detail": _("The request is too large: at most %(size)s MB besides files.")
            % {"size": number_format(limit / 1_048_576, 1)},
            "code": "too_large",
        },
        status=413,
    )


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Log in, or send a valid API token.")}, status=401
    )


def _ninja_messages() -> dict[str, tuple[str, str]]:
    """django-ninja's own English HttpError messages: a machine-readable code and Swedish."""
    return {
        "Cannot parse request body": ("parse_error", _("The request body is not valid JSON.")),
        "CSRF check Failed": (
            "csrf_failed",
            _("The form could not be sent safely. Reload the page and try again."),
        ),
        "Too many requests.": ("throttled", _("Too many requests. Wait a minute and try again.")),
        "Unauthorized": ("unauthorised", _("Log in, or send a valid API token.")),
        "Forbidden": ("forbidden", _("Your role does not allow this.")),
    }


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's errors (unreadable JSON, a failed CSRF check) in Swedish, with a ``code``.

    Our own code raises HttpError with messages already translated; those pass unchanged."""
    message = str(exc)
    code, detail = _ninja_messages().get(message.split(" (", 1)[0], ("", message))
    if code == "csrf_failed" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # ninja checks the session's CSRF token before it looks for the session: a write with
        # neither a valid token nor a session is not logged in, whatever the CSRF check says.
        return unauthorised(request, AuthenticationError())
    body: dict[str, Any] = {"detail": detail}
    if code:
        body["code"] = code
    cause = exc.__cause__
    if code == "parse_error" and isinstance(cause, json.JSONDecodeError):
        body["detail"] = _(
            "The request body is not valid JSON (line %(line)d, column %(column)d)."
        ) % {"line": cause.lineno, "column": cause.colno}
        body["line"], body["column"] = cause.lineno, cause.colno
    return api.create_response(request, body, status=exc.status_code)


def _schema_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith(("int_", "float_", "decimal_")):
        return _("Give a number.")
    if kind.startswith("datetime_"):
        return _("Give a date and time in ISO 8601, e.g. 2026-11-23T21:30:00+01:00.")
    if kind.startswith("date_"):
        return _("Give a date as YYYY-MM-DD, e.g. 2026-11-23.")
    if kind == "too_long":
        n = int(ctx.get("max_length", 0))
        return ngettext("Give at most %(n)d item.", "Give at most %(n)d items.", n) % {"n": n}
    if kind == "too_short":
        n = int(ctx.get("min_length", 0))
        return ngettext("Give at least %(n)d item.", "Give at least %(n)d items.", n) % {"n": n}
    if kind in {"enum", "literal_error"}:
        choices = str(ctx.get("expected", "")).replace(" or ", ", ")
        return _("Choose one of: %(choices)s.") % {"choices": choices}
    if kind.startswith("bool_"):
        return _("Give true or false.")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return _("The value is out of range.")
    if kind.startswith("string_"):
        return _("The text is too long or has the wrong form.")
    return _("The value is not valid.")


@api.exception_handler(SchemaValidationError)
def invalid_schema(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    """Schema errors: Swedish messages per field in ``errors``; the same problems for programs
    in ``problems`` (pydantic's location and error type, and its limits such as ``le``)."""
    errors: dict[str, list[str]] = {}
    problems: list[dict[str, Any]] = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        field = ".".join(location) or "__all__"
        errors.setdefault(field, []).append(_schema_message(error))
        problem: dict[str, Any] = {"field": field, "type": error.get("type", "")}
        limits = {
            key: value
            for key, value in (error.get("ctx") or {}).items()
            if isinstance(value, str | int | float | bool)
        }
        if limits:
            problem["ctx"] = limits
        problems.append(problem)
    return api.create_response(
        request,
        {"detail": _("The request has invalid values."), "errors": errors, "problems": problems},
        status=422,
    )


@api.exception_handler(DjangoValidationError)
def invalid_input(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service's ValidationError as 422 with the Swedish messages per field."""
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    first = next(iter(errors.values()))[0]
    return api.create_response(request, {"detail": first, "errors": errors}, status=422)


@api.exception_handler(ConflictError)
def conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.messages[0]}, status=409)
