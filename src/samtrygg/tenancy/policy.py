"""The one access policy (DESIGN.md rule 1).

Every view, API route, export and report asks this module two things:

* ``access_for(user, slug)``: who is this user in that municipality? A municipality where the user
  has no membership answers 404, exactly like one that does not exist.
* ``access.scope(queryset)``: which rows of this model may the user see? Each app registers one
  scope function per model in its ``queries.py`` with ``@scope_for(Model)``; a model without a
  registered scope cannot be read through the policy at all (``LookupError``), so a new model is
  closed until somebody decides who may see it.

A visitor who is not logged in is sent to the login page by ``municipality_view`` (with
``next=``), for every slug alike; the API answers 401.

``access.require(permission)`` answers 403 for a role limit inside a municipality the user belongs
to (the user already knows the municipality exists, so there is nothing to hide); a role that
may never see a single incident (regional support), and every role but administrator and
coordinator on the profile and document template page (``roles.NOT_FOUND_ROLES``), gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, Concatenate
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from .roles import Permission, Role, grantable_roles, refused_as_not_found, role_allows

if TYPE_CHECKING:
    from .models import Membership, Municipality, Organisation

ScopeFunction = Callable[[models.QuerySet[Any], "Access"], models.QuerySet[Any]]
_SCOPES: dict[type[models.Model], ScopeFunction] = {}


def scope_for(model: type[models.Model]) -> Callable[[ScopeFunction], ScopeFunction]:
    """Register the function that limits ``model`` querysets to what an Access may see."""

    def register(function: ScopeFunction) -> ScopeFunction:
        if model in _SCOPES and _SCOPES[model] is not function:
            raise RuntimeError(f"{model.__name__} already has a scope")
        _SCOPES[model] = function
        return function

    return register


def registered_models() -> list[type[models.Model]]:
    return list(_SCOPES)


@dataclass(frozen=True)
class Access:
    """What one user may do in one municipality, worked out once per request."""

    user: Any
    municipality: Municipality
    memberships: tuple[Membership, ...] = field(default=())

    @cached_property
    def role(self) -> Role | None:
        return max((Role(m.role) for m in self.memberships), default=None)

    @cached_property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(m.organisation_id for m in self.memberships)

    @cached_property
    def organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships]

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            if refused_as_not_found(self.role, permission):
                raise Http404
            raise PermissionDenied

    def grantable_roles(self) -> frozenset[Role]:
        return grantable_roles(self.role)

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        try:
            function = _SCOPES[queryset.model]
        except KeyError:
            raise LookupError(f"No access scope registered for {queryset.model.__name__}") from None
        return function(queryset, self)

    def get_or_404(self, queryset: models.QuerySet[Any], **lookup: Any) -> Any:
        """One object within scope, or 404: never says whether it exists elsewhere."""
        try:
            return self.scope(queryset).get(**lookup)
        except (queryset.model.DoesNotExist, ValueError, TypeError):
            raise Http404 from None


def municipalities_for(user: Any) -> models.QuerySet[Municipality]:
    from .models import Municipality

    if not user.is_authenticated:
        return Municipality.objects.none()
    return Municipality.objects.filter(organisations__memberships__user=user).distinct()


def access_for(user: Any, slug: str) -> Access:
    """The user's access in the municipality with this slug; 404 if none."""
    from .models import Membership

    if not user.is_authenticated:
        raise Http404
    memberships = tuple(
        # The municipality's branding comes along for the page header (core/context_processors),
        # without its logo and Word template, which only their own views and documents read.
        Membership.objects.select_related("organisation__municipality__branding")
        .defer(
            "organisation__municipality__branding__logo",
            "organisation__municipality__branding__word_template",
        )
        .filter(user=user, organisation__municipality__slug=slug, organisation__is_active=True)
        .order_by("organisation__name")
    )
    if not memberships:
        raise Http404
    return Access(
        user=user, municipality=memberships[0].organisation.municipality, memberships=memberships
    )


def _to_login(request: HttpRequest) -> HttpResponseBase:
    """An anonymous visitor goes to the login page and comes back after it (whether the
    municipality exists is not told: every slug answers the same). An htmx request whose session
    ended sends the whole page there, not a login form into a fragment."""
    from django.contrib.auth.views import redirect_to_login
    from django_htmx.http import HttpResponseClientRedirect

    if getattr(request, "htmx", False):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        page = current.path + (f"?{current.query}" if current.query else "")
        target = redirect_to_login(page or request.get_full_path())
        return HttpResponseClientRedirect(target["Location"])
    return redirect_to_login(request.get_full_path())


def municipality_view[**P](
    permission: Permission = Permission.VIEW_MUNICIPALITY,
) -> Callable[
    [Callable[Concatenate[HttpRequest, Access, P], HttpResponseBase]],
    Callable[..., HttpResponseBase],
]:
    """Decorate a view under ``/k/<municipality>/``: resolves the Access, checks the permission,
    keeps the current municipality in the session, and passes ``access`` instead of the slug."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, Access, P], HttpResponseBase],
    ) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, municipality: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return _to_login(request)
            access = access_for(request.user, municipality)
            access.require(permission)
            request.access = access  # type: ignore[attr-defined]
            if request.session.get("municipality") != access.municipality.slug:
                # Written only when it changes: a session save is a database write, which on
                # SQLite waits behind a long import and would stall every page meanwhile.
                request.session["municipality"] = access.municipality.slug
            return view(request, access, *args, **kwargs)

        wrapper.access_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate
