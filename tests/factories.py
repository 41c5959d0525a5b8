"""Small builders for test data (no factory library needed for this few models)."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

from samtrygg.tenancy.models import Membership, Municipality, Organisation, OrganisationKind, User
from samtrygg.tenancy.roles import Role

_counter = itertools.count(1)
# Municipality codes of their own: SCB codes have four digits (varchar(4), enforced by
# PostgreSQL), and 9000–9999 is no real kommun's. A whole run makes thousands; a test makes few.
_municipality_codes = itertools.count(0)
PASSWORD = "Rätt-lösenord-123"

# A 10 km square around Halmstad's centre, and its districts, in WGS 84.
HALMSTAD_LON, HALMSTAD_LAT = 12.857, 56.674


def square(lon: float, lat: float, half_deg: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - half_deg, lat - half_deg],
                [lon + half_deg, lat - half_deg],
                [lon + half_deg, lat + half_deg],
                [lon - half_deg, lat + half_deg],
                [lon - half_deg, lat - half_deg],
            ]
        ],
    }


def municipality(name: str = "Testkommun", **extra: Any) -> Municipality:
    n = next(_counter)
    values = {
        "name": name,
        "slug": f"{name.lower()}-{n}",
        "scb_code": f"{9000 + next(_municipality_codes) % 1000:04d}",
        "boundary": square(HALMSTAD_LON, HALMSTAD_LAT, 0.1),
    }
    values.update(extra)
    return Municipality.objects.create(**values)


def organisation(
    municipality: Municipality,
    name: str | None = None,
    kind: str = OrganisationKind.MUNICIPAL_DEPARTMENT,
) -> Organisation:
    return Organisation.objects.create(
        municipality=municipality, name=name or f"Organisation {next(_counter)}", kind=kind
    )


def user(email: str | None = None, **extra: Any) -> User:
    from allauth.account.models import EmailAddress

    email = email or f"user{next(_counter)}@example.se"
    created = User.objects.create_user(email, PASSWORD, **extra)
    EmailAddress.objects.create(user=created, email=email, verified=True, primary=True)
    return created


def member(organisation: Organisation, role: Role, email: str | None = None) -> User:
    created = user(email)
    Membership.objects.create(user=created, organisation=organisation, role=role)
    return created


def feature_collection(*features: dict[str, Any], crs: str | None = None) -> str:
    data: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(data)


def feature(name: str, geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"name": name, **properties}, "geometry": geometry}


def approved_lagesbild(access: Any, on: date = date(2026, 1, 15)) -> Any:
    """An approved lägesbild of 2025 for ``access``'s municipality, with its three parts (part 2
    and 3 written, every generated finding dropped): what an åtgärdsplan must rest on (5 §)."""
    from samtrygg.situation import services

    report = services.create_report(
        access, title="Lägesbild 2025", first=date(2025, 1, 1), last=date(2025, 12, 31)
    )
    services.update_texts(
        access,
        report,
        other_information="Polisens lokala lägesbild.",
        analysis_text="Skadegörelsen ökar i Centrum.",
        sources_left_out="",
    )
    for finding in report.findings.all():
        services.decide_finding(access, finding, "dropped")
    return services.approve(access, report, body="Kommunstyrelsen", on=on)
