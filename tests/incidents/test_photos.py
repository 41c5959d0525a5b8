"""Photos: metadata stripped, shrunk, upright; anything that is not an image is refused."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, IncidentPhoto
from samtrygg.incidents.photos import clean_photo

from ..conftest import World, jpeg_with_gps
from .test_api import bearer
from .test_incidents import report
from .test_views import form_data

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def test_gps_and_all_exif_are_removed_and_the_photo_shrunk() -> None:
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the input has a position
    clean = clean_photo(raw, "bild.jpg")
    image = Image.open(io.BytesIO(clean.content))
    assert image.format == "JPEG" and max(image.size) == 1600
    assert dict(image.getexif()) == {} and b"Exif" not in clean.content
    assert b"Telefon X" not in clean.content


def test_orientation_is_applied_before_the_tags_go() -> None:
    clean = clean_photo(jpeg_with_gps(400, 200, orientation=6), "bild.jpg")
    assert (clean.width, clean.height) == (200, 400)


@pytest.mark.parametrize(
    "raw",
    [
        b"%PDF-1.7 not a photo",
        b"Hej! Det h\xc3\xa4r \xc3\xa4r text.",
        jpeg_with_gps(100, 100)[:300],  # truncated
        b"",
    ],
)
def test_what_is_not_an_image_is_refused(raw: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_photo(raw, "rapport.jpg")
    assert refused.value.code == "not_an_image"
    assert "rapport.jpg är inte ett foto" in refused.value.messages[0]


def test_weekly_report_with_a_non_image_changes_nothing(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    data = form_data(seeded, "Krossad ruta i entrén.")
    data["incident-0-photo"] = SimpleUploadedFile("ruta.jpg", b"MZ\x90\x00 not a photo")
    response = client.post(f"/k/{seeded.a.slug}/report/", data)
    assert response.status_code == 200
    assert "ruta.jpg är inte ett foto" in response.content.decode()
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_weekly_report_with_a_photo_stores_it_clean(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    data = form_data(seeded, "Krossad ruta i entrén.")
    data["incident-0-photo"] = SimpleUploadedFile("ruta.jpg", jpeg_with_gps(800, 600))
    assert client.post(f"/k/{seeded.a.slug}/report/", data).status_code == 302
    photo = IncidentPhoto.objects.get()
    stored = photo.image.read()
    assert b"Exif" not in stored and Image.open(io.BytesIO(stored)).size == (800, 600)


def test_photo_is_served_only_within_scope(seeded: World, client: Client) -> None:
    photo = seeded.photo()
    url = f"/k/{seeded.a.slug}/incidents/{photo.incident_id}/photos/{photo.pk}/"
    client.force_login(seeded.bob)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    client.force_login(seeded.carol)
    assert client.get(url).status_code == 404
    page = client.get(f"/k/{seeded.a.slug}/incidents/{photo.incident_id}/")
    assert page.status_code == 404


def test_photo_on_the_case_page_and_through_the_api(seeded: World, client: Client) -> None:
    incident = report(seeded, seeded.bob, seeded.a_org)
    client.force_login(seeded.bob)
    page_url = f"/k/{seeded.a.slug}/incidents/{incident.pk}/"
    refused = client.post(
        page_url, {"action": "photo", "photo": SimpleUploadedFile("x.png", b"nope")}
    )
    assert "x.png är inte ett foto" in refused.content.decode()
    added = client.post(
        page_url,
        {"action": "photo", "photo": SimpleUploadedFile("y.jpg", jpeg_with_gps(50, 50))},
    )
    assert added.status_code == 302 and incident.photos.count() == 1
    api = f"/api/v1/k/{seeded.a.slug}/incidents/{incident.pk}/photos"
    response = client.post(
        api, {"photo": SimpleUploadedFile("z.jpg", jpeg_with_gps(60, 40))}, **bearer(seeded.bob)
    )
    assert response.status_code == 201 and len(response.json()) == 2
    bad = client.post(api, {"photo": SimpleUploadedFile("z.txt", b"text")}, **bearer(seeded.bob))
    assert bad.status_code == 422 and "inte ett foto" in bad.json()["detail"]
    assert incident.photos.count() == 2


def test_at_most_five_photos(seeded: World) -> None:
    from samtrygg.incidents.services import add_photos

    incident = report(seeded, seeded.bob, seeded.a_org)
    access = seeded.access(seeded.bob)
    add_photos(access, incident, [("a.jpg", jpeg_with_gps(20, 20))] * 5)
    with pytest.raises(ValidationError):
        add_photos(access, incident, [("b.jpg", jpeg_with_gps(20, 20))])


def test_a_60_megapixel_png_is_refused_without_decoding_it() -> None:
    import tracemalloc

    out = io.BytesIO()
    Image.new("L", (10_000, 6_000)).save(out, format="PNG")  # 60 megapixels, ~60 kB packed
    raw = out.getvalue()
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as error:
            clean_photo(raw, "stor.png")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.value.messages == [
        "stor.png har 60 megapixlar; högst 50 tas emot. Välj en mindre bild."
    ]
    # Decoding would take 60 MB for one grey channel (180 MB in colour); reading the header
    # takes next to nothing.
    assert peak < 5 * 1024 * 1024, peak
