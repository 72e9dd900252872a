"""Uploaded images: checked to be real images within limits, then re-encoded with Pillow.

Re-encoding drops whatever else the file carried (EXIF location data, trailing payloads) and gives
it a random name, so the user's file name never reaches the disk.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


@dataclass(frozen=True)
class ImageLimits:
    max_upload_bytes: int
    max_pixels: int
    max_side: int


def open_checked(upload, limits: ImageLimits) -> Image.Image:
    """The decoded image, or a ValidationError in Japanese saying what is wrong with the file.

    The pixel count declared in the header is checked before decoding, so a decompression bomb
    never decodes.
    """
    if upload.size > limits.max_upload_bytes:
        raise ValidationError(
            _("The image is too large (%(size)s MB at most).") % {"size": limits.max_upload_bytes // (1024 * 1024)},
            code="file_too_large",
        )
    too_many_pixels = ValidationError(
        _("The image has too many pixels (%(side)s pixels on a side at most).") % {"side": limits.max_side},
        code="too_many_pixels",
    )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ValidationError(_("Upload the image as PNG, JPEG, GIF or WebP."), code="invalid_format")
                width, height = probe.size
                if width * height > limits.max_pixels or max(width, height) > limits.max_side:
                    raise too_many_pixels
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fires on opening, before our size check, for the largest declared sizes.
        raise too_many_pixels from None
    except UnidentifiedImageError:
        raise ValidationError(_("The file is not an image we can read."), code="invalid_image") from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("The image file is damaged."), code="invalid_image") from None
    return ImageOps.exif_transpose(image)


def encode(image: Image.Image, *, side: int, image_format: str) -> ContentFile:
    """The image scaled down to at most `side` pixels on its longer side, as PNG or JPEG."""
    image = image.copy()
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(output, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    else:
        image.convert("RGBA").save(output, format="PNG", optimize=True)
        extension = "png"
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")
