"""The content of record on disk: `content/**.yaml` and `locales/<locale>/LC_MESSAGES/*.po`
(one catalog per article and locale, `<slug>.po`, and the shared one, `shared.po`, each
beside its template `locales/<domain>.pot`; an earlier release's single `content.po` per
locale and `messages.pot` are still read: see api.core.catalog_domains).

Reads every file into validated core values, collecting every error with its file:line.
The tree holds regular files only: a symbolic link (to /dev/zero, /etc/passwd or another
file of the tree alike), a FIFO, a device or a socket is refused by name before it is
opened, and no file is read past its size limit (limit + 1 bytes at most, so the parser
names the limit). Git keeps symbolic links, so a contributed change can carry them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import msgspec

from api.core.catalog import (
    CatalogHeader,
    ParsedCatalog,
    catalog_byte_limit,
    parse_catalog,
    template_header,
)
from api.core.catalog_domains import (
    LEGACY_DOMAIN,
    LEGACY_TEMPLATE,
    SHARED_DOMAIN,
    WORKSPACE_DOMAIN,
    domain_of,
    is_content_domain,
)
from api.core.content import (
    MAX_YAML_BYTES,
    check_references,
    line_of,
    parse_article,
    parse_history_log,
    parse_treatments,
    yaml_lines,
)
from api.core.errors import ImportRejected, ValidationFailed
from api.core.history import ArticleHistory, check_history
from api.core.messages import known_contexts
from api.core.model import Article, TreatmentCatalog
from api.core.negotiation import canonical_locale

__all__ = [
    "CATALOG_DOMAIN",
    "TEMPLATE_FILE",
    "ContentReader",
    "ContentSet",
    "catalog_path",
    "read_content",
    "template_path",
    "write_tree",
]

CATALOG_DOMAIN = LEGACY_DOMAIN
"""The file name (`content.po`) of an earlier release's one catalog per locale."""
TEMPLATE_FILE = f"{LEGACY_TEMPLATE}.pot"
"""That release's one template."""


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
    history: tuple[ArticleHistory, ...] = ()
    """Articles whose earlier reviewed versions the repository keeps (`content/history/`):
    an empty database publishes each of them in order before the current file."""


def read_tree_file(path: Path, base: Path, limit: int, file: str) -> bytes:
    """The bytes of `path`, a regular file below the folder `base`, at most `limit` + 1 of
    them; ValidationFailed naming `file` for anything else. FileNotFoundError when there
    is no such file.

    lstat, not stat: a symbolic link is refused, wherever it points, and so is a path
    through a linked folder (its real path is not the path below `base`). The file is
    opened without following a link and without blocking (a FIFO swapped in after the
    check would otherwise wait for a writer), and checked again once open.
    """
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode):
        raise ValidationFailed(
            "a symbolic link: the tree holds regular files only (copy the file in)", file=file
        )
    if not stat.S_ISREG(status.st_mode):
        raise ValidationFailed(
            "not a regular file (a folder, FIFO, device or socket): the tree holds regular "
            "files only",
            file=file,
        )
    if os.path.realpath(path) != os.path.join(os.path.realpath(base), os.path.relpath(path, base)):
        raise ValidationFailed(
            "reached through a symbolic link to a folder: the tree holds regular files only",
            file=file,
        )
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise ValidationFailed(f"cannot be read: {exc.strerror}", file=file) from exc
    with open(descriptor, "rb") as opened:
        if not stat.S_ISREG(os.fstat(opened.fileno()).st_mode):
            raise ValidationFailed(
                "not a regular file: the tree holds regular files only", file=file
            )
        return opened.read(limit + 1)


def catalog_path(locales_dir: Path, locale: str, domain: str) -> Path:
    """Where the catalog of `domain` (an article's slug, `shared`, or `content` for an
    earlier release's whole locale) in `locale` lives (gettext layout, Babel's `_`
    spelling): `<locales>/<locale>/LC_MESSAGES/<domain>.po`."""
    return locales_dir / locale.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"


def template_path(locales_dir: Path, domain: str) -> Path:
    """Where the template of `domain` lives: `<locales>/<domain>.pot`."""
    return locales_dir / f"{domain}.pot"


class ContentReader:
    """The content of record read in two steps, so that at most one parsed catalog is held
    at a time (a 1,000-article catalog is ~45 MB on disk and ~70 MB parsed).

    Constructing it reads and validates the articles, the treatments and the template, and
    finds the catalogs; `content` holds them (with no catalogs). `read_catalogs` then
    parses and validates each catalog in turn and hands it over while nothing invalid has
    been found; once all are read it raises ImportRejected listing every error, of the
    articles and treatments as of the catalogs. The validation is the same as
    `read_content`'s: that function is this reader keeping every catalog.
    """

    def __init__(
        self,
        content_dir: Path,
        locales_dir: Path,
        root: Path | None = None,
        *,
        seen: Callable[[ParsedCatalog], None] | None = None,
    ) -> None:
        """`seen` is called with each valid catalog before it is handed over, while
        nothing invalid has been found (the CLI names stale entries)."""
        self.errors: list[ValidationFailed] = []
        self._seen = seen
        self._base = root or content_dir.parent
        self._locales_dir = locales_dir
        articles, article_files = self._read_articles(content_dir)
        treatments = self._read_treatments(content_dir)
        slugs = [a.slug for a in articles]
        if len(set(slugs)) != len(slugs):
            self.errors.append(
                ValidationFailed("two article files share a slug", file="content/articles")
            )
        treatments_path = content_dir / "treatments.yaml"
        if not self.errors:
            try:
                check_references(articles, treatments)
            except ValidationFailed as exc:
                if exc.path.startswith("$.treatments") and not exc.file:
                    # A record's citation: named by the line of the treatments file.
                    data = read_tree_file(
                        treatments_path, content_dir, MAX_YAML_BYTES, self._shown(treatments_path)
                    )
                    exc = ValidationFailed(
                        exc.detail,
                        file=self._shown(treatments_path),
                        line=line_of(exc.path, yaml_lines(data)),
                        path=exc.path,
                    )
                self.errors.append(exc)
        histories = (
            self._read_histories(content_dir, articles, treatments) if not self.errors else []
        )
        self._contexts = known_contexts(articles, treatments).union(
            *(
                known_contexts(list(h.articles), records)
                for h in histories
                for records in h.treatments
            )
        )
        self._domain_contexts: dict[str, set[str]] = {SHARED_DOMAIN: set()}
        for article in articles:
            self._domain_contexts.setdefault(article.slug, set())
        for context in self._contexts:
            self._domain_contexts.setdefault(domain_of(context), set()).add(context)
        notes = self._find_catalogs(locales_dir)
        self.content = ContentSet(
            articles=tuple(articles),
            treatments=treatments,
            catalogs=(),
            template_header=self._read_template(locales_dir),
            article_files=article_files,
            notes=tuple(notes),
            history=tuple(histories),
        )

    def _read_histories(
        self, content_dir: Path, articles: list[Article], treatments: TreatmentCatalog
    ) -> list[ArticleHistory]:
        """Every `content/history/<slug>/log.yaml` with the versions it lists: each earlier
        one from `<n>/article.yaml` and `<n>/treatments.yaml`, the last the current files.
        Errors are added to `self.errors`."""
        current = {a.slug: a for a in articles}
        out: list[ArticleHistory] = []
        for path in sorted((content_dir / "history").glob("*/log.yaml")):
            file = self._shown(path)
            try:
                log = parse_history_log(
                    read_tree_file(path, content_dir, MAX_YAML_BYTES, file), file
                )
                if log.history != path.parent.name or log.history not in current:
                    raise ValidationFailed(
                        f"the history of {log.history!r} must be in content/history/"
                        f"{log.history}/ beside content/articles/{log.history}.yaml",
                        file=file,
                        path="$.history",
                    )
                kept: list[Article] = []
                records: list[TreatmentCatalog] = []
                for entry in log.versions[:-1]:
                    folder = path.parent / str(entry.number)
                    article_path = folder / "article.yaml"
                    records_path = folder / "treatments.yaml"
                    for needed in (article_path, records_path):
                        if not needed.exists():
                            raise ValidationFailed(
                                f"version {entry.number} is missing: no {self._shown(needed)}",
                                file=file,
                            )
                    for needed, parse in ((article_path, "article"), (records_path, "records")):
                        shown_file = self._shown(needed)
                        data = read_tree_file(needed, content_dir, MAX_YAML_BYTES, shown_file)
                        if parse == "article":
                            kept.append(parse_article(data, shown_file))
                        else:
                            records.append(parse_treatments(data, shown_file))
                    check_references([kept[-1]], records[-1])
                history = ArticleHistory(
                    log=log,
                    articles=(*kept, current[log.history]),
                    treatments=(*records, treatments),
                )
                check_history(history, file)
                out.append(history)
            except ValidationFailed as exc:
                self.errors.append(exc)
        return out

    def _read_articles(self, content_dir: Path) -> tuple[list[Article], dict[str, str]]:
        shown = self._shown
        articles: list[Article] = []
        article_files: dict[str, str] = {}
        for path in sorted((content_dir / "articles").glob("*.yaml")):
            try:
                data = read_tree_file(path, content_dir, MAX_YAML_BYTES, shown(path))
                articles.append(parse_article(data, shown(path)))
                article_files.setdefault(articles[-1].slug, shown(path))
            except ValidationFailed as exc:
                self.errors.append(exc)
        return articles, article_files

    def _read_treatments(self, content_dir: Path) -> TreatmentCatalog:
        path = content_dir / "treatments.yaml"
        try:
            data = read_tree_file(path, content_dir, MAX_YAML_BYTES, self._shown(path))
            return parse_treatments(data, self._shown(path))
        except ValidationFailed as exc:
            self.errors.append(exc)
        except FileNotFoundError:
            self.errors.append(ValidationFailed("missing treatments file", file=self._shown(path)))
        return TreatmentCatalog(treatments=())

    def _find_catalogs(self, locales_dir: Path) -> list[str]:
        """Locate the catalog files (each is parsed when `read_catalogs` reaches it; errors
        are listed in the order of the files, as they are found); the notes to tell.

        Each file is `<locale>/LC_MESSAGES/<domain>.po`: an article's slug, `shared`, or
        (an earlier release's layout) `content` for the whole locale, which no locale may
        hold beside catalogs of the new layout. `workspace.po` is the workspace's own."""
        shown = self._shown
        self._catalogs: list[tuple[Path, str, str | None] | ValidationFailed] = []
        files_of: dict[tuple[str, str | None], str] = {}
        layouts: dict[str, set[bool]] = {}
        notes: list[str] = []
        for path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
            locale_dir = path.parent.parent.name
            name = path.stem
            if name == WORKSPACE_DOMAIN:
                continue
            domain = None if name == LEGACY_DOMAIN else name
            try:
                try:
                    locale = canonical_locale(locale_dir)
                except ValueError as exc:
                    raise ValidationFailed(
                        f"{exc}: not a catalog folder", file=shown(path)
                    ) from exc
                if domain is not None and (
                    not is_content_domain(domain) or domain not in self._domain_contexts
                ):
                    raise ValidationFailed(
                        f"no article has the slug {domain!r}: a catalog is named after its "
                        f"article (`<slug>.po`), or is {SHARED_DOMAIN}.po",
                        file=shown(path),
                    )
                key = (locale, domain)
                if key in files_of:
                    raise ValidationFailed(
                        f"{files_of[key]} is the catalog of {locale!r} already",
                        file=shown(path),
                    )
                layouts.setdefault(locale, set()).add(domain is None)
                if len(layouts[locale]) > 1:
                    raise ValidationFailed(
                        f"{locale!r} has both an earlier release's {LEGACY_DOMAIN}.po and "
                        "catalogs per article: run `vetted catalogs split` (it moves every "
                        f"entry of {LEGACY_DOMAIN}.po into its article's catalog)",
                        file=shown(path),
                    )
                files_of[key] = shown(path)
                if locale.replace("-", "_") != locale_dir:
                    notes.append(
                        f"{shown(path)} is stored as the catalog of {locale!r}: it serves readers "
                        f"of {locale!r} and every locale that falls back to it; `vetted export` "
                        f"writes it to {catalog_path(Path('locales'), locale, name)}"
                    )
                self._catalogs.append((path, locale, domain))
            except ValidationFailed as exc:
                self._catalogs.append(exc)
        return notes

    def _read_template(self, locales_dir: Path) -> CatalogHeader | None:
        """The header of the templates: the shared domain's (or an earlier release's one
        template), which an export writes on every template."""
        self._template_error: ValidationFailed | None = None
        for template_file in (
            template_path(locales_dir, SHARED_DOMAIN),
            locales_dir / TEMPLATE_FILE,
        ):
            if template_file.exists() or template_file.is_symlink():
                break
        else:
            return None
        try:
            limit = catalog_byte_limit(self._contexts)
            shown = self._shown(template_file)
            data = read_tree_file(template_file, locales_dir, limit, shown)
            if len(data) > limit:
                raise ValidationFailed(f"template is larger than {limit} bytes", file=shown)
            return template_header(data, shown)
        except ValidationFailed as exc:
            self._template_error = exc
            return None

    def _shown(self, path: Path) -> str:
        return str(path.relative_to(self._base)) if path.is_relative_to(self._base) else path.name

    @property
    def valid(self) -> bool:
        """Nothing invalid found so far (the catalogs not yet read aside)."""
        found = (f for f in self._catalogs if isinstance(f, ValidationFailed))
        return not self.errors and self._template_error is None and next(found, None) is None

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales of the catalogs found, in the order `read_catalogs` reads them."""
        return tuple(
            dict.fromkeys(found[1] for found in self._catalogs if isinstance(found, tuple))
        )

    def read_catalogs(self, each: Callable[[ParsedCatalog], None]) -> None:
        """Parse and validate every catalog in turn, calling `each` with it while no error
        has been found (the parsed catalog is dropped before the next is read); then raise
        ImportRejected listing every error, if any. Called once per reader."""
        errors = self.errors
        for found in self._catalogs:
            if isinstance(found, ValidationFailed):
                errors.append(found)
                continue
            path, locale, domain = found
            file = self._shown(path)
            contexts = self._contexts if domain is None else self._domain_contexts[domain]
            try:
                limit = catalog_byte_limit(contexts)
                # The bytes inline: parse_catalog frees them once decoded.
                parsed = parse_catalog(
                    read_tree_file(path, self._locales_dir, limit, file),
                    file,
                    locale,
                    contexts,
                    domain,
                )
            except ValidationFailed as exc:
                errors.append(exc)
                continue
            except ImportRejected as exc:
                errors.extend(exc.errors)
                continue
            if not errors and self._template_error is None:
                if self._seen is not None:
                    self._seen(parsed)
                each(parsed)
            del parsed  # not held while the next catalog is parsed
        if self._template_error is not None:
            errors.append(self._template_error)
        if errors:
            raise ImportRejected(errors)


def read_content(content_dir: Path, locales_dir: Path, root: Path | None = None) -> ContentSet:
    """Read and validate all content and catalogs, holding every catalog; raise
    ImportRejected listing every error. (An import of a large tree reads through a
    ContentReader instead, one catalog at a time.)"""
    reader = ContentReader(content_dir, locales_dir, root)
    catalogs: list[ParsedCatalog] = []
    reader.read_catalogs(catalogs.append)
    return msgspec.structs.replace(reader.content, catalogs=tuple(catalogs))


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
