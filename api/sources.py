"""The content of record on disk: `content/**.yaml` and `locales/<locale>/LC_MESSAGES/*.po`.

Reads every file into validated core values, collecting every error with its file:line.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from api.core.catalog import CatalogHeader, ParsedCatalog, parse_catalog, template_header
from api.core.content import check_references, parse_article, parse_treatments
from api.core.errors import ImportRejected, ValidationFailed
from api.core.messages import known_contexts
from api.core.model import Article, TreatmentCatalog
from api.core.negotiation import canonical_locale

__all__ = [
    "CATALOG_DOMAIN",
    "TEMPLATE_FILE",
    "ContentSet",
    "catalog_path",
    "read_content",
    "write_tree",
]

CATALOG_DOMAIN = "content"
TEMPLATE_FILE = "messages.pot"


class ContentSet(msgspec.Struct, frozen=True, kw_only=True):
    """Everything an import stores, already validated."""

    articles: tuple[Article, ...]
    treatments: TreatmentCatalog
    catalogs: tuple[ParsedCatalog, ...]
    template_header: CatalogHeader | None = None
    article_files: dict[str, str] = msgspec.field(default_factory=dict)
    """slug -> the file it was read from, as messages name it."""
    notes: tuple[str, ...] = ()
    """What a person should know but that is no error (a catalog stored under another code)."""


def catalog_path(locales_dir: Path, locale: str) -> Path:
    """Where the catalog of `locale` lives (gettext layout, Babel's `_` spelling)."""
    return locales_dir / locale.replace("-", "_") / "LC_MESSAGES" / f"{CATALOG_DOMAIN}.po"


def read_content(content_dir: Path, locales_dir: Path, root: Path | None = None) -> ContentSet:
    """Read and validate all content and catalogs; raise ImportRejected listing every error."""
    errors: list[ValidationFailed] = []
    base = root or content_dir.parent

    def shown(path: Path) -> str:
        return str(path.relative_to(base)) if path.is_relative_to(base) else path.name

    articles: list[Article] = []
    article_files: dict[str, str] = {}
    for path in sorted((content_dir / "articles").glob("*.yaml")):
        try:
            articles.append(parse_article(path.read_bytes(), shown(path)))
            article_files.setdefault(articles[-1].slug, shown(path))
        except ValidationFailed as exc:
            errors.append(exc)
    treatments = TreatmentCatalog(treatments=())
    treatments_path = content_dir / "treatments.yaml"
    try:
        treatments = parse_treatments(treatments_path.read_bytes(), shown(treatments_path))
    except ValidationFailed as exc:
        errors.append(exc)
    except FileNotFoundError:
        errors.append(ValidationFailed("missing treatments file", file=shown(treatments_path)))
    slugs = [a.slug for a in articles]
    if len(set(slugs)) != len(slugs):
        errors.append(ValidationFailed("two article files share a slug", file="content/articles"))
    if not errors:
        try:
            check_references(articles, treatments)
        except ValidationFailed as exc:
            errors.append(exc)
    contexts = known_contexts(articles, treatments)
    catalogs: list[ParsedCatalog] = []
    files_of: dict[str, str] = {}
    notes: list[str] = []
    for path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{CATALOG_DOMAIN}.po")):
        locale_dir = path.parent.parent.name
        try:
            locale = canonical_locale(locale_dir)
            if locale in files_of:
                raise ValidationFailed(
                    f"{files_of[locale]} is the catalog of {locale!r} already", file=shown(path)
                )
            files_of[locale] = shown(path)
            if locale.replace("-", "_") != locale_dir:
                notes.append(
                    f"{shown(path)} is stored as the catalog of {locale!r}: it serves readers "
                    f"of {locale!r} and every locale that falls back to it; `vetted export` "
                    f"writes it to {catalog_path(Path('locales'), locale)}"
                )
            catalogs.append(parse_catalog(path.read_bytes(), shown(path), locale, contexts))
        except ValueError as exc:
            errors.append(ValidationFailed(f"{exc}: not a catalog folder", file=shown(path)))
        except ValidationFailed as exc:
            errors.append(exc)
        except ImportRejected as exc:
            errors.extend(exc.errors)
    header: CatalogHeader | None = None
    template_path = locales_dir / TEMPLATE_FILE
    if template_path.exists():
        try:
            header = template_header(template_path.read_bytes(), shown(template_path))
        except ValidationFailed as exc:
            errors.append(exc)
    if errors:
        raise ImportRejected(errors)
    return ContentSet(
        articles=tuple(articles),
        treatments=treatments,
        catalogs=tuple(catalogs),
        template_header=header,
        article_files=article_files,
        notes=tuple(notes),
    )


def write_tree(root: Path, files: dict[str, bytes]) -> list[Path]:
    """Write exported files under `root` (each atomically); return the paths that changed."""
    changed: list[Path] = []
    for relative, data in sorted(files.items()):
        path = root / relative
        if path.exists() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".partial")
        with partial.open("wb") as out:
            out.write(data)
            # On disk before the rename, so a power cut leaves the old file or the new one.
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
        changed.append(path)
    return changed
