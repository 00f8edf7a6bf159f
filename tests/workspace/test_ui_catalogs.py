"""The workspace's own words: the template is up to date with the code and templates, and
every shipped language translates all of it and compiles with Babel."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from api.web.workspace.i18n import UI_LOCALES, UiText
from tests.conftest import LOCALES, ROOT


def _ids(path: Path) -> set[object]:
    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_the_template_holds_every_message_of_the_code(tmp_path: Path) -> None:
    pot = tmp_path / "workspace.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "extract",
            "-F",
            "babel-workspace.cfg",
            "-o",
            str(pot),
            "--no-wrap",
            "-k",
            "N_",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert _ids(pot) == _ids(LOCALES / "workspace.pot"), "run `make catalogs`"


def _forms(string: object) -> tuple[object, ...]:
    return string if isinstance(string, tuple) else (string,)


@pytest.mark.parametrize("locale", sorted(UI_LOCALES - {"en"}))
def test_every_language_translates_everything_and_compiles(locale: str) -> None:
    path = LOCALES / locale / "LC_MESSAGES" / "workspace.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert not missing, missing
    assert _ids(path) == _ids(LOCALES / "workspace.pot")
    write_mo(io.BytesIO(), catalog)
    assert UiText(locale).gettext("Sign in") != "Sign in"
