"""Partners' clients, generated from `openapi.yaml`, drive the real server process
(`vetted serve` on a free port): a Python client made by the pinned openapi-python-client,
and TypeScript clients made by openapi-generator's `typescript-fetch` (the pinned PyPI
wheel's jar on the JRE), compiled with `tsc --strict`.

Clients are generated from a copy of the contract as it stood before the `callout` block
type existed, so the article they read contains a block type they were not generated
with: the contract's forward-compatibility rule says they must still parse the article.
"""

from __future__ import annotations

import copy
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from api.store.accounts import create_token
from api.store.schema import open_database
from bench.servers import free_port
from tests.conftest import LOCALES, ROOT, SLUG
from tests.test_server import served
from tests.web.test_workflow import revised_catalog

# Out of the fast loop (`make test-fast`): a generated client against a real server.
pytestmark = pytest.mark.process

PACKAGE = "partner_vetted_client"
NODE_BIN = ROOT / "contract" / "node_modules" / ".bin"
TS_PROGRAM = ROOT / "tests" / "clients" / "read_article.ts"
DROPPED = "callout"  # the block type the client was generated without


def contract_before_callouts() -> dict[str, Any]:
    """openapi.yaml without the `callout` block type, as an older client knew it."""
    document = copy.deepcopy(yaml.safe_load((ROOT / "openapi.yaml").read_text("utf-8")))
    schemas = document["components"]["schemas"]
    for union, out in (("Block", "Callout"), ("BlockOut", "CalloutOut")):
        ref = f"#/components/schemas/{out}"
        members = "oneOf" if "oneOf" in schemas[union] else "anyOf"
        schemas[union][members] = [m for m in schemas[union][members] if m["$ref"] != ref]
        del schemas[union]["discriminator"]["mapping"][DROPPED]
        del schemas[out]
    del schemas["CalloutKind"]
    schemas["UnknownBlock"]["properties"]["type"]["not"]["enum"].remove(DROPPED)
    assert DROPPED not in yaml.safe_dump(schemas["SectionOut"]) + str(schemas.keys()).lower()
    return document


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated client package, importable for the duration of the module."""
    folder = tmp_path_factory.mktemp("generated")
    contract = folder / "openapi.yaml"
    contract.write_text(yaml.safe_dump(contract_before_callouts()), encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text(f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n")
    generator = Path(sys.executable).parent / "openapi-python-client"
    arguments = ["--path", str(contract), "--config", str(config), "--meta", "none"]
    result = subprocess.run(
        [str(generator), "generate", *arguments, "--output-path", str(folder / PACKAGE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[str]:
    """`vetted serve` over a copy of the real content; its base URL. A translator token for
    French is in the database as `translator`."""
    folder = tmp_path_factory.mktemp("served")
    db = folder / "vetted.db"
    db.write_bytes(imported_db.read_bytes())
    store = open_database(db)
    _, secret = create_token(store, name="lucia", role="translator", locales=["fr"])
    store.conn.close()
    (folder / "token").write_text(secret)
    port = free_port()
    with served(folder, db, port):
        yield f"http://127.0.0.1:{port}"


def module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_generated_client_reads_articles_sections_search_and_sync(
    client_package: ModuleType, server: str
) -> None:
    delivery = lambda name: module(client_package, f"api.delivery.{name}")  # noqa: E731
    models = module(client_package, "models")
    client = client_package.Client(base_url=server, raise_on_unexpected_status=True)

    # An article in two locales, one of them right to left; the header parameter works.
    spanish = delivery("get_article").sync_detailed(
        SLUG, client=client, accept_language="es-MX,es;q=0.9", x_request_id="partner-1"
    )
    assert spanish.status_code == 200
    assert spanish.headers["content-language"] == "es-MX"
    assert spanish.headers["x-request-id"] == "partner-1"
    article = spanish.parsed
    assert isinstance(article, models.ArticleOut)
    assert article.locale == "es-MX" and article.dir_ == models.TextDirection.LTR
    assert article.published_at.tzinfo is not None
    assert article.published_at.utcoffset() == UTC.utcoffset(None)
    arabic = delivery("get_article").sync(SLUG, client=client, locale="ar")
    assert isinstance(arabic, models.ArticleOut)
    assert arabic.dir_ == models.TextDirection.RTL
    blocks = [b for s in arabic.sections for b in s.blocks]
    assert {b.locale for b in blocks} >= {"ar", "en"}

    # Every known block type parses to its model; the callout (unknown to this client)
    # is kept whole as an UnknownBlock instead of breaking the article.
    spanish_blocks = [b for s in article.sections for b in s.blocks]
    kinds = {type(b).__name__ for b in spanish_blocks}
    assert {"ParagraphOut", "FaqOut", "FactOut", "UnknownBlock"} <= kinds
    assert not hasattr(models, "CalloutOut")
    unknown = [b for b in spanish_blocks if isinstance(b, models.UnknownBlock)]
    assert [b.type_ for b in unknown] == [DROPPED]
    assert unknown[0].additional_properties["kind"] == "experimental"
    assert unknown[0].additional_properties["text"] and unknown[0].locale == "es"
    # Partner review L1: one FallbackReason enum, not three classes per field.
    assert [m.value for m in models.FallbackReason] == ["safety-text-untranslated"]
    assert not [n for n in dir(models) if "FallbackReasonType" in n]
    pending = list(arabic.sections)
    while pending:
        shown = pending.pop()
        pending += shown.sections
        assert shown.fallback_reason in (None, models.FallbackReason.SAFETY_TEXT_UNTRANSLATED)
    fact = next(b for b in spanish_blocks if isinstance(b, models.FactOut))
    assert isinstance(fact.unit, models.DurationUnit) or isinstance(fact.per, models.CostBasis)

    # A section whose id contains `/`.
    section = delivery("get_section").sync(
        SLUG, "alternatives/minoxidil", client=client, locale="es"
    )
    assert isinstance(section, models.SectionDocument)
    assert section.section.id == "alternatives/minoxidil"

    # Search.
    found = delivery("search").sync(client=client, q="celulas madre", locale="es")
    assert isinstance(found, models.SearchResults) and found.results
    assert found.results[0].slug == SLUG

    # Bundle, then changes since its cursor (none), then revalidation: a 304.
    bundle = delivery("get_bundle").sync("es", client=client)
    assert isinstance(bundle, models.Bundle) and bundle.articles[0].slug == SLUG
    changes = delivery("list_changes").sync_detailed(
        client=client, since=bundle.cursor, locale="es"
    )
    assert isinstance(changes.parsed, models.Changes)
    assert changes.parsed.cursor == bundle.cursor and changes.parsed.articles == []
    everything = delivery("list_changes").sync(client=client, since=0, locale="es")
    assert isinstance(everything, models.Changes) and everything.articles
    again = delivery("list_changes").sync_detailed(
        client=client, since=bundle.cursor, locale="es", if_none_match=changes.headers["etag"]
    )
    assert again.status_code == 304 and again.parsed is None
    revalidated = delivery("get_article").sync_detailed(
        SLUG, client=client, locale="es-MX", if_none_match=spanish.headers["etag"]
    )
    assert revalidated.status_code == 304 and revalidated.content == b""


def test_generated_client_parses_errors_as_problems(
    client_package: ModuleType, server: str
) -> None:
    get_article = module(client_package, "api.delivery.get_article")
    models = module(client_package, "models")
    client = client_package.Client(base_url=server)

    missing = get_article.sync("hair-growth-pills", client=client)
    assert isinstance(missing, models.Problem)
    assert missing.status == 404 and missing.type_ == models.ProblemType.NOT_FOUND

    invalid = get_article.sync(SLUG, client=client, locale="e$")
    assert isinstance(invalid, models.Problem)
    assert invalid.status == 400 and invalid.type_ == "/problems/invalid-locale"
    assert invalid.available == ["ar", "en", "es", "es-MX", "fr", "fr-CA"]
    assert invalid.errors[0].field == "locale"


def test_generated_client_uploads_a_catalog_as_multipart(
    client_package: ModuleType, server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    upload = module(client_package, "api.translation.upload_catalog")
    models = module(client_package, "models")
    types = module(client_package, "types")
    token = next(tmp_path_factory.getbasetemp().glob("served*/token")).read_text()
    client = client_package.AuthenticatedClient(base_url=server, token=token)
    catalog = revised_catalog(LOCALES, "fr")
    body = models.UploadCatalogFilesBody(
        catalog=types.File(payload=catalog, file_name="fr.po", mime_type="text/plain")
    )
    answer = upload.sync_detailed("fr", client=client, body=body)
    assert answer.status_code == 202, answer.content
    assert isinstance(answer.parsed, models.PendingCatalog)
    assert answer.parsed.locale == "fr" and answer.parsed.entries > 0
    assert answer.parsed.uploaded_by == "lucia"
    refused = upload.sync("es", client=client, body=body)
    assert isinstance(refused, models.Problem) and refused.status == 403


def _typescript_client(folder: Path, contract: dict[str, Any]) -> subprocess.Popen[str]:
    """Start generating a `typescript-fetch` client into `folder / "client"`."""
    (folder / "client").mkdir(parents=True)
    (folder / "client" / "openapi.yaml").write_text(yaml.safe_dump(contract), encoding="utf-8")
    generator = Path(sys.executable).parent / "openapi-generator-cli"
    return subprocess.Popen(
        [str(generator), "generate", "-g", "typescript-fetch", "-i", "openapi.yaml", "-o", "."],
        cwd=folder / "client",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _compile(folder: Path) -> subprocess.Popen[str]:
    """Start `tsc --strict` on the partner's program and the generated client."""
    shutil.copy(TS_PROGRAM, folder / TS_PROGRAM.name)
    return subprocess.Popen(
        [
            *(str(NODE_BIN / "tsc"), "--strict", "--target", "es2022", "--module", "commonjs"),
            *("--lib", "es2022,dom", "--outDir", "dist", TS_PROGRAM.name),
        ],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(steps: dict[str, subprocess.Popen[str]]) -> None:
    for name, step in steps.items():
        output, _ = step.communicate(timeout=600)
        assert step.returncode == 0, f"{name}:\n{output[-4000:]}"


@pytest.fixture(scope="module")
def typescript_programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The partner's TypeScript program compiled against two `typescript-fetch` clients:
    one generated from openapi.yaml as it is, one from the contract before callouts."""
    assert shutil.which("java"), "openapi-generator needs a Java runtime (a JRE)"
    root = tmp_path_factory.mktemp("typescript")
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text("utf-8"))
    folders = {"current": root / "current", "older": root / "older"}
    contracts = {"current": contract, "older": contract_before_callouts()}
    _finish({name: _typescript_client(folders[name], contracts[name]) for name in folders})
    _finish({name: _compile(folder) for name, folder in folders.items()})
    return {name: folder / "dist" / "read_article.js" for name, folder in folders.items()}


def _read_article(program: Path, server: str, locale: str) -> dict[str, Any]:
    run = subprocess.run(
        ["node", str(program), server, SLUG, locale],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    return report


@pytest.mark.parametrize("locale", ["es", "ar"])
def test_typescript_fetch_client_keeps_every_block_whole(
    typescript_programs: dict[str, Path], server: str, locale: str
) -> None:
    """Partner review H1: openapi-generator's `typescript-fetch` kept only the fields common
    to all block types (no block had its text). Every field of every block now survives
    its `FromJSON`, through the generated API class and from the raw response alike."""
    report = _read_article(typescript_programs["current"], server, locale)
    assert report["version"] >= 1 and report["published_at_is_date"] is True
    assert report["types"] == ["callout", "fact", "faq", "paragraph", "treatment_ref"]
    assert report["blocks"] == report["via_api"] > 0
    assert report["lost"] == [] and report["lost_via_api"] == []
    paragraphs = report["paragraphs"]
    assert len(paragraphs) > 10 and all(isinstance(t, str) and t for t in paragraphs)
    assert paragraphs == report["raw_paragraphs"]


def test_older_typescript_fetch_client_keeps_a_newer_block_type(
    typescript_programs: dict[str, Path], server: str
) -> None:
    """A `typescript-fetch` client generated before the `callout` type existed keeps the
    callout whole (the forward-compatibility rule), and every other block too."""
    report = _read_article(typescript_programs["older"], server, "es")
    assert DROPPED in report["types"]
    assert report["blocks"] == report["via_api"] > 0
    assert report["lost"] == [] and report["lost_via_api"] == []
    assert report["paragraphs"] == report["raw_paragraphs"] and report["paragraphs"]


TYPED_PROGRAM = ROOT / "tests" / "clients" / "read_typed.ts"


@pytest.fixture(scope="module")
def typed_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The partner's program on openapi-typescript's types and openapi-fetch, compiled
    with `tsc --strict --noUncheckedIndexedAccess` as an ES module."""
    folder = tmp_path_factory.mktemp("typed")
    generated = subprocess.run(
        [str(NODE_BIN / "openapi-typescript"), str(ROOT / "openapi.yaml"), "-o", "vetted.d.ts"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    shutil.copy(TYPED_PROGRAM, folder / TYPED_PROGRAM.name)
    (folder / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    (folder / "node_modules").symlink_to(NODE_BIN.parent)
    compiled = subprocess.run(
        [
            *(str(NODE_BIN / "tsc"), "--strict", "--noUncheckedIndexedAccess"),
            *("--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"),
            *("--lib", "es2022,dom", "--outDir", "dist", TYPED_PROGRAM.name),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (folder / "dist" / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    return folder / "dist" / "read_typed.js"


@pytest.mark.parametrize("locale", ["es", "ar"])
def test_openapi_typescript_client_reads_the_real_server(
    typed_program: Path, server: str, locale: str
) -> None:
    """The third generator: openapi-typescript's types with openapi-fetch, compiled under
    `tsc --strict --noUncheckedIndexedAccess` (the narrowing pattern of the docs included)
    and run against the real server: every block rendered, a 304, a typed problem."""
    report = _read_article(typed_program, server, locale)
    assert report["locale"] == report["content_language"] == locale
    assert report["dir"] == ("rtl" if locale == "ar" else "ltr")
    assert report["types"] == ["callout", "fact", "faq", "paragraph", "treatment_ref"]
    assert report["rendered"] == report["blocks"] > 0
    assert len(report["paragraphs"]) > 10 and all(report["paragraphs"])
    assert (report["fallback"] > 0) == (locale == "ar")
    assert report["revalidated"] == 304
    assert (report["missing_status"], report["missing_type"]) == (404, "/problems/not-found")
    assert {"ar", "en", "es", "fr"} <= set(report["sitemap_locales"])
