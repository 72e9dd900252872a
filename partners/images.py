"""Logo uploads: checked to be real images within limits, then re-encoded small and clean with Pillow."""

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def process_logo(upload) -> ContentFile:
    """Return the logo re-encoded as PNG, at most ``output_side`` pixels on its longer side.

    Refuses files that are too large, are not images, are of another format, or whose pixel count
    (declared in the header, before decoding) exceeds the limit: a decompression bomb never decodes.
    """
    limits = settings.PARTNER_LOGO
    if upload.size > limits["max_upload_bytes"]:
        raise ValidationError(
            _("The logo is too large (%(size)s MB at most).") % {"size": limits["max_upload_bytes"] // (1024 * 1024)},
            code="file_too_large",
        )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(_("Upload the logo as PNG, JPEG, GIF or WebP."), code="invalid_format")
                if width * height > limits["max_pixels"] or max(width, height) > limits["max_side"]:
                    raise ValidationError(
                        _("The logo has too many pixels (%(side)s pixels on a side at most).")
                        % {"side": limits["max_side"]},
                        code="too_many_pixels",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGBA")
                image.thumbnail((limits["output_side"], limits["output_side"]), Image.Resampling.LANCZOS)
                output = io.BytesIO()
                image.save(output, format="PNG", optimize=True)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fires on opening, before our size check, for the largest declared sizes.
        raise ValidationError(
            _("The logo has too many pixels (%(side)s pixels on a side at most).") % {"side": limits["max_side"]},
            code="too_many_pixels",
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(_("The file is not an image we can read."), code="invalid_image") from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("The image file is damaged."), code="invalid_image") from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.png")
