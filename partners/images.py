"""Partner logos: a checked image, re-encoded as a small PNG."""

from django.conf import settings
from django.core.files.base import ContentFile

from kyodo_portal.images import ImageLimits, encode, open_checked


def process_logo(upload) -> ContentFile:
    """Return the logo re-encoded as PNG, at most ``output_side`` pixels on its longer side."""
    limits = settings.PARTNER_LOGO
    image = open_checked(
        upload,
        ImageLimits(
            max_upload_bytes=limits["max_upload_bytes"], max_pixels=limits["max_pixels"], max_side=limits["max_side"]
        ),
    )
    return encode(image, side=limits["output_side"], image_format="PNG")
