"""The shipped catalogs: valid gettext, compiled by Babel, complete enough, in sync with the
template, and what the API serves is what gettext reads from the compiled .mo."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from litestar.testing import TestClient

from api.sources import catalog_path
from tests.conftest import LOCALES, SHIPPED_LOCALES, SLUG, content_catalogs, locale_catalog

# Spanish translates every message of the catalog: the article's (`/v1/locales` completeness
# 1.0, see the table in docs/translators/index.md) and the treatment records' evidence
# quotes, form qualifiers and conditions, cautions, requirements and statements.
SHIPPED = {"es": 1.0, "fr": 0.45, "ar": 0.3}


def template_keys(domain: str) -> set[tuple[str | None, str]]:
    with (LOCALES / f"{domain}.pot").open("rb") as handle:
        return {(m.context, str(m.id)) for m in read_po(handle) if m.id}


@pytest.mark.parametrize(("locale", "minimum"), SHIPPED.items())
def test_catalog_is_valid_complete_enough_and_in_sync(locale: str, minimum: float) -> None:
    """Each catalog of the locale (one per article, and the shared one) is in sync with
    its template."""
    files = content_catalogs(LOCALES, locale)
    assert [f.stem for f in files] == ["shared", SLUG]
    for path in files:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        assert [problem for problem in catalog.check() if problem[1]] == []
        assert {(m.context, str(m.id)) for m in catalog if m.id} == template_keys(path.stem)
    merged = [m for m in locale_catalog(LOCALES, locale) if m.id]
    translated = [m for m in merged if m.string and not m.fuzzy]
    assert len(translated) / len(merged) >= minimum


@pytest.mark.parametrize("locale", SHIPPED)
@pytest.mark.parametrize("domain", ["shared", SLUG])
def test_msgfmt_check(locale: str, domain: str, tmp_path: Path) -> None:
    if shutil.which("msgfmt") is None:
        # .ci/run installs GNU gettext, so in CI a missing msgfmt is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail("msgfmt is missing in CI")
        pytest.skip("GNU gettext is not installed")
    result = subprocess.run(
        [
            "msgfmt",
            "--check",
            "-o",
            str(tmp_path / "out.mo"),
            str(catalog_path(LOCALES, locale, domain)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("locale", SHIPPED)
def test_served_text_is_what_gettext_reads_from_the_compiled_mo(
    locale: str, tmp_path: Path, client: TestClient[Any]
) -> None:
    with catalog_path(LOCALES, locale, SLUG).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    mo = tmp_path / "content.mo"
    with mo.open("wb") as handle:
        write_mo(handle, catalog)
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    body = client.get(f"/v1/articles/{SLUG}", params={"locale": locale}).json()
    first = body["sections"][0]["blocks"][0]
    source = next(m.id for m in catalog if m.context == f"{SLUG}/introduction/p1")
    expected = translations.pgettext(f"{SLUG}/introduction/p1", str(source))
    assert first["text"] == expected != source
    title = translations.pgettext(f"{SLUG}/title", "Stem cell therapy for hair loss")
    assert body["title"]["text"] == title


def _readme_completeness() -> dict[str, tuple[str, str, str]]:
    root = Path(__file__).resolve().parent.parent
    readme = (root / "docs" / "translators" / "index.md").read_text()
    section = readme[readme.index("## Completeness: three figures") :]
    rows = re.findall(
        r"^\| (\w+)[^|]* \| (\d+ of \d+) \| (\d+ of \d+) \([^|]*\| (\d+ of \d+) \(", section, re.M
    )
    return {locale: (catalog, article, safety) for locale, catalog, article, safety in rows}


def test_the_readme_completeness_table_is_what_pybabel_and_the_api_count(
    shipped_client: TestClient[Any],
) -> None:
    """The table describes the repository as shipped (version 2, its catalogs)."""
    client = shipped_client
    listed = {entry["code"]: entry for entry in client.get("/v1/locales").json()}
    counted = {}
    for locale in SHIPPED:
        catalog = [m for m in locale_catalog(SHIPPED_LOCALES, locale) if m.id]
        translated = sum(1 for m in catalog if m.string and not m.fuzzy)
        article = client.get(f"/v1/articles/{SLUG}", params={"locale": locale}).json()
        done, total = article["completeness"]["translated"], article["completeness"]["total"]
        assert listed[locale]["completeness"][SLUG] == round(done / total, 4)
        safety = article["safety_coverage"]
        counted[locale] = (
            f"{translated} of {len(catalog)}",
            f"{done} of {total}",
            f"{safety['translated']} of {safety['total']}",
        )
    assert _readme_completeness() == counted
