"""PDFs of the portal's documents (an agreement, the yearly report): a template rendered in Japanese by WeasyPrint,
with the Japanese fonts embedded and nothing fetched but those font files."""

from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# A PDF is a Japanese document whatever the language of the page that links to it.
PDF_LANGUAGE = "ja"


class PdfUnavailable(Exception):
    """The server has no Japanese font to embed (or no WeasyPrint libraries): the printable page still works."""


def pdf_fonts() -> dict[str, Path]:
    """The font files by family (mincho for the text, gothic for headings), one standing in for the other;
    PdfUnavailable when settings.PDF_FONTS names no file that exists."""
    found = {}
    for family in ("mincho", "gothic"):
        candidates = settings.PDF_FONTS.get(family, ())
        found[family] = next((Path(name) for name in candidates if Path(name).is_file()), None)
    if not any(found.values()):
        raise PdfUnavailable(f"no font file of {settings.PDF_FONTS}")
    return {
        "mincho": found["mincho"] or found["gothic"],
        "gothic": found["gothic"] or found["mincho"],
    }


def local_files_only(allowed: set[Path]):
    """WeasyPrint's fetcher limited to the font files: a document never makes the server fetch anything else."""
    from weasyprint import default_url_fetcher

    def fetch(url: str, *args, **kwargs) -> dict:
        parsed = urlparse(url)
        if parsed.scheme != "file" or Path(unquote(parsed.path)) not in allowed:
            raise ValueError(f"not fetched for a PDF: {url}")
        return default_url_fetcher(url, *args, **kwargs)

    return fetch


def render_pdf(template_name: str, context: dict) -> bytes:
    """The template as a PDF, rendered in Japanese with `for_pdf` and the fonts' `font_urls` in its context
    (for its @font-face rules); PdfUnavailable where the server cannot make one."""
    fonts = pdf_fonts()
    try:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as error:  # WeasyPrint needs Pango, a system library
        raise PdfUnavailable(str(error)) from error
    with translation.override(PDF_LANGUAGE):
        html = render_to_string(
            template_name,
            {**context, "for_pdf": True, "font_urls": {family: path.as_uri() for family, path in fonts.items()}},
        )
    document = HTML(string=html, url_fetcher=local_files_only(set(fonts.values())))
    return document.write_pdf(font_config=FontConfiguration())


def content_disposition(filename: str, fallback: str, *, inline: bool = True) -> str:
    """With an ASCII name for old clients and the Japanese name as RFC 5987's filename*."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
