"""Logo uploads: real images re-encoded small as PNG; anything else refused before it is decoded."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from partners.forms import PartnerForm
from partners.images import process_logo
from partners.models import Partner
from partners.services import partner_save_from_form


def _image_bytes(size: tuple[int, int], image_format: str, *, mode: str = "RGB", **save_options) -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, color="teal" if mode == "RGB" else None).save(output, format=image_format, **save_options)
    return output.getvalue()


def _upload(data: bytes, name: str = "logo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height but whose pixel data is that of a 1×1 image.

    It costs a few bytes; decoding it would fail, so a refusal on size proves nothing was decoded.
    """
    data = bytearray(_image_bytes((1, 1), "PNG"))
    ihdr = data[12:29]  # chunk type and the 13 bytes of IHDR data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def _refusal_code(upload) -> str:
    with pytest.raises(ValidationError) as caught:
        process_logo(upload)
    return caught.value.code


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


# --- accepted images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_accepted_formats_are_reencoded_as_png_within_the_output_side(settings, image_format, content_type):
    upload = _upload(_image_bytes((1200, 600), image_format), f"logo.{image_format.lower()}", content_type)
    processed = process_logo(upload)
    side = settings.PARTNER_LOGO["output_side"]
    assert _png_size(processed.read()) == (side, side // 2)
    assert processed.name.endswith(".png")
    assert "logo" not in processed.name  # the uploader's file name never reaches the disk


def test_a_small_logo_is_not_enlarged():
    processed = process_logo(_upload(_image_bytes((120, 80), "JPEG"), "small.jpg", "image/jpeg"))
    assert _png_size(processed.read()) == (120, 80)


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = _image_bytes((200, 100), "JPEG", exif=exif.tobytes())
    processed = process_logo(_upload(data, "photo.jpg", "image/jpeg"))
    assert _png_size(processed.read()) == (100, 200)


def test_logo_is_saved_through_the_form_and_service(partner_form_data, admin_user, settings):
    upload = _upload(_image_bytes((1000, 1000), "JPEG"), "私たちのロゴ.jpg", "image/jpeg")
    form = PartnerForm(data=partner_form_data(), files={"logo": upload})
    assert form.is_valid(), form.errors
    partner = partner_save_from_form(form=form, user=admin_user)
    partner.refresh_from_db()
    assert partner.logo.name.startswith("partners/logos/")
    assert partner.logo.name.endswith(".png")
    with partner.logo.open("rb") as stored:
        assert _png_size(stored.read()) == (settings.PARTNER_LOGO["output_side"],) * 2


def test_logo_is_saved_through_the_admin(client_for, admin_user, kawasaki, partner_types, settings):
    upload = _upload(_image_bytes((800, 400), "PNG"), "logo.png")
    response = client_for(admin_user).post(
        reverse("admin:partners_partner_add"),
        {
            "name": "ロゴのある会",
            "partner_type": partner_types["civic_group"].pk,
            "municipality": kawasaki.pk,
            "is_public": "on",
            "logo": upload,
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    partner = Partner.objects.get(name="ロゴのある会")
    with partner.logo.open("rb") as stored:
        assert _png_size(stored.read()) == (
            settings.PARTNER_LOGO["output_side"],
            settings.PARTNER_LOGO["output_side"] // 2,
        )


# --- refused files ---------------------------------------------------------------------------------


def test_text_file_named_png_is_refused():
    assert _refusal_code(_upload(b"<?php echo 'not a logo'; ?>\n", "logo.png")) == "invalid_image"


def test_truncated_png_is_refused():
    data = _image_bytes((300, 300), "PNG")
    assert _refusal_code(_upload(data[: len(data) // 2])) == "invalid_image"


@pytest.mark.parametrize(("image_format", "name"), [("BMP", "logo.bmp"), ("TIFF", "logo.tiff")])
def test_other_image_formats_are_refused(image_format, name):
    assert _refusal_code(_upload(_image_bytes((50, 50), image_format), name, "image/x-other")) == "invalid_format"


def test_file_over_the_upload_limit_is_refused(settings):
    settings.PARTNER_LOGO = {**settings.PARTNER_LOGO, "max_upload_bytes": 1024}
    data = _image_bytes((64, 64), "PNG") + b"\0" * 2048
    assert len(data) > 1024
    assert _refusal_code(_upload(data)) == "file_too_large"


def test_declared_dimensions_beyond_the_limits_are_refused_without_decoding():
    # 7000×7000 = 49 million pixels: over max_pixels (25 million) and max_side (6000).
    assert _refusal_code(_upload(_png_declaring(7000, 7000))) == "too_many_pixels"


def test_one_side_beyond_max_side_is_refused():
    assert _refusal_code(_upload(_png_declaring(6001, 10))) == "too_many_pixels"


def test_lowered_pixel_limit_is_honoured(settings):
    settings.PARTNER_LOGO = {**settings.PARTNER_LOGO, "max_pixels": 10_000}
    assert _refusal_code(_upload(_image_bytes((101, 100), "PNG"))) == "too_many_pixels"
    assert process_logo(_upload(_image_bytes((100, 100), "PNG")))


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (10_000, 10_000),  # over Pillow's MAX_IMAGE_PIXELS: a DecompressionBombWarning on opening
        (20_000, 20_000),  # over twice that: a DecompressionBombError on opening
    ],
)
def test_decompression_bomb_is_refused_as_too_many_pixels(width, height):
    assert _refusal_code(_upload(_png_declaring(width, height))) == "too_many_pixels"


def test_refused_logo_is_a_form_error_on_the_logo_field(partner_form_data):
    form = PartnerForm(data=partner_form_data(), files={"logo": _upload(_png_declaring(7000, 7000))})
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["logo"]] == ["too_many_pixels"]
    assert not Partner.objects.exists()
