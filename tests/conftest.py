"""Shared fixtures. The cast follows healthchecks.io: alice administers municipality A, bob
reports for the same organisation, carol belongs to another organisation in A, and charlie
administers another municipality (and always gets 404 in A)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from samtrygg.areas.models import Area
from samtrygg.tenancy.models import Invitation, Membership, Municipality, Organisation, User
from samtrygg.tenancy.policy import Access, access_for
from samtrygg.tenancy.roles import Role

from . import factories


@pytest.fixture(autouse=True)
def _pinned_clock() -> Any:
    """Every test starts at the same moment (tests/clock.py); the clock then runs on, so code
    that measures durations still works."""
    import time_machine

    from .clock import pinned_now

    with time_machine.travel(pinned_now(), tick=True):
        yield


@pytest.fixture(autouse=True)
def _no_mfa_gate_by_default(settings: Any) -> None:
    # The MFA gate has its own tests; elsewhere it would only add a set-up step to every login.
    settings.MFA_REQUIRED = False


@pytest.fixture
def swedish() -> Any:
    """Swedish as the active language, for tests that read the messages users see."""
    from django.utils import translation

    with translation.override("sv"):
        yield


@dataclass
class World:
    a: Municipality
    b: Municipality
    a_org: Organisation
    a_other_org: Organisation
    b_org: Organisation
    alice: User  # admin, A
    bob: User  # reporter, A, same organisation as alice
    carol: User  # reporter, A, another organisation
    dave: User  # coordinator, A
    charlie: User  # admin, B
    area: Area
    invitation: Invitation

    def access(self, user: User, municipality: Municipality | None = None) -> Access:
        return access_for(user, (municipality or self.a).slug)

    def membership(self, user: User) -> Membership:
        return Membership.objects.get(user=user)

    def category(self) -> Any:
        """A category of municipality A."""
        from samtrygg.incidents.categories import seed_categories
        from samtrygg.incidents.models import Category

        seed_categories(self.a)
        return Category.objects.get(municipality=self.a, code="klotter")

    def plan_object(self, kind: str) -> Any:
        """A problem, plan, evaluation, meeting, promise or promise activity of municipality A
        (made on first use)."""
        from datetime import date

        from samtrygg.plans.models import ActionPlan, Evaluation, Meeting, Problem

        if kind == "problem":
            return Problem.objects.get_or_create(municipality=self.a, title="Bränder i centrum")[0]
        if kind == "plan":
            from django.core.files.base import ContentFile

            plan = ActionPlan.objects.get_or_create(
                municipality=self.a,
                title="Åtgärdsplan",
                defaults={"period_start": date(2026, 1, 1), "period_end": date(2027, 12, 31)},
            )[0]
            if not plan.minutes:
                plan.minutes.save("protokoll.pdf", ContentFile(b"%PDF-1.4 protokoll"))
            return plan
        if kind == "evaluation":
            return Evaluation.objects.get_or_create(municipality=self.a, title="Belysning")[0]
        if kind == "council_report":
            from samtrygg.plans.models import CouncilReport

            return CouncilReport.objects.get_or_create(municipality=self.a, year=2026)[0]
        if kind in ("promise", "activity"):
            from samtrygg.plans.models import CitizenPromise

            promise = CitizenPromise.objects.get_or_create(
                municipality=self.a,
                title="Tryggare torg",
                defaults={
                    "public_text": "Vi lyser upp torget.",
                    "period_start": date(2026, 1, 1),
                    "period_end": date(2026, 12, 31),
                },
            )[0]
            if kind == "promise":
                return promise
            return promise.activities.get_or_create(party="kommunen", text="Belysning")[0]
        return Meeting.objects.get_or_create(
            municipality=self.a, kind="weekly", date=date(2026, 11, 23)
        )[0]

    def situation_report(self) -> Any:
        """An approved lägesbild of municipality A (approved: every member may read it)."""
        from datetime import date

        from samtrygg.situation.models import SituationReport

        existing = SituationReport.objects.filter(municipality=self.a).first()
        if existing is not None:
            return existing
        return SituationReport.objects.create(
            municipality=self.a,
            title="Lägesbild Alfa",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
            status="approved",
            approved_body="Kommunstyrelsen",
            approved_on=date(2026, 2, 1),
            next_update_due=date(2028, 2, 1),
        )

    def photo(self) -> Any:
        """A photo on the incident of municipality A."""
        from samtrygg.incidents.services import add_photos

        incident = self.incident()
        if not incident.photos.exists():
            add_photos(self.access(self.bob), incident, [("a.jpg", jpeg_with_gps(300, 200))])
        return incident.photos.first()

    def incident(self) -> Any:
        """An incident of municipality A reported by bob's organisation (made on first use)."""
        from datetime import timedelta

        from django.utils import timezone

        from samtrygg.incidents.categories import seed_categories
        from samtrygg.incidents.models import Category, Incident
        from samtrygg.incidents.services import IncidentInput, create_incident

        existing = Incident.objects.filter(municipality=self.a).first()
        if existing is not None:
            return existing
        seed_categories(self.a)
        return create_incident(
            self.access(self.bob),
            IncidentInput(
                category=Category.objects.get(municipality=self.a, code="klotter"),
                reporting_organisation=self.a_org,
                occurred_at=timezone.now() - timedelta(hours=1),
                lat=factories.HALMSTAD_LAT,
                lon=factories.HALMSTAD_LON,
                description="Klotter på busskuren.",
            ),
        )


def jpeg_with_gps(width: int = 2400, height: int = 1200, orientation: int = 1) -> bytes:
    """A JPEG photo carrying EXIF with a GPS position, a camera model and an orientation."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x0110] = "Telefon X"  # Model
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (56.0, 40.0, 26.0), 3: "E", 4: (12.0, 51.0, 25.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def world(db: Any) -> World:
    from samtrygg.areas.services import import_areas
    from samtrygg.tenancy import services

    a = factories.municipality("Alfa")
    b = factories.municipality("Beta")
    a_org = factories.organisation(a, "Alfa kommun")
    a_other_org = factories.organisation(a, "Alfahem AB", kind="bostadsbolag")
    b_org = factories.organisation(b, "Beta kommun")
    alice = factories.member(a_org, Role.ADMIN, "alice@example.se")
    bob = factories.member(a_org, Role.REPORTER, "bob@example.se")
    carol = factories.member(a_other_org, Role.REPORTER, "carol@example.se")
    dave = factories.member(a_org, Role.COORDINATOR, "dave@example.se")
    charlie = factories.member(b_org, Role.ADMIN, "charlie@example.se")
    import_areas(
        a,
        factories.feature_collection(
            factories.feature(
                "Centrum",
                factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.02),
                population=5000,
            )
        ),
        kind="district",
    )
    area = Area.objects.get(municipality=a)
    services.invite(
        access_for(alice, a.slug), email="new@example.se", organisation=a_org, role=Role.REPORTER
    )
    invitation = Invitation.objects.get(email="new@example.se")
    return World(
        a, b, a_org, a_other_org, b_org, alice, bob, carol, dave, charlie, area, invitation
    )


@pytest.fixture(autouse=True)
def _fresh_snapshots() -> Any:
    # Each test's database starts empty and ids are reused: no snapshot survives a test.
    from django.core.cache import cache

    from samtrygg.situation import geometry
    from samtrygg.situation.snapshot import forget_all

    forget_all()
    geometry.forget()
    cache.clear()  # cached findings are keyed by municipality id, which tests reuse
    yield
    forget_all()
    geometry.forget()
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    # Uploaded photos go to a fresh folder per test, never into the project's var/.
    settings.MEDIA_ROOT = tmp_path / "media"
