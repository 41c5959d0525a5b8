"""Photos of places: checked to be images, turned upright, re-encoded without any metadata
(EXIF, GPS, XMP, ICC comments) and shrunk, before anything is stored (DOMAIN.md §4)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_SIDE = 1600  # pixels: enough to see the damage, small enough for a phone upload
MAX_PIXELS = 60_000_000  # refuse decompression bombs before decoding
MAX_PHOTOS_PER_INCIDENT = 5
JPEG_QUALITY = 82


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes  # JPEG, no metadata
    width: int
    height: int


def check_upload_size(name: str, size: int | None) -> None:
    """Refuse a file too large to read into memory, before reading it."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 15 MB. Choose a smaller photo.") % {"name": name},
            code="photo_too_large",
        )


def clean_photo(raw: bytes, name: str = "") -> CleanPhoto:
    """The photo as a metadata-free JPEG, or a ValidationError in the user's language."""
    label = name or _("the file")
    check_upload_size(label, len(raw))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(
                    _("%(name)s has too many pixels.") % {"name": label}, code="photo_too_large"
                )
            probe.verify()  # a truncated or corrupt file fails here
        if kind not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError(kind)
        with Image.open(io.BytesIO(raw)) as image:
            image.seek(0)
            upright = ImageOps.exif_transpose(image)  # keep the orientation, lose the tags
            upright = upright.convert("RGB")
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            # A new image from the pixels alone carries no EXIF, GPS, XMP or comment.
            bare = Image.new("RGB", upright.size)
            bare.paste(upright)
            out = io.BytesIO()
            bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("%(name)s is not a photo Samtrygg can read. Use JPEG, PNG or WebP.")
            % {"name": label},
            code="not_an_image",
        ) from None
    return CleanPhoto(out.getvalue(), bare.width, bare.height)
