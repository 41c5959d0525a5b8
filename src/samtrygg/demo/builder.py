"""The demo: two real municipalities with generated districts, organisations and one user per role.

Deterministic for a given seed, and safe to run again: what exists is kept, nothing is doubled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from samtrygg.analysis.geo import geometry_to_sweref
from samtrygg.areas.models import Area, AreaKind
from samtrygg.areas.services import import_areas
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident
from samtrygg.tenancy.models import Membership, Municipality, Organisation, OrganisationKind, User
from samtrygg.tenancy.roles import Role

from .incidents import generate

DEMO_PASSWORD = "Samtrygg-demo-2026"  # noqa: S105  (printed for the demo on purpose)

MUNICIPALITIES = [
    # slug, SCB code, districts, incidents over two years (≈ 4 000 a year for Halmstad's size)
    ("halmstad", "1380", 12, 8000),
    ("kalmar", "0880", 10, 5000),
]

ORGANISATIONS = [
    ("{name} kommun, trygghet och säkerhet", OrganisationKind.MUNICIPAL_DEPARTMENT),
    ("{name} kommun, gatuenheten", OrganisationKind.MUNICIPAL_DEPARTMENT),
    ("{name} kommun, fritid och ungdom", OrganisationKind.MUNICIPAL_DEPARTMENT),
    ("Polisen, lokalpolisområde {name}", OrganisationKind.POLICE),
    ("Räddningstjänsten {name}", OrganisationKind.RESCUE_SERVICE),
    ("{name}hem AB", OrganisationKind.MUNICIPAL_COMPANY),
    ("Bostadsbolaget Gården", OrganisationKind.HOUSING_COMPANY),
    ("Nattvakten Bevakning AB", OrganisationKind.SECURITY_COMPANY),
    ("Centrumföreningen {name}", OrganisationKind.BUSINESS),
    ("Länsstyrelsen", OrganisationKind.COUNTY_BOARD),
]

# login prefix, role, index of the organisation in ORGANISATIONS
USERS = [
    ("admin", Role.ADMIN, 0),
    ("samordnare", Role.COORDINATOR, 0),
    ("analytiker", Role.ANALYST, 0),
    ("handlaggare", Role.HANDLER, 1),
    ("rapportor", Role.REPORTER, 5),
    ("politiker", Role.VIEWER, 0),
]
# One person in both municipalities, to show switching between them.
# Regional support reads aggregates and compliance only, never a single incident (issue 11).
REGIONAL_USER = ("lansstyrelsen@example.se", "Regionalt stöd", Role.REGIONAL, 9)


@dataclass
class DemoLogin:
    email: str
    role: str
    municipalities: str


def _boundaries() -> dict[str, dict[str, Any]]:
    text = resources.files("samtrygg.demo").joinpath("data/municipalities.geojson").read_text()
    return {f["properties"]["id"]: f for f in json.loads(text)["features"]}


def _random_points_inside(polygon: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    points: list[tuple[float, float]] = []
    shapely.prepare(polygon)
    while len(points) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(polygon, xs, ys)
        points.extend(zip(xs[inside], ys[inside], strict=True))
    return np.array(points[:n])


def district_polygons(boundary_sweref: BaseGeometry, n: int, seed: int) -> list[BaseGeometry]:
    """Voronoi cells of n seeded points, clipped to the boundary, ordered west to east."""
    rng = np.random.default_rng(seed)
    points = shapely.multipoints(_random_points_inside(boundary_sweref, n, rng))
    cells = shapely.voronoi_polygons(points, extend_to=boundary_sweref)
    clipped = [cell.intersection(boundary_sweref) for cell in cells.geoms]
    clipped = [shapely.make_valid(c) for c in clipped if not c.is_empty]
    clipped = [
        c
        if c.geom_type in ("Polygon", "MultiPolygon")
        else shapely.unary_union([g for g in c.geoms if g.geom_type == "Polygon"])
        for c in clipped
    ]
    return sorted(clipped, key=lambda c: (round(c.centroid.y, -3), c.centroid.x))


def _districts_geojson(polygons: list[BaseGeometry], rng: np.random.Generator) -> str:
    features = [
        {
            "type": "Feature",
            "properties": {
                "name": f"Område {i}",
                "code": f"D{i:02d}",
                "population": int(rng.integers(1500, 12000)),
            },
            "geometry": mapping(polygon),
        }
        for i, polygon in enumerate(polygons, start=1)
    ]
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
            "features": features,
        }
    )


def _municipality(slug: str, code: str, feature: dict[str, Any]) -> Municipality:
    municipality, _ = Municipality.objects.get_or_create(
        scb_code=code,
        defaults={
            "slug": slug,
            "name": feature["properties"]["kom_namn"],
            "boundary": feature["geometry"],
        },
    )
    return municipality


# A colour for each demo municipality: white text on it has a contrast of 7.5:1 and 9.8:1
# (tenancy/branding.py checks at least 4.5:1).
DEMO_COLOURS = ["#005a84", "#6b2c5c"]


def _branding(municipality: Municipality, colour: str) -> None:
    """A colour, header and footer text, set once: a kommun that changed its profile in the
    demo keeps it when the demo is built again."""
    from samtrygg.tenancy.branding import save_branding
    from samtrygg.tenancy.models import MunicipalityBranding

    if MunicipalityBranding.objects.filter(municipality=municipality).exists():
        return
    save_branding(
        "samtrygg demo",
        municipality,
        colour=colour,
        header_text=f"{municipality.name} kommun · Brottsförebyggande arbete",
        footer_text=f"{municipality.name} kommun · Demoinstallation med påhittade uppgifter",
    )


def _organisations(municipality: Municipality) -> list[Organisation]:
    organisations = []
    for template, kind in ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(
            municipality=municipality,
            name=template.format(name=municipality.name),
            defaults={"kind": kind},
        )
        organisations.append(organisation)
    return organisations


def _user(email: str, full_name: str) -> User:
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def build(seed: int = 2026, incidents: int | None = None) -> list[DemoLogin]:
    """Build (or complete) the demo; returns the logins to print. ``incidents`` overrides how
    many incidents each municipality gets (only where it has none yet)."""
    boundaries = _boundaries()
    logins: list[DemoLogin] = []
    with transaction.atomic():
        for offset, (slug, code, n_districts, n_incidents) in enumerate(MUNICIPALITIES):
            municipality = _municipality(slug, code, boundaries[code])
            organisations = _organisations(municipality)
            _branding(municipality, DEMO_COLOURS[offset % len(DEMO_COLOURS)])
            seed_categories(municipality)
            if not Area.objects.filter(municipality=municipality, kind=AreaKind.DISTRICT).exists():
                boundary = geometry_to_sweref(shape(municipality.boundary))
                polygons = district_polygons(boundary, n_districts, seed + offset)
                rng = np.random.default_rng(seed + 100 + offset)
                import_areas(
                    municipality,
                    _districts_geojson(polygons, rng),
                    kind=AreaKind.DISTRICT,
                    actor="samtrygg demo",
                )
            for prefix, role, org_index in USERS:
                email = f"{prefix}.{slug}@example.se"
                user = _user(email, f"{Role(role).label} {municipality.name}")
                Membership.objects.get_or_create(
                    user=user, organisation=organisations[org_index], defaults={"role": role}
                )
                logins.append(DemoLogin(email, str(Role(role).label), municipality.name))
            wanted = n_incidents if incidents is None else incidents
            if wanted and not Incident.objects.filter(municipality=municipality).exists():
                reporter = User.objects.get(email=f"rapportor.{slug}@example.se")
                generate(municipality, wanted, seed=seed, reporter=reporter)
            if slug == "halmstad":
                from .promises import demo_promise

                demo_promise(municipality, organisations)
            email, name, role, org_index = REGIONAL_USER
            # update_or_create: a demo built before the regional role existed gets it too.
            Membership.objects.update_or_create(
                user=_user(email, name),
                organisation=organisations[org_index],
                defaults={"role": role},
            )
            record(
                AuditAction.DEMO_BUILT,
                actor="samtrygg demo",
                municipality=municipality,
                changes={"seed": seed},
            )
        logins.append(
            DemoLogin(REGIONAL_USER[0], str(Role(REGIONAL_USER[2]).label), "Halmstad, Kalmar")
        )
        # Reported crime and population in Brå's and SCB's layouts: made-up demo figures,
        # marked so in their source, through the same import as real files (re-import updates).
        from .reference_stats import demo_reference_stats, demo_surveys_and_fires

        demo_reference_stats(actor="samtrygg demo")
        demo_surveys_and_fires(actor="samtrygg demo")
    return logins
