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
# Refused from the header alone, before decoding: a phone photo is 12–48 megapixels, and each
# megapixel costs about 4 MB once decoded (a 59-megapixel PNG took 0.6 GB).
MAX_PIXELS = 50_000_000
# Pillow's own guard (a DecompressionBombError at twice this) as a second line.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
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
                    _(
                        "%(name)s has %(mp)d megapixels; at most %(max)d are accepted. "
                        "Choose a smaller photo."
                    )
                    % {
                        "name": label,
                        "mp": probe.width * probe.height // 1_000_000,
                        "max": MAX_PIXELS // 1_000_000,
                    },
                    code="photo_too_large",
                )
            probe.verify()  # a truncated or corrupt file fails here
        if kind not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError(kind)
        with Image.open(io.BytesIO(raw)) as image:
            image.seek(0)
            # JPEG decodes at a reduced scale near the size kept: a fraction of the memory.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
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
