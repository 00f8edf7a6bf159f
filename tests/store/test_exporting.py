"""Exported catalogs: headers as stored, new locales as `pybabel init` makes them, and the
standard `#|` line for entries whose source changed."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from msgspec.structs import replace

from api.sources import read_content
from api.store.exporting import export_catalog, export_tree, published_content
from api.store.importer import import_content
from api.store.schema import open_database
from api.store.versions import load_article
from tests.conftest import ROOT, SLUG
from tests.editing import publish_change

ES = Path(f"locales/es/LC_MESSAGES/{SLUG}.po")
_REVISION = re.compile(rb'^"PO-Revision-Date: .*\\n"\n', re.MULTILINE)


def _imported(tree: Path) -> Path:
    path = tree / "v.db"
    db = open_database(path)
    import_content(db, read_content(tree / "content", tree / "locales"))
    db.conn.close()
    return path


def test_an_export_keeps_a_header_written_by_another_babel_release(tree: Path) -> None:
    catalog = tree / ES
    original = catalog.read_bytes()
    older = re.sub(
        rb'"Generated-By: Babel [0-9.]+\\n"\n',
        lambda _: b'"Generated-By: Babel 2.12.1\\n"\n"X-Generator: Poedit 3.4.2\\n"\n',
        original,
    )
    assert older != original, "the shipped header names the release that wrote it"
    catalog.write_bytes(older)
    db = open_database(_imported(tree))
    assert export_tree(db).files[str(ES)] == older


def test_a_new_locale_exports_what_pybabel_init_writes(tree: Path) -> None:
    db = open_database(_imported(tree))
    exported = export_catalog(db, "de", published_content(db), domain=SLUG)
    subprocess.run(
        [
            *(sys.executable, "-m", "babel.messages.frontend", "init"),
            *("-D", SLUG, "-l", "de", "--no-wrap"),
            *("-i", str(tree / "locales" / f"{SLUG}.pot"), "-d", str(tree / "locales")),
        ],
        check=True,
        capture_output=True,
    )
    initialised = (tree / f"locales/de/LC_MESSAGES/{SLUG}.po").read_bytes()
    # `pybabel init` dates the revision by the clock; the export by the template.
    assert _REVISION.sub(b"", exported) == _REVISION.sub(b"", initialised)
    assert b"ORGANIZATION" not in exported and b"PROJECT" not in exported


def test_a_stale_entry_carries_the_standard_previous_msgid_line(tree: Path) -> None:
    db = open_database(_imported(tree))
    article = load_article(db, SLUG, 1)
    section = article.sections[0]
    block = section.blocks[0]
    old = block.text  # type: ignore[union-attr]
    changed = replace(
        article,
        sections=(
            replace(section, blocks=(replace(block, text=old + " More."), *section.blocks[1:])),
            *article.sections[1:],
        ),
    )
    publish_change(db, changed)
    exported = export_catalog(db, "es", published_content(db)).decode()
    context = f"{SLUG}/{section.id}/{block.id}"
    assert f'#, fuzzy\n#| msgid "{old}"\nmsgctxt "{context}"\n' in exported
    assert exported.count("\n#| msgid ") == 1
    message = read_po(io.BytesIO(exported.encode())).get(old + " More.", context=context)
    assert message is not None and message.fuzzy
    # GNU gettext, which Poedit and msgmerge are built on, reads the file as written.
    path = tree / "es.po"
    path.write_text(exported)
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], check=True)


def test_the_translators_page_gives_the_commands_make_catalogs_runs() -> None:
    """`make catalogs` runs, per domain, the pybabel commands the translators' page shows
    (with the article's slug for `<slug>`)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\ncatalogs:") + 1 :].split("\n\n")[0]
    variables = dict(re.findall(r"^(EXTRACT|UPDATE) := (.*)$", makefile, re.MULTILINE))
    for name, value in variables.items():
        recipe = recipe.replace(f"$({name})", value)
    recipe = recipe.replace("$(BIN)/", ".venv/bin/").replace("$$slug", "<slug>")
    page = (ROOT / "docs" / "translators" / "index.md").read_text()
    shown = [line for line in page.splitlines() if line.startswith(".venv/bin/pybabel")]
    for verb, domain in (
        ("extract", "<slug>"),
        ("update", "<slug>"),
        ("compile", "<slug>"),
        ("extract", "shared"),
        ("update", "shared"),
        ("compile", "shared"),
        ("update", "workspace"),
    ):
        run = [
            line.strip()
            for line in recipe.splitlines()
            if f"pybabel {verb}" in line and (f"{domain}.pot" in line or f"-D {domain}" in line)
        ]
        assert run, (verb, domain)
        command = re.sub(r"\s*(>/dev/null|2>/dev/null|; \\|\\)\s*", " ", run[0]).strip()
        command = re.sub(r"\$\$\(ls ([^)]*) 2> ?/dev/null\)", r"\1", command)
        command = re.sub(r"\$\$\(ls ([^)]*)\)", r"\1", command).replace(
            "$$file", "content/articles/<slug>.yaml"
        )
        assert " ".join(command.split()) in [" ".join(s.split()) for s in shown], command
