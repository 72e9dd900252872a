"""The PDF machinery shared by the agreement and the yearly report: which fonts, what may be fetched, the result."""

import os
from pathlib import Path

import pytest

from kyodo_portal import pdf


@pytest.fixture
def fonts(tmp_path) -> dict[str, Path]:
    made = {}
    for name in ("mincho.ttf", "gothic.ttf"):
        made[name] = tmp_path / name
        made[name].write_bytes(b"not really a font")
    return made


def test_the_first_existing_file_of_each_family_is_used(settings, fonts, tmp_path):
    settings.PDF_FONTS = {
        "mincho": [str(tmp_path / "missing.ttf"), str(fonts["mincho.ttf"])],
        "gothic": [str(fonts["gothic.ttf"])],
    }
    assert pdf.pdf_fonts() == {"mincho": fonts["mincho.ttf"], "gothic": fonts["gothic.ttf"]}


def test_one_family_stands_in_for_the_other(settings, fonts, tmp_path):
    settings.PDF_FONTS = {"mincho": [str(tmp_path / "missing.ttf")], "gothic": [str(fonts["gothic.ttf"])]}
    assert pdf.pdf_fonts() == {"mincho": fonts["gothic.ttf"], "gothic": fonts["gothic.ttf"]}


def test_without_any_font_no_pdf_is_made(settings, tmp_path):
    settings.PDF_FONTS = {"mincho": [str(tmp_path / "a.ttf")], "gothic": []}
    with pytest.raises(pdf.PdfUnavailable):
        pdf.pdf_fonts()
    with pytest.raises(pdf.PdfUnavailable):
        pdf.render_pdf("includes/pdf_layout.html", {})


def test_nothing_but_the_font_files_is_fetched(fonts, tmp_path):
    pytest.importorskip("weasyprint")
    fetch = pdf.local_files_only({fonts["mincho.ttf"]})
    assert fetch(fonts["mincho.ttf"].as_uri())
    other = tmp_path / "secret.txt"
    other.write_text("secret")
    for url in (other.as_uri(), "http://169.254.169.254/latest/meta-data/", "https://example.com/font.ttf"):
        with pytest.raises(ValueError, match="not fetched"):
            fetch(url)


def test_a_pdf_is_made_with_the_installed_fonts():
    try:
        pdf.pdf_fonts()
    except pdf.PdfUnavailable:
        if os.environ.get("CI") == "true":
            pytest.fail("The IPAex fonts are missing; bin/ensure-fonts installs them under CI")
        pytest.skip("The IPAex fonts are not installed (bin/ensure-fonts)")
    assert pdf.render_pdf("includes/pdf_layout.html", {}).startswith(b"%PDF")


def test_the_file_name_is_given_in_ascii_and_in_japanese():
    assert pdf.content_disposition("協定書.pdf", "agreement.pdf") == (
        "inline; filename=\"agreement.pdf\"; filename*=UTF-8''%E5%8D%94%E5%AE%9A%E6%9B%B8.pdf"
    )
    assert pdf.content_disposition("一覧.csv", "list.csv", inline=False).startswith('attachment; filename="list.csv"')
