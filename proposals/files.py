"""Attachments of proposals: the type is read from the content, the size limited, the name sanitised."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from kyodo_portal.images import ImageLimits, encode, open_checked

T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    label: str
    extensions: tuple[str, ...]
    content_type: str


# What the content says a file is, and the names it may carry. A file whose content and name disagree
# (an .exe renamed .pdf, a .docx renamed .xlsx) is refused.
KINDS = {
    "pdf": Kind("PDF", ("pdf",), "application/pdf"),
    "jpg": Kind("JPEG", ("jpg", "jpeg"), "image/jpeg"),
    "png": Kind("PNG", ("png",), "image/png"),
    "docx": Kind("Word", ("docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": Kind("Excel", ("xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": Kind("PowerPoint", ("pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": Kind("Word 97-2003", ("doc",), "application/msword"),
    "xls": Kind("Excel 97-2003", ("xls",), "application/vnd.ms-excel"),
    "ppt": Kind("PowerPoint 97-2003", ("ppt",), "application/vnd.ms-powerpoint"),
    "odt": Kind("OpenDocument", ("odt",), "application/vnd.oasis.opendocument.text"),
    "ods": Kind("OpenDocument", ("ods",), "application/vnd.oasis.opendocument.spreadsheet"),
}
IMAGE_KINDS = {"jpg": "JPEG", "png": "PNG"}
ACCEPT = ",".join(f".{extension}" for kind in KINDS.values() for extension in kind.extensions)

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_NAME = 120


@dataclass(frozen=True)
class CheckedFile:
    content: ContentFile
    name: str
    extension: str
    content_type: str
    size: int

    def as_row(self) -> dict:
        """The attachment row's description of the file (the user's name made safe, type, size)."""
        return {
            "original_name": self.name,
            "extension": self.extension,
            "content_type": self.content_type,
            "size": self.size,
        }


def sanitize_filename(raw: str, *, extension: str) -> str:
    """The user's file name made safe to show and to offer for download; Japanese is kept.

    Directory parts, control characters and characters that Windows refuses are dropped, the name is
    NFKC-normalised and shortened, and it ends with the extension its content was found to have.
    """
    name = unicodedata.normalize("NFKC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip().strip(".").strip()[: MAX_NAME - len(extension) - 1] or _("attachment")
    return f"{stem}.{extension}"


def check_upload(upload) -> CheckedFile:
    """The upload as it will be stored, or a ValidationError in Japanese saying what is wrong with it."""
    limits = settings.PROPOSAL_ATTACHMENT
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > limits["max_upload_bytes"]:
        raise ValidationError(
            _("The file is too large (%(size)s MB at most).") % {"size": limits["max_upload_bytes"] // (1024 * 1024)},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    detected = filetype.guess(head)
    kind_key = detected.extension if detected else None
    if kind_key not in KINDS:
        raise ValidationError(
            _("This kind of file cannot be attached. Attach PDF, images (JPEG, PNG) or Office files."),
            code="invalid_type",
        )
    kind = KINDS[kind_key]
    given = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if given not in kind.extensions:
        raise ValidationError(
            _("The file's content is %(kind)s but its name ends in .%(given)s; save it with the right name.")
            % {"kind": kind.label, "given": given or "?"},
            code="type_mismatch",
        )
    if kind_key in IMAGE_KINDS:
        # Images are decoded and written anew: whatever else they carried (location data) is dropped.
        image = open_checked(
            upload, ImageLimits(max_upload_bytes=limits["max_upload_bytes"], max_pixels=40_000_000, max_side=10000)
        )
        content = encode(image, side=4000, image_format=IMAGE_KINDS[kind_key])
    else:
        content = ContentFile(upload.read())
    return CheckedFile(
        content=content,
        name=sanitize_filename(upload.name, extension=kind.extensions[0]),
        extension=f".{kind.extensions[0]}",
        content_type=kind.content_type,
        size=content.size,
    )


def store_checked(upload, *, storage, name_for: Callable[[str], str], save_row: Callable[[CheckedFile, str], T]) -> T:
    """Check an upload, write it under the name ``name_for(extension)``, then save its row with
    ``save_row(checked, stored_name)``; the file is removed again if the row is not saved (a refused limit,
    a proposal no longer editable, an error). Checking and writing happen before any row lock is taken."""
    checked = check_upload(upload)
    stored = storage.save(name_for(checked.extension), checked.content)
    try:
        return save_row(checked, stored)
    except BaseException:
        storage.delete(stored)
        raise


def check_attachment_limits(existing_sizes: list[int], new_size: int, limits: dict) -> None:
    """How many files and how many bytes a proposal may carry (``max_files``, ``max_total_bytes``)."""
    if len(existing_sizes) >= limits["max_files"]:
        raise ValidationError(_("A proposal has %(count)s attachments at most.") % {"count": limits["max_files"]})
    if sum(existing_sizes) + new_size > limits["max_total_bytes"]:
        raise ValidationError(
            _("The attachments of a proposal come to %(size)s MB at most; remove one or make a file smaller.")
            % {"size": limits["max_total_bytes"] // (1024 * 1024)}
        )
