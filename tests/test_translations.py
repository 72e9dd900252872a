"""The Japanese catalogue is complete and compiled; English is the source language."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
JA_PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
JA_MO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.mo"


def _msgids(po: polib.POFile) -> set[tuple[str, str]]:
    return {(entry.msgctxt or "", entry.msgid) for entry in po if not entry.obsolete}


def test_every_japanese_entry_is_translated_and_not_fuzzy():
    po = polib.pofile(str(JA_PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(JA_PO))
    mo = polib.mofile(str(JA_MO))
    compiled = {(entry.msgctxt or "", entry.msgid): entry.msgstr or entry.msgstr_plural for entry in mo}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt or "", entry.msgid)) == (entry.msgstr or entry.msgstr_plural), entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_catalogue_holds_every_string_of_the_code(tmp_path):
    """`make messages` has been run: extracting the strings again finds nothing new."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "media", "staticfiles", "node_modules", "*.sqlite3", "tests"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "ja", "--no-obsolete", "--ignore", "bin/*"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "PYTHONPATH": str(copy)},
    )
    extracted = _msgids(polib.pofile(str(copy / "locale" / "ja" / "LC_MESSAGES" / "django.po")))
    missing = extracted - _msgids(polib.pofile(str(JA_PO)))
    assert missing == set(), f"run `make messages` and translate: {sorted(missing)}"
