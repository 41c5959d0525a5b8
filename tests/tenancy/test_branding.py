"""Branding per municipality (issue 13, item 3): the validator and service
(tenancy/branding.py), the database's last line, the profile page and its access, the header's
stylesheet and logo, and the command that writes the default Word template."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.documents import word_template
from samtrygg.documents.branding import Branding, branding_for
from samtrygg.tenancy import branding
from samtrygg.tenancy.models import MunicipalityBranding

from ..conftest import World

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def png(width: int = 120, height: int = 40, exif: bool = False, colour: str = "#0b4f8a") -> bytes:
    """A PNG logo; with ``exif``, an eXIf chunk (camera maker, GPS) and a text chunk."""
    image = Image.new("RGB", (width, height), colour)
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "Kamera AB"  # Make
        data[0x0131] = "Bildprogram 1.0"  # Software
        info = PngInfo()
        info.add_text("Author", "Anna Andersson")
        options = {"exif": data.tobytes(), "pnginfo": info}
    image.save(out, format="PNG", **options)
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(out, format="JPEG")
    return out.getvalue()


def template_without(placeholder: str) -> bytes:
    """The default template with the paragraph holding ``placeholder`` taken out."""
    from docx import Document

    document = Document(io.BytesIO(word_template.default_template(Branding(name="Alfa"))))
    for paragraph in document.paragraphs:
        if paragraph.text == placeholder:
            paragraph._element.getparent().remove(paragraph._element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def save(world: World, **values: Any) -> MunicipalityBranding:
    values.setdefault("colour", "#0b4f8a")
    return branding.save_branding(world.alice, world.a, **values)


# ---- contrast --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [
        # Hand calculation, WCAG 2.x: 0x76 = 118, 118/255 = 0.46275, ((0.46275 + 0.055) / 1.055)
        # ** 2.4 = 0.18116, so L = 0.18116 and (1 + 0.05) / (0.18116 + 0.05) = 4.542.
        ("#767676", 4.54),
        # 0x77 = 119: 0.46667 → 0.18448, 1.05 / 0.23448 = 4.478.
        ("#777777", 4.48),
        ("#000000", 21.0),
        ("#ffffff", 1.0),
        # The default colour: R 11 → 0.003347, G 79 → 0.07819, B 138 → 0.25415;
        # L = 0.2126·0.003347 + 0.7152·0.07819 + 0.0722·0.25415 = 0.07497; 1.05 / 0.12497 = 8.40.
        ("#0b4f8a", 8.40),
    ],
)
def test_contrast_with_white_is_the_wcag_ratio(colour: str, ratio: float) -> None:
    assert round(branding.contrast_with_white(colour), 2) == ratio


@pytest.mark.usefixtures("swedish")
def test_the_contrast_boundary_is_4_5(world: World) -> None:
    assert save(world, colour="#767676").colour == "#767676"
    with pytest.raises(ValidationError) as refused:
        save(world, colour="#777777")
    [message] = refused.value.message_dict["colour"]
    assert "4,48:1" in message and "minst 4,5:1" in message
    assert MunicipalityBranding.objects.get(municipality=world.a).colour == "#767676"


@pytest.mark.usefixtures("swedish")
@pytest.mark.parametrize("colour", ["red", "#0b4f8", "#0b4f8a0", "0b4f8g", ""])
def test_a_colour_that_is_not_hex_is_refused(world: World, colour: str) -> None:
    with pytest.raises(ValidationError) as refused:
        save(world, colour=colour)
    assert "sex hexadecimala siffror" in refused.value.message_dict["colour"][0]
    assert not MunicipalityBranding.objects.exists()


def test_the_colour_is_stored_in_lower_case(world: World) -> None:
    assert save(world, colour=" #0B4F8A ").colour == "#0b4f8a"


@pytest.mark.parametrize("colour", ["red", "#0B4F8A", "#0b4f8", "#0b4;}a", "0b4f8a"])
def test_the_database_refuses_a_colour_that_is_not_rrggbb(world: World, colour: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MunicipalityBranding.objects.create(municipality=world.a, colour=colour)


# ---- logo ------------------------------------------------------------------------------------


def test_the_logo_is_re_encoded_without_metadata(world: World) -> None:
    original = png(exif=True)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif()[0x010F] == "Kamera AB" and before.info["Author"]
    row = save(world, logo=original)
    assert row.logo_type == "image/png"
    with Image.open(io.BytesIO(bytes(row.logo))) as after:
        assert after.format == "PNG" and after.size == (120, 40)
        assert not after.getexif() and "exif" not in after.info and "Author" not in after.info
    assert b"Kamera AB" not in bytes(row.logo) and b"Anna Andersson" not in bytes(row.logo)


def test_a_wide_logo_is_scaled_to_600_pixels(world: World) -> None:
    row = save(world, logo=png(1200, 300))
    with Image.open(io.BytesIO(bytes(row.logo))) as image:
        assert image.size == (600, 150)


@pytest.mark.usefixtures("swedish")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (jpeg(), "Logotypen måste vara en PNG-bild."),
        (b"%PDF-1.4 not an image", "Logotypen måste vara en PNG-bild."),
        (png()[:60], "Logotypen måste vara en PNG-bild."),
        (b"\x89PNG" + b"\0" * (500 * 1024), "Logotypen är större än 500 kB: gör den mindre."),
    ],
)
def test_a_logo_that_is_not_a_small_png_is_refused_and_nothing_changes(
    world: World, data: bytes, message: str
) -> None:
    first = save(world, colour="#0b4f8a", header_text="Alfa kommun", logo=png())
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        save(world, colour="#222222", header_text="Ny text", logo=data)
    assert refused.value.message_dict["logo"] == [message]
    row = MunicipalityBranding.objects.get(municipality=world.a)
    assert (row.colour, row.header_text, bytes(row.logo)) == (
        "#0b4f8a",
        "Alfa kommun",
        bytes(first.logo),
    )
    assert AuditEvent.objects.count() == events


def test_the_logo_and_the_template_can_be_removed(world: World) -> None:
    save(world, logo=png(), word_template=word_template.default_template(Branding(name="Alfa")))
    row = save(world, remove_logo=True, remove_template=True)
    assert row.logo is None and row.logo_type == "" and row.word_template is None
    assert branding_for(world.a).logo_png is None and branding_for(world.a).word_template is None


def test_saving_without_a_new_logo_keeps_the_old_one(world: World) -> None:
    first = save(world, logo=png())
    row = save(world, header_text="Ny rubrik")
    assert bytes(row.logo) == bytes(first.logo)


# ---- texts and template ------------------------------------------------------------------


@pytest.mark.usefixtures("swedish")
def test_header_and_footer_refuse_a_personnummer_but_take_a_phone_number(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        save(world, header_text="Kontakt 19121212-1212")
    assert "personnummer" in refused.value.message_dict["header_text"][0]
    assert not MunicipalityBranding.objects.exists()
    row = save(world, footer_text="Alfa kommun, 301 80 Alfa, 035-13 70 00, kommun@alfa.se")
    assert row.footer_text.endswith("kommun@alfa.se")


@pytest.mark.usefixtures("swedish")
def test_a_template_missing_the_body_placeholder_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        save(world, colour="#222222", word_template=template_without("{{p body }}"))
    assert refused.value.message_dict["word_template"] == ["Platshållaren {{p body }} saknas."]
    assert not MunicipalityBranding.objects.exists()
    with pytest.raises(ValidationError) as refused:
        save(world, word_template=b"PK\x03\x04 not really")
    assert refused.value.message_dict["word_template"] == [
        "Filen är inte ett Word-dokument (.docx)."
    ]


# ---- audit -----------------------------------------------------------------------------------


def test_a_change_is_audited_with_old_and_new_values_but_no_bytes(world: World) -> None:
    save(world, colour="#0b4f8a", header_text="Alfa kommun")
    save(world, colour="#1e6b34", header_text="Alfa kommun", logo=png())
    event = AuditEvent.objects.filter(action=AuditAction.BRANDING_CHANGED).first()
    assert event is not None and event.actor == world.alice and event.municipality == world.a
    assert event.changes["colour"] == ["#0b4f8a", "#1e6b34"]
    assert "header_text" not in event.changes  # unchanged
    old, new = event.changes["logo"]
    assert old is None and new.startswith("PNG, ") and "sha256" in new
    assert len(str(event.changes)) < 300  # a description, not the image
    count = AuditEvent.objects.count()
    save(world, colour="#1e6b34", header_text="Alfa kommun")  # nothing changed
    assert AuditEvent.objects.count() == count


# ---- the page --------------------------------------------------------------------------------


def page_url(world: World, municipality: Any = None) -> str:
    return f"/k/{(municipality or world.a).slug}/settings/profile/"


@pytest.mark.parametrize(("who", "status"), [("alice", 200), ("dave", 200), ("bob", 404)])
def test_the_page_is_for_administrators_and_coordinators(
    world: World, client: Client, who: str, status: int
) -> None:
    client.force_login(getattr(world, who))
    assert client.get(page_url(world)).status_code == status
    assert client.get(page_url(world) + "template.docx").status_code == status
    assert client.post(page_url(world), {"colour": "#222222"}).status_code in {status, 302}
    if status == 404:
        assert not MunicipalityBranding.objects.exists()


def test_another_municipalitys_administrator_gets_404(world: World, client: Client) -> None:
    client.force_login(world.charlie)
    assert client.get(page_url(world)).status_code == 404
    assert client.get(page_url(world) + "template.docx").status_code == 404
    assert client.get(f"/k/{world.a.slug}/branding.css").status_code == 404
    assert client.get(f"/k/{world.a.slug}/branding/logo.png").status_code == 404
    assert client.get(page_url(world, world.b)).status_code == 200  # their own


@pytest.mark.usefixtures("swedish")
def test_the_page_saves_and_shows_the_header(world: World, client: Client) -> None:
    client.force_login(world.alice)
    response = client.post(
        page_url(world),
        {
            "colour": "#1e6b34",
            "header_text": "Alfa kommun – Trygghet",
            "footer_text": "Stadshuset, 301 80 Alfa",
            "logo": SimpleUploadedFile("logo.png", png(exif=True), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    row = MunicipalityBranding.objects.get(municipality=world.a)
    assert (row.colour, row.header_text, row.logo_type) == (
        "#1e6b34",
        "Alfa kommun – Trygghet",
        "image/png",
    )
    page = client.get(page_url(world)).content.decode()
    assert "Profil och dokumentmall" in page and "Alfa kommun – Trygghet" in page
    assert f"/k/{world.a.slug}/branding/logo.png?v=" in page
    assert f"/k/{world.a.slug}/branding.css?v=" in page
    assert "Stadshuset, 301 80 Alfa" in page  # the site footer and the preview


@pytest.mark.usefixtures("swedish")
def test_bad_input_on_the_page_gets_swedish_messages_and_changes_nothing(
    world: World, client: Client
) -> None:
    save(world, colour="#0b4f8a", header_text="Alfa kommun")
    client.force_login(world.dave)
    response = client.post(
        page_url(world),
        {
            "colour": "#777777",
            "header_text": "Ny text",
            "logo": SimpleUploadedFile("logo.jpg", jpeg(), content_type="image/jpeg"),
            "word_template": SimpleUploadedFile(
                "mall.docx", template_without("{{p body }}"), content_type=DOCX_TYPE
            ),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "4,48:1" in text
    assert "Logotypen måste vara en PNG-bild." in text
    assert "Platshållaren {{p body }} saknas." in text
    row = MunicipalityBranding.objects.get(municipality=world.a)
    assert (row.colour, row.header_text, row.logo) == ("#0b4f8a", "Alfa kommun", None)


def test_the_default_template_download_is_in_the_kommuns_colour(
    world: World, client: Client
) -> None:
    from docx import Document

    save(world, colour="#1e6b34")
    client.force_login(world.alice)
    response = client.get(page_url(world) + "template.docx")
    assert response["Content-Type"] == DOCX_TYPE
    assert "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    assert str(document.styles["Title"].font.color.rgb) == "1E6B34"
    assert word_template.check(response.content) == []


# ---- the header's stylesheet and logo ---------------------------------------------------------


def test_the_stylesheet_and_logo_are_served_to_members_with_caching(
    world: World, client: Client
) -> None:
    row = save(world, colour="#1e6b34", logo=png())
    client.force_login(world.bob)  # any member
    css = client.get(f"/k/{world.a.slug}/branding.css")
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert css.content.decode().strip() == ":root { --brand: #1e6b34; }"
    assert css["Cache-Control"] == "private, no-cache"
    logo = client.get(f"/k/{world.a.slug}/branding/logo.png")
    assert logo["Content-Type"] == "image/png" and logo.content == bytes(row.logo)
    page = client.get(f"/k/{world.a.slug}/").content.decode()
    versioned = page.split('href="/k/' + world.a.slug + "/branding.css")[1].split('"')[0]
    assert versioned.startswith("?v=")
    cached = client.get(f"/k/{world.a.slug}/branding.css{versioned}")
    assert cached["Cache-Control"] == "private, max-age=31536000, immutable"
    assert 'class="brand-logo"' in page


def test_without_branding_the_page_has_no_stylesheet_or_logo_and_the_logo_is_404(
    world: World, client: Client
) -> None:
    client.force_login(world.alice)
    page = client.get(f"/k/{world.a.slug}/").content.decode()
    assert "branding.css" not in page and "brand-logo" not in page
    assert client.get(f"/k/{world.a.slug}/branding/logo.png").status_code == 404
    assert client.get(f"/k/{world.a.slug}/branding.css").status_code == 200


def test_the_header_costs_no_extra_query(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    client.force_login(world.alice)
    url = f"/k/{world.a.slug}/areas/"
    client.get(url)
    with django_assert_max_num_queries(100) as plain:
        client.get(url)
    save(world, colour="#1e6b34", logo=png(), footer_text="Stadshuset")
    with django_assert_max_num_queries(len(plain.captured_queries)):
        assert "Stadshuset" in client.get(url).content.decode()


# ---- the command -----------------------------------------------------------------------------


def test_the_command_writes_the_default_template(world: World, tmp_path: Path) -> None:
    from docx import Document

    save(world, colour="#1e6b34")
    out = tmp_path / "mall.docx"
    call_command("word_template", "--municipality", world.a.slug, "-o", str(out))
    document = Document(str(out))
    assert str(document.styles["Heading 1"].font.color.rgb) == "1E6B34"
    assert word_template.check(out.read_bytes()) == []
