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

import multiprocessing
import os
import stat
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

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
    check_claims,
    check_records,
    check_references,
    line_of,
    parse_article,
    parse_history_log,
    parse_treatments,
    unknown_treatment,
    yaml_lines,
)
from api.core.errors import ImportRejected, ValidationFailed
from api.core.history import ArticleHistory, check_history
from api.core.messages import article_messages, known_contexts
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


OnCatalog = Callable[[ParsedCatalog], None]
OnArticle = Callable[[Article, str], None]
Seen = Callable[[ParsedCatalog, Mapping[str, Article]], None]
"""Called with each valid catalog and the articles its entries may belong to, by slug
(an article's catalog: that article; the shared one: none; an earlier release's whole
locale: every article)."""


class _Found(NamedTuple):
    """A catalog file found: where, for which locale and domain (None: a whole locale)."""

    path: Path
    locale: str
    domain: str | None


class _ArticleTask(NamedTuple):
    """One article file to read and validate, with the catalogs of the domain named like
    the file (its article's, when the file is named after its slug, as exports name it)."""

    path: Path
    file: str
    content_dir: Path
    locales_dir: Path
    catalogs: tuple[tuple[int, Path, str, str], ...]
    """(index among the catalogs found, path, file as messages name it, locale)"""
    earlier: frozenset[str]
    """The message contexts of the article's earlier versions (content/history)."""


class _ArticleRead(msgspec.Struct, frozen=True):
    """What a worker read of one article file: the article (None when invalid) and its
    catalogs (None where one is invalid, or all left to the reader: `[]`)."""

    article: Article | None
    catalogs: list[ParsedCatalog | None]


_Errors = list[tuple[int, ValidationFailed]]
"""Errors with where they belong: an index among the catalogs found, or -1 (the article)."""
_ARTICLE_READ = msgspec.msgpack.Decoder(_ArticleRead)
_MIN_ARTICLES_PER_WORKER = 8
"""Fewer articles than this per worker are read in the reader's own process."""
_AHEAD_PER_WORKER = 4
"""Articles read ahead per worker: enough to keep them busy, few enough to hold little."""


def _own_contexts(article: Article) -> set[str]:
    """The message contexts of an article's own catalog."""
    slug = article.slug
    return {m.context for m in article_messages(article) if domain_of(m.context) == slug}


def _read_catalog(
    found: tuple[int, Path, str, str],
    locales_dir: Path,
    contexts: Collection[str],
    domain: str | None,
    errors: _Errors,
) -> ParsedCatalog | None:
    """One catalog file parsed and validated, or None with its errors added to `errors`."""
    index, path, file, locale = found
    try:
        limit = catalog_byte_limit(contexts)
        # The bytes inline: parse_catalog frees them once decoded.
        return parse_catalog(
            read_tree_file(path, locales_dir, limit, file), file, locale, contexts, domain
        )
    except ValidationFailed as exc:
        errors.append((index, exc))
    except ImportRejected as exc:
        errors.extend((index, error) for error in exc.errors)
    return None


def _read_article(task: _ArticleTask) -> tuple[_ArticleRead, _Errors]:
    """Read, parse and validate one article file and the catalogs of its domain (pure: a
    worker process runs it as well as the reader's own)."""
    try:
        data = read_tree_file(task.path, task.content_dir, MAX_YAML_BYTES, task.file)
        article = parse_article(data, task.file)
    except ValidationFailed as exc:
        return _ArticleRead(None, []), [(-1, exc)]
    if article.slug != task.path.stem:
        return _ArticleRead(article, []), []  # its catalogs are another domain's
    contexts = _own_contexts(article) | task.earlier
    errors: _Errors = []
    catalogs = [
        _read_catalog(found, task.locales_dir, contexts, article.slug, errors)
        for found in task.catalogs
    ]
    return _ArticleRead(article, catalogs), errors


def _read_article_encoded(task: _ArticleTask) -> tuple[bytes, _Errors]:
    """`_read_article` in a worker: the values as MessagePack, which the reader decodes
    several times quicker than it would unpickle them."""
    read, errors = _read_article(task)
    return msgspec.msgpack.encode(read), errors


class ContentReader:
    """The content of record read as a stream, so that what an import holds does not grow
    with the number of articles: one article and its catalogs at a time (an article is
    ~80 KB parsed, its three catalogs ~300 KB; 10,000 articles held were 1 GB).

    Constructing it reads and validates the treatments, the articles' earlier versions
    (content/history, with the current files they end in) and the template, and finds the
    article files and the catalogs. `read` then hands over the shared catalogs, then each
    article with its catalogs (`locales/<locale>/LC_MESSAGES/<slug>.po`), while nothing
    invalid has been found; once all are read it raises ImportRejected listing every
    error, in the order and with the words of reading every article first and then every
    catalog. Articles are parsed in worker processes (one per CPU) when there are many.

    An earlier release's catalog of a whole locale (`content.po`) needs every article's
    message contexts: with one, the articles are all held, as `read(..., held=True)` does.
    """

    def __init__(
        self,
        content_dir: Path,
        locales_dir: Path,
        root: Path | None = None,
        *,
        seen: Seen | None = None,
        workers: int | None = None,
    ) -> None:
        """`seen` is called with each valid catalog before it is handed over, while
        nothing invalid has been found (the CLI names stale entries). `workers`: how many
        processes parse articles (default: one per CPU, none for a few articles)."""
        self._seen = seen
        self._base = root or content_dir.parent
        self._content_dir = content_dir
        self._locales_dir = locales_dir
        self._workers = workers
        self._article_errors: list[ValidationFailed] = []
        self._treatments_errors: list[ValidationFailed] = []
        self._twice = False
        self._references_error: ValidationFailed | None = None
        self._history_errors: list[ValidationFailed] = []
        self._catalog_errors: dict[int, list[ValidationFailed]] = {}
        self._template_error: ValidationFailed | None = None
        self._read_done = False
        self.article_count = 0
        """Articles read and valid so far."""
        self.article_files: dict[str, str] = {}
        """slug -> the file it was read from, as messages name it."""
        self.template_header: CatalogHeader | None = None
        """The templates' header (known once `read` is done)."""
        self._article_paths = sorted((content_dir / "articles").glob("*.yaml"))
        self._stems = {path.stem for path in self._article_paths}
        self.treatments = self._read_treatments(content_dir)
        self._shared_contexts: set[str] = set(known_contexts([], self.treatments))
        self.history = tuple(self._read_histories(content_dir))
        self._earlier: dict[str, frozenset[str]] = {}
        for history in self.history:
            slug = history.log.history
            contexts = set[str]().union(
                *(
                    known_contexts([a], r)
                    for a, r in zip(history.articles, history.treatments, strict=True)
                )
            )
            self._shared_contexts |= {c for c in contexts if domain_of(c) == SHARED_DOMAIN}
            self._earlier[slug] = frozenset(c for c in contexts if domain_of(c) == slug)
        self._shared_contexts = {c for c in self._shared_contexts if domain_of(c) == SHARED_DOMAIN}
        self.notes = tuple(self._find_catalogs(locales_dir))

    @property
    def content(self) -> ContentSet:
        """What was read besides the articles and catalogs (which `read` hands over)."""
        return ContentSet(
            articles=(),
            treatments=self.treatments,
            catalogs=(),
            template_header=self.template_header,
            article_files=self.article_files,
            notes=self.notes,
            history=self.history,
        )

    @property
    def errors(self) -> list[ValidationFailed]:
        """Every error found so far, in the order ImportRejected lists them."""
        errors = [*self._article_errors, *self._treatments_errors]
        if self._twice:
            errors.append(
                ValidationFailed("two article files share a slug", file="content/articles")
            )
        if not errors and self._references_error is not None:
            errors.append(self._references_error)
        if not errors:
            errors += self._history_errors
        for index in sorted(self._catalog_errors):
            errors += self._catalog_errors[index]
        if self._template_error is not None:
            errors.append(self._template_error)
        return errors

    @property
    def valid(self) -> bool:
        """Nothing invalid found so far (what `read` reads aside)."""
        return not self.errors

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales of the catalogs found, in folder order."""
        return tuple(dict.fromkeys(found.locale for found in self._found.values()))

    def _read_histories(self, content_dir: Path) -> list[ArticleHistory]:
        """Every `content/history/<slug>/log.yaml` with the versions it lists: each earlier
        one from `<n>/article.yaml` and `<n>/treatments.yaml`, the last the current files
        (`content/articles/<slug>.yaml`: an invalid one is the articles' error, and no
        history is then listed). Errors are kept apart: they are listed when the articles
        are sound."""
        treatments = self.treatments
        out: list[ArticleHistory] = []
        for path in sorted((content_dir / "history").glob("*/log.yaml")):
            file = self._shown(path)
            try:
                log = parse_history_log(
                    read_tree_file(path, content_dir, MAX_YAML_BYTES, file), file
                )
                current_path = content_dir / "articles" / f"{log.history}.yaml"
                current: Article | None = None
                if log.history == path.parent.name and current_path in self._article_paths:
                    shown = self._shown(current_path)
                    try:
                        data = read_tree_file(current_path, content_dir, MAX_YAML_BYTES, shown)
                        current = parse_article(data, shown)
                    except ValidationFailed:
                        continue  # the articles' error, read again with the others
                if current is None or current.slug != log.history:
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
                    articles=(*kept, current),
                    treatments=(*records, treatments),
                )
                check_history(history, file)
                out.append(history)
            except ValidationFailed as exc:
                self._history_errors.append(exc)
        return out

    def _read_treatments(self, content_dir: Path) -> TreatmentCatalog:
        path = content_dir / "treatments.yaml"
        try:
            data = read_tree_file(path, content_dir, MAX_YAML_BYTES, self._shown(path))
            return parse_treatments(data, self._shown(path))
        except ValidationFailed as exc:
            self._treatments_errors.append(exc)
        except FileNotFoundError:
            self._treatments_errors.append(
                ValidationFailed("missing treatments file", file=self._shown(path))
            )
        return TreatmentCatalog(treatments=())

    def _find_catalogs(self, locales_dir: Path) -> list[str]:
        """Locate the catalog files (each is parsed when `read` reaches it; errors are
        listed in the order of the files); the notes to tell.

        Each file is `<locale>/LC_MESSAGES/<domain>.po`: an article's slug (its file is
        `content/articles/<slug>.yaml`), `shared`, or (an earlier release's layout)
        `content` for the whole locale, which no locale may hold beside catalogs of the
        new layout. `workspace.po` is the workspace's own."""
        shown = self._shown
        self._found: dict[int, _Found] = {}
        self._by_domain: dict[str | None, list[int]] = {}
        files_of: dict[tuple[str, str | None], str] = {}
        layouts: dict[str, set[bool]] = {}
        notes: list[str] = []
        paths = (p for p in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")))
        for index, path in enumerate(paths):
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
                    not is_content_domain(domain)
                    or (domain != SHARED_DOMAIN and domain not in self._stems)
                ):
                    raise self._unknown_domain(path, domain)
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
                self._found[index] = _Found(path, locale, domain)
                self._by_domain.setdefault(domain, []).append(index)
            except ValidationFailed as exc:
                self._catalog_errors[index] = [exc]
        return notes

    def _unknown_domain(self, path: Path, domain: str) -> ValidationFailed:
        return ValidationFailed(
            f"no article has the slug {domain!r}: a catalog is named after its "
            f"article (`<slug>.po`), or is {SHARED_DOMAIN}.po",
            file=self._shown(path),
        )

    def _read_template(self, contexts: int) -> CatalogHeader | None:
        """The header of the templates: the shared domain's (or an earlier release's one
        template), which an export writes on every template. `contexts`: how many message
        contexts the content has (the template's size limit)."""
        locales_dir = self._locales_dir
        for template_file in (
            template_path(locales_dir, SHARED_DOMAIN),
            locales_dir / TEMPLATE_FILE,
        ):
            if template_file.exists() or template_file.is_symlink():
                break
        else:
            return None
        try:
            limit = catalog_byte_limit(range(contexts))
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

    def _catalog_task(self, index: int) -> tuple[int, Path, str, str]:
        found = self._found[index]
        return index, found.path, self._shown(found.path), found.locale

    def _add_catalog_errors(self, errors: _Errors) -> None:
        for index, error in errors:
            self._catalog_errors.setdefault(index, []).append(error)

    def _hand_over(
        self, catalogs: list[ParsedCatalog], articles: Mapping[str, Article], each: OnCatalog
    ) -> None:
        for catalog in catalogs:
            if self._seen is not None:
                self._seen(catalog, articles)
            each(catalog)

    def read(self, on_catalog: OnCatalog, on_article: OnArticle, *, held: bool = False) -> None:
        """Parse and validate every article and catalog, handing each over while no error
        has been found; then raise ImportRejected listing every error, if any. Called once
        per reader.

        Streamed (the default): the shared catalogs, then each article after its catalogs,
        one article at a time. `held`: every article first, then every catalog in folder
        order (all articles are held meanwhile)."""
        if self._read_done:
            raise RuntimeError("a ContentReader is read once")
        self._read_done = True
        held = held or None in self._by_domain
        articles: dict[str, Article] = {}  # (held only)
        named = {t.article for t in self.treatments.treatments}
        cited: dict[str, Article] = {}  # the articles the records name, for their checks
        known_treatments = frozenset(t.id for t in self.treatments.treatments)
        claimed: set[str] = set()
        contexts = len(self._shared_contexts)
        if not held:
            self._read_shared(on_catalog)
        for task, read, errors in self._read_articles(held):
            article = read.article
            if article is None:
                self._article_errors.extend(error for _, error in errors)
                continue
            slug = article.slug
            if slug in self.article_files:
                self._twice = True
            self.article_files.setdefault(slug, task.file)
            self.article_count += 1
            if slug in named:
                cited[slug] = article
            if self._references_error is None:
                self._references_error = unknown_treatment(article, known_treatments)
            own = _own_contexts(article) | self._earlier.get(slug, frozenset())
            contexts += len(own)
            claimed.add(slug)
            if held:
                articles[slug] = article
                continue
            catalogs = read.catalogs
            if slug != task.path.stem:
                # Not named after its slug: its catalogs are read here.
                catalogs = [
                    _read_catalog(self._catalog_task(i), self._locales_dir, own, slug, errors)
                    for i in self._by_domain.get(slug, [])
                ]
            self._add_catalog_errors(errors)
            if self.valid:
                self._hand_over([c for c in catalogs if c is not None], {slug: article}, on_catalog)
                on_article(article, task.file)
            del read, catalogs, article
        if held:
            self._read_held_catalogs(articles, on_catalog, on_article)
            contexts = len(self._all_contexts(articles))
            del articles
        self._unclaimed(claimed)
        self.template_header = self._read_template(contexts)
        self._check_references(cited)
        if self.errors:
            raise ImportRejected(self.errors)

    def _read_shared(self, on_catalog: OnCatalog) -> None:
        """Read the shared catalogs, and hand them over while nothing is invalid."""
        errors: _Errors = []
        parsed = [
            _read_catalog(
                self._catalog_task(index),
                self._locales_dir,
                self._shared_contexts,
                SHARED_DOMAIN,
                errors,
            )
            for index in self._by_domain.get(SHARED_DOMAIN, [])
        ]
        self._add_catalog_errors(errors)
        if self.valid:
            self._hand_over([c for c in parsed if c is not None], {}, on_catalog)

    def _unclaimed(self, claimed: Collection[str]) -> None:
        """Refuse the catalogs of a domain no valid article took."""
        for domain, indexes in self._by_domain.items():
            if domain not in claimed and domain not in (None, SHARED_DOMAIN):
                for index in indexes:
                    self._catalog_errors[index] = [
                        self._unknown_domain(self._found[index].path, domain)
                    ]

    def _all_contexts(self, articles: Mapping[str, Article]) -> set[str]:
        """Every message context of the content (an earlier release's whole catalog)."""
        out = set(self._shared_contexts)
        for slug, article in articles.items():
            out |= _own_contexts(article) | self._earlier.get(slug, frozenset())
        return out

    def _read_held_catalogs(
        self, articles: Mapping[str, Article], on_catalog: OnCatalog, on_article: OnArticle
    ) -> None:
        """Hand over every (held) article, then read every catalog in folder order."""
        if self.valid:
            for slug, article in articles.items():
                on_article(article, self.article_files[slug])
        everything = self._all_contexts(articles) if None in self._by_domain else set[str]()
        for index in sorted(self._found):
            found = self._found[index]
            domain = found.domain
            if domain is None:
                contexts: Collection[str] = everything
            elif domain == SHARED_DOMAIN:
                contexts = self._shared_contexts
            elif domain in articles:
                contexts = _own_contexts(articles[domain]) | self._earlier.get(domain, frozenset())
            else:
                continue  # no article has the slug: said once all are read
            errors: _Errors = []
            parsed = _read_catalog(
                self._catalog_task(index), self._locales_dir, contexts, domain, errors
            )
            self._add_catalog_errors(errors)
            if parsed is not None and self.valid:
                self._hand_over([parsed], articles, on_catalog)
            del parsed

    def _read_articles(self, held: bool) -> Iterator[tuple[_ArticleTask, _ArticleRead, _Errors]]:
        """Each article file read (with its catalogs unless `held`), in file order: in
        worker processes, a few files ahead, when there are many."""
        tasks = (
            _ArticleTask(
                path=path,
                file=self._shown(path),
                content_dir=self._content_dir,
                locales_dir=self._locales_dir,
                catalogs=()
                if held
                else tuple(self._catalog_task(i) for i in self._by_domain.get(path.stem, [])),
                earlier=self._earlier.get(path.stem, frozenset()),
            )
            for path in self._article_paths
        )
        workers = self._workers
        if workers is None:
            workers = min(os.cpu_count() or 1, len(self._article_paths) // _MIN_ARTICLES_PER_WORKER)
        if workers < 1:
            for task in tasks:
                yield (task, *_read_article(task))
            return
        # Spawned, not forked, as the render's workers are (api.store.render_work): the
        # caller may hold threads (a test runner's, a server's), and a forked child can
        # inherit one of their locks held; a spawned worker costs a fraction of a second.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            ahead: deque[tuple[_ArticleTask, Future[tuple[bytes, _Errors]]]] = deque()
            for task in tasks:
                ahead.append((task, pool.submit(_read_article_encoded, task)))
                if len(ahead) >= workers * _AHEAD_PER_WORKER:
                    yield self._done(*ahead.popleft())
            while ahead:
                yield self._done(*ahead.popleft())

    @staticmethod
    def _done(
        task: _ArticleTask, future: Future[tuple[bytes, _Errors]]
    ) -> tuple[_ArticleTask, _ArticleRead, _Errors]:
        data, errors = future.result()
        return task, _ARTICLE_READ.decode(data), errors

    def _check_references(self, cited: Mapping[str, Article]) -> None:
        """The cross-file checks (`check_references`) once every article is read, when the
        articles and the treatments are sound: the records against the articles they
        name, then the first article naming an unknown treatment, then the claims."""
        if self._article_errors or self._treatments_errors or self._twice:
            return
        treatments_path = self._content_dir / "treatments.yaml"
        try:
            check_records(cited.values(), self.treatments)
            if self._references_error is not None:
                raise self._references_error
            check_claims(cited.values(), self.treatments)
        except ValidationFailed as exc:
            if exc.path.startswith("$.treatments") and not exc.file:
                # A record's citation: named by the line of the treatments file.
                shown = self._shown(treatments_path)
                data = read_tree_file(treatments_path, self._content_dir, MAX_YAML_BYTES, shown)
                exc = ValidationFailed(
                    exc.detail, file=shown, line=line_of(exc.path, yaml_lines(data)), path=exc.path
                )
            self._references_error = exc
            return
        self._references_error = None


def read_content(content_dir: Path, locales_dir: Path, root: Path | None = None) -> ContentSet:
    """Read and validate all content and catalogs, holding every article and catalog; raise
    ImportRejected listing every error. (An import of a large tree reads through a
    ContentReader instead, one article and its catalogs at a time.)"""
    reader = ContentReader(content_dir, locales_dir, root)
    catalogs: list[ParsedCatalog] = []
    articles: list[Article] = []
    reader.read(catalogs.append, lambda article, _: articles.append(article), held=True)
    return msgspec.structs.replace(
        reader.content, articles=tuple(articles), catalogs=tuple(catalogs)
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
