"""Issue 14, item 1: a weekly report that never loses work. Nothing entered is lost after a
validation error (the photo is kept as a pending upload), a later report in the same week adds
and deletes nothing, an empty report is refused, the same submission key stores once, "samma
som förra veckan" pre-fills, and names in free text are flagged."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from samtrygg.areas.models import Area
from samtrygg.areas.services import import_areas
from samtrygg.audit.models import AuditEvent
from samtrygg.incidents import pii
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import (
    AreaAssessment,
    Category,
    Incident,
    IncidentPhoto,
    PendingPhoto,
    Submission,
    WeeklyReport,
)
from samtrygg.incidents.services import IncidentInput, remove_stale_pending_photos
from samtrygg.incidents.weekly import (
    Assessment,
    WeeklyReportInput,
    same_as_last_week,
    submit_weekly_report,
)

from .. import factories
from ..conftest import World, jpeg_with_gps
from .test_views import form_data

pytestmark = pytest.mark.usefixtures("swedish")

KEY = "k" * 32


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature(
                "Norr",
                factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT + 0.06, 0.02),
            )
        ),
        kind="district",
    )
    return world


def norr(world: World) -> Area:
    return world.a.areas.get(name="Norr")


def this_week() -> tuple[int, int]:
    year, week, _day = timezone.localdate().isocalendar()
    return year, week


def incident(world: World, description: str = "Klotter på busskuren.") -> IncidentInput:
    return IncidentInput(
        category=Category.objects.get(municipality=world.a, code="klotter"),
        reporting_organisation=world.a_org,
        occurred_at=timezone.now() - timedelta(hours=1),
        lat=factories.HALMSTAD_LAT,
        lon=factories.HALMSTAD_LON,
        description=description,
    )


def counts() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "reports": WeeklyReport.objects.count(),
        "assessments": AreaAssessment.objects.count(),
        "quiet": WeeklyReport.quiet_areas.through.objects.count(),
        "submissions": Submission.objects.count(),
        "events": AuditEvent.objects.count(),
    }


# ---- the service -------------------------------------------------------------------------------


def test_a_second_report_in_the_week_adds_and_deletes_nothing(seeded: World) -> None:
    access = seeded.access(seeded.bob)
    year, week = this_week()
    submit_weekly_report(
        access,
        WeeklyReportInput(
            seeded.a_org,
            year,
            week,
            [incident(seeded)],
            quiet_areas=[norr(seeded)],
            assessments=[Assessment(seeded.area, "red", "Allvarlig oro")],
        ),
    )
    # The reported bug: the empty form again removed the week's "Röd" for Centrum. Now refused.
    with pytest.raises(ValidationError):
        submit_weekly_report(access, WeeklyReportInput(seeded.a_org, year, week))
    # A second report with one new incident and nothing else: everything earlier stays.
    report = submit_weekly_report(
        access, WeeklyReportInput(seeded.a_org, year, week, [incident(seeded, "Ny klotter.")])
    )
    assert report.incidents.count() == 2
    assert list(report.quiet_areas.all()) == [norr(seeded)]
    assert list(report.assessments.values_list("area__name", "level", "comment")) == [
        ("Centrum", "red", "Allvarlig oro")
    ]
    # An explicit new assessment of Centrum replaces only Centrum's; Norr's is added.
    submit_weekly_report(
        access,
        WeeklyReportInput(
            seeded.a_org,
            year,
            week,
            assessments=[Assessment(seeded.area, "yellow"), Assessment(norr(seeded), "green")],
        ),
    )
    assert sorted(report.assessments.values_list("area__name", "level")) == [
        ("Centrum", "yellow"),
        ("Norr", "green"),
    ]
    assert list(report.quiet_areas.all()) == [norr(seeded)]
    assert WeeklyReport.objects.count() == 1 and Incident.objects.count() == 2


def test_an_empty_report_is_refused_and_nothing_is_stored(seeded: World) -> None:
    year, week = this_week()
    before = counts()
    with pytest.raises(ValidationError) as error:
        submit_weekly_report(
            seeded.access(seeded.bob),
            WeeklyReportInput(seeded.a_org, year, week, submission_key=KEY),
        )
    assert error.value.message_dict["report"] == [
        "Rapporten är tom. Lägg till en händelse, kryssa för ett område där det inte finns "
        "något att rapportera eller ge ett område en bedömning."
    ]
    assert counts() == before


def test_the_same_submission_key_twice_stores_once(seeded: World) -> None:
    access = seeded.access(seeded.bob)
    year, week = this_week()

    def send() -> WeeklyReport:
        return submit_weekly_report(
            access,
            WeeklyReportInput(
                seeded.a_org,
                year,
                week,
                [incident(seeded), incident(seeded, "Krossad ruta.")],
                quiet_areas=[norr(seeded)],
                assessments=[Assessment(seeded.area, "yellow")],
                submission_key=KEY,
            ),
        )

    first = send()
    once = counts()
    assert once["incidents"] == 2 and once["submissions"] == 1
    assert send() == first  # the first result, nothing new
    assert counts() == once
    # Another key is another submission: it adds.
    submit_weekly_report(
        access,
        WeeklyReportInput(seeded.a_org, year, week, [incident(seeded)], submission_key="x" * 20),
    )
    assert Incident.objects.count() == 3 and Submission.objects.count() == 2


def test_a_key_of_another_user_is_not_theirs(seeded: World) -> None:
    """The key is per user and organisation: another reporter's equal key does not replay."""
    year, week = this_week()
    submit_weekly_report(
        seeded.access(seeded.bob),
        WeeklyReportInput(seeded.a_org, year, week, [incident(seeded)], submission_key=KEY),
    )
    other = incident(seeded)
    other.reporting_organisation = seeded.a_other_org
    submit_weekly_report(
        seeded.access(seeded.carol),
        WeeklyReportInput(seeded.a_other_org, year, week, [other], submission_key=KEY),
    )
    assert Incident.objects.count() == 2


def test_a_malformed_key_is_refused(seeded: World) -> None:
    year, week = this_week()
    with pytest.raises(ValidationError) as error:
        submit_weekly_report(
            seeded.access(seeded.bob),
            WeeklyReportInput(seeded.a_org, year, week, [incident(seeded)], submission_key="a b"),
        )
    assert "submission_key" in error.value.message_dict
    assert not Incident.objects.exists()


def test_same_as_last_week_reads_the_organisations_previous_week(seeded: World) -> None:
    year, week = this_week()
    last_year, last_week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    submit_weekly_report(
        seeded.access(seeded.bob),
        WeeklyReportInput(
            seeded.a_org,
            last_year,
            last_week,
            quiet_areas=[norr(seeded)],
            assessments=[Assessment(seeded.area, "red")],
        ),
    )
    found = same_as_last_week(seeded.access(seeded.alice), seeded.a_org, year, week)
    assert found.quiet_area_ids == [norr(seeded).pk]
    assert found.levels == {seeded.area.pk: "red"}
    # Another organisation's week is not offered.
    other = same_as_last_week(seeded.access(seeded.carol), seeded.a_other_org, year, week)
    assert other.quiet_area_ids == [] and other.levels == {}


def test_assessment_comments_are_screened(seeded: World) -> None:
    year, week = this_week()
    data = WeeklyReportInput(
        seeded.a_org, year, week, assessments=[Assessment(seeded.area, "red", "Ahmed igen.")]
    )
    with pytest.raises(ValidationError) as error:
        submit_weekly_report(seeded.access(seeded.bob), data)
    assert "ett namn" in error.value.message_dict["assessments"][0]
    data.confirm_flagged = True
    submit_weekly_report(seeded.access(seeded.bob), data)
    assert AreaAssessment.objects.count() == 1


# ---- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ahmed och Kalle bråkade vid entrén.", ["Ahmed", "Kalle"]),
        ("Anna Lind klottrade på väggen.", ["Anna Lind"]),
        ("Familjen Andersson i trapphuset.", ["Andersson"]),
        ("Kalles moped stod i cykelrummet.", ["Kalles"]),
        ("Killen som heter Lukas Berg.", ["Lukas Berg"]),
    ],
)
def test_names_are_flagged(text: str, names: list[str]) -> None:
    assert [f.text for f in pii.flagged(text) if f.kind == pii.Kind.NAME] == names
    assert pii.might_contain(text)


@pytest.mark.parametrize(
    "text",
    [
        "Klotter på busskuren vid Centrum.",
        "Brand i container vid skolan, Per vecka tre bränder.",
        "Krossad ruta i entrén, Storgatan 4.",
    ],
)
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert [f for f in pii.flagged(text) if f.kind == pii.Kind.NAME] == []


def test_a_name_is_flagged_in_the_form(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    url = f"/k/{seeded.a.slug}/report/"
    data = form_data(seeded, "Ahmed klottrade på busskuren.")
    page = client.post(url, data).content.decode()
    assert "ett namn" in page and "Ahmed" in page
    assert "Jag har kontrollerat" in page and not Incident.objects.exists()
    data["incident-0-confirm_flagged"] = "on"
    data["submission_key"] = re.search(r'name="submission_key" value="([^"]+)"', page)[1]
    assert client.post(url, data).status_code == 302 and Incident.objects.count() == 1


# ---- the form ----------------------------------------------------------------------------------


def two_incidents(world: World, key: str = KEY) -> dict[str, Any]:
    data = form_data(world, "Klotter på busskuren.")
    second = form_data(world, "Krossad ruta i entrén.")
    data.update(
        {k.replace("incident-0-", "incident-1-"): v for k, v in second.items() if "-0-" in k}
    )
    data["incident-TOTAL_FORMS"] = "2"
    data["submission_key"] = key
    return data


def test_nothing_is_lost_after_a_validation_error(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    url = f"/k/{seeded.a.slug}/report/"
    centrum, north = seeded.area.pk, norr(seeded).pk
    data = two_incidents(seeded)
    data["quiet"] = [str(north)]
    data[f"assess-{centrum}"] = "red"
    data["incident-0-photo"] = SimpleUploadedFile("ruta.jpg", jpeg_with_gps(800, 600))
    data["incident-1-severity"] = "9"  # the validation error
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert not Incident.objects.exists() and not WeeklyReport.objects.exists()
    # The summary at the top, each error linked to its field.
    assert 'role="alert"' in page and "Det finns fel i rapporten" in page
    assert 'href="#id_incident-1-severity"' in page and 'id="id_incident-1-severity"' in page
    # Ticks, assessments, both incident rows and the photo are all still there.
    assert re.search(rf'name="quiet" value="{north}" id="quiet-{north}" checked', page)
    assert not re.search(rf'name="quiet" value="{centrum}" id="quiet-{centrum}" checked', page)
    assert re.search(rf'name="assess-{centrum}"[^>]*>.*?<option value="red" selected', page)
    assert "Klotter på busskuren." in page and "Krossad ruta i entrén." in page
    assert "Sparad: ruta.jpg" in page
    pending = PendingPhoto.objects.get()
    assert pending.slot == 0 and b"Exif" not in pending.image.read()
    assert f'name="submission_key" value="{KEY}"' in page
    # Corrected (the browser sends no file again): sent with the kept photo.
    del data["incident-0-photo"]
    data["incident-1-severity"] = "2"
    assert client.post(url, data).status_code == 302
    assert Incident.objects.count() == 2 and IncidentPhoto.objects.count() == 1
    assert IncidentPhoto.objects.get().incident.description == "Klotter på busskuren."
    assert not PendingPhoto.objects.exists()
    report = WeeklyReport.objects.get()
    assert list(report.quiet_areas.values_list("pk", flat=True)) == [north]
    assert list(report.assessments.values_list("level", flat=True)) == ["red"]


def test_a_kept_photo_can_be_removed(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    url = f"/k/{seeded.a.slug}/report/"
    data = two_incidents(seeded)
    data["incident-0-photo"] = SimpleUploadedFile("ruta.jpg", jpeg_with_gps(400, 300))
    data["incident-1-severity"] = "9"
    client.post(url, data)
    del data["incident-0-photo"]
    data["incident-0-remove_photo"] = "1"
    data["incident-1-severity"] = "1"
    assert client.post(url, data).status_code == 302
    assert not IncidentPhoto.objects.exists() and not PendingPhoto.objects.exists()


def test_back_and_submit_with_the_same_key_stores_once(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    url = f"/k/{seeded.a.slug}/report/"
    data = two_incidents(seeded)
    data["quiet"] = [str(norr(seeded).pk)]
    assert client.post(url, data).status_code == 302
    once = counts()
    assert once["incidents"] == 2 and once["reports"] == 1
    again = client.post(url, data, follow=True)
    assert "Rapporten var redan skickad; inget nytt sparades." in again.content.decode()
    assert counts() == once


def test_an_empty_form_is_refused(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    year, week = this_week()
    data = {
        "organisation": seeded.a_org.pk,
        "week": f"{year}-W{week:02d}",
        "incident-TOTAL_FORMS": "1",
        "incident-INITIAL_FORMS": "0",
        "incident-MIN_NUM_FORMS": "0",
        "incident-MAX_NUM_FORMS": "20",
        # What a browser sends for an untouched row: the defaults, and the time shown earlier.
        "incident-0-occurred_at": (timezone.localtime() - timedelta(minutes=5)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "incident-0-severity": "1",
        "incident-0-place_type": "public",
        "incident-0-reported_to_police": "unknown",
        "submission_key": KEY,
    }
    before = counts()
    page = client.post(f"/k/{seeded.a.slug}/report/", data).content.decode()
    assert "Rapporten är tom." in page and "Det finns fel i rapporten" in page
    assert counts() == before


def test_the_form_shows_what_was_sent_and_offers_last_week(seeded: World, client: Client) -> None:
    year, week = this_week()
    last_year, last_week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    access = seeded.access(seeded.bob)
    submit_weekly_report(
        access,
        WeeklyReportInput(
            seeded.a_org,
            last_year,
            last_week,
            quiet_areas=[norr(seeded)],
            assessments=[Assessment(seeded.area, "yellow")],
        ),
    )
    submit_weekly_report(
        access,
        WeeklyReportInput(seeded.a_org, year, week, assessments=[Assessment(seeded.area, "red")]),
    )
    client.force_login(seeded.bob)
    url = f"/k/{seeded.a.slug}/report/"
    page = client.get(url).content.decode()
    assert "Redan skickat den här veckan" in page
    assert "Redan skickat den här veckan: Röd: allvarlig oro" in page
    assert "Samma som förra veckan" in page
    north = norr(seeded).pk
    assert not re.search(rf'id="quiet-{north}" checked', page)
    prefilled = client.get(url, {"samma": "1", "organisation": seeded.a_org.pk}).content.decode()
    assert re.search(rf'id="quiet-{north}" checked', prefilled)
    assert re.search(
        rf'name="assess-{seeded.area.pk}"[^>]*>.*?<option value="yellow" selected', prefilled
    )


def test_pending_photos_older_than_a_day_are_removed(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    data = two_incidents(seeded)
    data["incident-0-photo"] = SimpleUploadedFile("ruta.jpg", jpeg_with_gps(400, 300))
    data["incident-1-severity"] = "9"
    client.post(f"/k/{seeded.a.slug}/report/", data)
    pending = PendingPhoto.objects.get()
    path = pending.image.path
    assert remove_stale_pending_photos(timezone.now() + timedelta(hours=23)) == 0
    assert remove_stale_pending_photos(timezone.now() + timedelta(hours=25)) == 1
    assert not PendingPhoto.objects.exists()
    import os

    assert not os.path.exists(path)


# ---- the API: Idempotency-Key ------------------------------------------------------------------


def test_the_api_takes_an_idempotency_key(seeded: World, client: Client) -> None:
    import json

    from .test_api import bearer, body, post

    bob = bearer(seeded.bob)
    headers = {**bob, "HTTP_IDEMPOTENCY_KEY": KEY}
    base = f"/api/v1/k/{seeded.a.slug}"
    first = post(client, f"{base}/incidents", body(), headers)
    again = post(client, f"{base}/incidents", body(), headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Incident.objects.count() == 1
    year, week = this_week()
    payload = json.dumps(
        {
            "iso_year": year,
            "iso_week": week,
            "incidents": [json.loads(body())],
            "quiet_area_ids": [],
            "assessments": [],
        }
    )
    weekly = {**bob, "HTTP_IDEMPOTENCY_KEY": "w" * 32}
    assert post(client, f"{base}/weekly-reports", payload, weekly).status_code == 201
    assert post(client, f"{base}/weekly-reports", payload, weekly).status_code == 201
    assert Incident.objects.count() == 2 and WeeklyReport.objects.count() == 1
    # The incident's key is not the weekly report's: reusing it for another request is refused.
    reused = {**bob, "HTTP_IDEMPOTENCY_KEY": KEY}
    assert post(client, f"{base}/weekly-reports", payload, reused).status_code == 422
    assert Incident.objects.count() == 2


def test_gallring_removes_the_submission_keys_with_the_reporter(seeded: World) -> None:
    from samtrygg.incidents.retention import run_retention

    year, week = this_week()
    submit_weekly_report(
        seeded.access(seeded.bob),
        WeeklyReportInput(
            seeded.a_org, year, week, [incident(seeded)], [norr(seeded)], submission_key=KEY
        ),
    )
    seeded.a.retention_months = 12
    seeded.a.save(update_fields=["retention_months"])
    run_retention(timezone.now() + timedelta(days=800), municipalities=[seeded.a])
    assert WeeklyReport.objects.get().reporter is None
    assert not Submission.objects.exists()


def test_the_same_key_at_the_same_moment_stores_once(seeded: World, monkeypatch: Any) -> None:
    """A double click: the second request passes the first look-up before the first commits;
    the database's unique key stops it and it returns the first result."""
    from samtrygg.incidents import weekly

    access = seeded.access(seeded.bob)
    year, week = this_week()

    def send() -> WeeklyReport:
        data = WeeklyReportInput(seeded.a_org, year, week, [incident(seeded)], submission_key=KEY)
        return submit_weekly_report(access, data)

    first = send()
    once = counts()
    real, looked = weekly._replayed, []

    def too_early(access: Any, data: WeeklyReportInput) -> WeeklyReport | None:
        looked.append(data.submission_key)
        return None if len(looked) == 1 else real(access, data)

    monkeypatch.setattr(weekly, "_replayed", too_early)
    assert send() == first and len(looked) == 2
    assert counts() == once
