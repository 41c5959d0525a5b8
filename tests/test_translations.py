"""Every user-facing string has its Swedish translation (DESIGN.md rule 6)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import samtrygg

PACKAGE = Path(samtrygg.__file__).parent
PO = PACKAGE / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_committed_catalogue_is_complete_and_compiled() -> None:
    po = polib.pofile(str(PO))
    assert untranslated(po) == []
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= PO.stat().st_mtime - 1
    compiled = polib.mofile(str(mo))
    assert {e.msgid for e in compiled} >= {e.msgid for e in po if not e.msgid_plural}


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="GETTEXT MISSING: install the gettext package to check for new strings",
)
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "samtrygg"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "vendor"))
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "sv",
            "--no-obsolete",
            "--ignore",
            "static/*",
            "--no-location",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "samtrygg.settings",
            "PYTHONPATH": str(PACKAGE.parent),
            "SAMTRYGG_DATA_DIR": str(tmp_path / "var"),
        },
    )
    fresh = polib.pofile(str(copy / "locale" / "sv" / "LC_MESSAGES" / "django.po"))
    assert untranslated(fresh) == [], "run `make messages` and translate the new strings"


def test_django_strings_missing_from_its_catalogue_are_swedish() -> None:
    from django.db.models.fields import BLANK_CHOICE_LABEL
    from django.utils import translation

    with translation.override("sv"):
        assert str(BLANK_CHOICE_LABEL) == "– Välj –"
