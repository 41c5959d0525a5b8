from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from samtrygg.core.navigation import menu, my_municipalities
from samtrygg.tenancy.branding import header_branding
from samtrygg.tenancy.roles import Permission


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The current municipality, what the user may reach there, and where else they belong."""
    access = getattr(request, "access", None)
    user = getattr(request, "user", None)
    return {
        "access": access,
        "perm": {p.name: access.can(p) for p in Permission} if access else {},
        "my_municipalities": (lambda: my_municipalities(request)) if user is not None else list,
        "main_menu": lambda: menu(request),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "demo_mode": settings.DEMO_MODE,
        "brand": header_branding(access.municipality) if access else None,
    }
