"""The `vetted` command: check, import, export, token, openapi, serve, backup, restore.

It parses arguments and calls the library; every library error becomes a message on
stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from api.config import SETTINGS, Settings, encode_settings, load_settings, parse_bool
from api.core.catalog import ParsedCatalog
from api.core.catalog_changes import stale_entries
from api.core.catalog_domains import LEGACY_DOMAIN, LEGACY_TEMPLATE, SHARED_DOMAIN, domain_of
from api.core.errors import (
    AuthorRequired,
    ImportRefused,
    ImportRejected,
    InvalidParameter,
    InvalidSetting,
    VettedError,
)
from api.core.messages import Message, article_messages, current_messages
from api.core.model import Article
from api.sources import ContentReader, catalog_path

__all__ = ["main"]

DEFAULT_DB = "vetted.db"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content", type=Path, default=Path("content"), help="content folder (default: content)"
    )
    parser.add_argument(
        "--locales", type=Path, default=Path("locales"), help="catalog folder (default: locales)"
    )


def _db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("VETTED_DB", DEFAULT_DB)),
        help="SQLite database file (default: $VETTED_DB or vetted.db)",
    )


def _reader(content_dir: Path, locales: Path) -> ContentReader:
    """The files, read and validated (one article and its catalogs at a time, as the
    reader is read), naming every catalog entry that translates a source text readers no
    longer get: it is never served (its block falls back), which a translator should
    hear about."""
    read: list[ContentReader] = []
    # The messages of the last article seen: its catalogs come one after another.
    last: dict[str, list[Message]] = {}

    def warn(catalog: ParsedCatalog, articles: Mapping[str, Article]) -> None:
        # Only the messages of the domains the catalog's entries belong to (an article's
        # catalog is checked against that article): the check looks up each entry's own
        # msgctxt, and every message of another domain has another msgctxt.
        reader = read[0]
        domains = {domain_of(entry.context) for entry in catalog.entries}
        own = [articles[domain] for domain in sorted(domains) if domain in articles]
        shared = SHARED_DOMAIN in domains
        if shared:
            # The treatment records and the fact phrases are the shared catalog's alone.
            current = current_messages(own, reader.treatments)
        else:
            key = "\n".join(sorted(domains))
            if key not in last:
                last.clear()
                last[key] = _own_messages(own) + _earlier_messages(reader, domains)
            current = last[key]
        if shared:
            current += _earlier_messages(reader, domains)
        file = catalog_path(locales, catalog.locale, catalog.domain or LEGACY_DOMAIN).as_posix()
        for stale in stale_entries(catalog.entries, current, file):
            _say(f"warning: {stale.message}")

    reader = ContentReader(content_dir, locales, seen=warn)
    read.append(reader)
    return reader


def _earlier_messages(reader: ContentReader, domains: set[str]) -> list[Message]:
    """The words of earlier published versions (content/history) of these domains: they
    are served still, so their translations are not stale."""
    shared = SHARED_DOMAIN in domains
    current: list[Message] = []
    for history in reader.history:
        slug = history.log.history
        if slug not in domains and not shared:
            continue
        for article, records in zip(history.articles, history.treatments, strict=True):
            if shared:
                current += current_messages([article] if slug in domains else [], records)
            else:
                current += article_messages(article)
    return current


def _own_messages(articles: list[Article]) -> list[Message]:
    """The messages of these articles alone (their catalogs hold no shared message)."""
    return [message for article in articles for message in article_messages(article)]


def _tune_for_bulk_work() -> None:
    """Once the articles are read. They stay until rendering: the collector need not walk
    them at every full collection, nor run one every 700 new objects (10,000 here) while
    Babel's parser makes millions that die young (the catalogs of 1,000 articles parse in
    15 s instead of 23 s; 50,000 saved a little more and held 20 MB more). And the threads
    that compress rendered documents need the GIL for a moment between documents: at the
    default 5 ms switch interval they wait on rendering most of the time, and a
    1,000-article import takes a third longer."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    sys.setswitchinterval(0.0001)
    _large_blocks_from_the_os()


def _large_blocks_from_the_os() -> None:
    """Blocks of 1 MiB and more come from the OS and go back to it when freed. glibc
    raises that threshold to the largest block freed so far (up to 32 MiB): after the
    first 30 MB offline bundle, the next ones' buffers came from the heap, which kept
    them, and the import's peak grew by 35 MB. Not glibc: nothing to do."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 1 << 20)


_M_MMAP_THRESHOLD = -3
"""glibc's `mallopt` parameter for the size served by mmap (malloc.h)."""


def cmd_check(args: argparse.Namespace) -> int:
    """Validate content and catalogs without storing anything."""
    reader = _reader(args.content, args.locales)
    _tune_for_bulk_work()
    reader.read(lambda _: None, lambda _, __: None)
    content = reader.content
    for note in content.notes:
        _say(f"note: {note}")
    _say(
        f"ok: {reader.article_count} article(s), {len(content.treatments.treatments)} "
        f"treatments, catalogs: {', '.join(reader.locales) or 'none'}"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import content/ and locales/ (one transaction): an empty database is seeded and
    published; on one with published content, changes become drafts and pending catalogs
    for review by --author, and an old checkout stores nothing."""
    from api.core.errors import NotFound
    from api.store.accounts import principal_named
    from api.store.importer import import_content
    from api.store.schema import open_database, remove_database

    # The treatments, histories and catalog names are read (and validated) before the
    # database is opened or created; the import reads and stores one article and its
    # catalogs at a time. The list hands
    # over the only reference, so the parsed files are freed before rendering starts (see
    # import_content).
    reader = [_reader(args.content, args.locales)]
    _tune_for_bulk_work()
    if not reader[0].valid:
        # every error, before the database is opened
        reader[0].read(lambda _: None, lambda _, __: None)
    for note in reader[0].notes:
        _say(f"note: {note}")
    created = not args.db.exists()
    db = open_database(args.db)
    author = None
    if args.author is not None:
        try:
            author = principal_named(db, args.author)
        except NotFound as exc:
            raise AuthorRequired(
                "--author", f"{exc}; create it with `vetted token create --name {args.author}`"
            ) from exc
    try:
        report = import_content(db, reader.pop(), progress=_say, author=author)
    except ImportRejected:
        if created:  # an invalid catalog: a database this import made stays unmade
            remove_database(db, args.db)
        raise
    listed = [f"{slug} v{n}" for slug, n in report.new_versions.items()]
    new = ", ".join(listed[:5]) + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")
    new = new or "none"
    review = [f"draft {n} ({slug})" for slug, n in report.drafts.items()]
    review += [f"catalog {locale}" for locale in report.pending]
    for line in report.awaiting:
        _say(f"awaiting review: {line}")
    _say(
        f"imported into {args.db}: new versions: {new}; unchanged: "
        f"{len(report.unchanged)}; documents written: {report.documents_written}"
        + (f"; submitted for review by {args.author}: {', '.join(review)}" if review else "")
    )
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    """Write the OpenAPI contract exactly as the app serves it."""
    from api.web.contract import served_openapi_yaml

    text = served_openapi_yaml()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        _say(f"wrote {args.output}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the database with granian (seeding it from content/ first if it is empty)."""
    import logging

    import msgspec

    from api.config import SETTINGS_ENV
    from api.logs import configure_logging
    from api.store.catch_up import run_due_schedules
    from api.store.importer import import_content
    from api.store.reviews import sweep_review_status
    from api.store.schema import open_database
    from api.store.versions import holds_content
    from api.web.webhook_sender import SenderProcess

    # Parsed and validated once; the workers receive the result, not the raw inputs.
    settings = load_settings({s.field: getattr(args, s.field) for s in SETTINGS}, os.environ)
    # Workers may not share our working directory's meaning: give them an absolute path.
    settings = msgspec.structs.replace(settings, db=str(Path(settings.db).resolve()))
    level = "debug" if settings.debug else settings.log_level
    configure_logging(level)
    log = logging.getLogger("vetted.serve")
    db = open_database(settings.db)
    if not holds_content(db):
        log.info(f"seeding {settings.db} from {args.content} and {args.locales}")
        import_content(db, ContentReader(args.content, args.locales), progress=log.info)
    # Scheduled changes and review statuses that fell due while the server was down reach
    # readers before it serves.
    for schedule in run_due_schedules(db):
        log.info(f"schedule {schedule.id} ({schedule.kind} {schedule.target}) carried out")
    moved = sweep_review_status(db)
    if moved:
        log.info(f"review status changed for {len(moved)} article(s): {', '.join(moved)}")
    db.conn.close()
    exporter = _start_exporter(settings)
    os.environ[SETTINGS_ENV] = encode_settings(settings)
    log.info(
        f"serving {settings.db} on http://{settings.host}:{settings.port} "
        f"with {settings.workers} worker(s)"
    )
    # One webhook sender per server, beside the workers (see api.web.webhook_sender).
    sender = SenderProcess(settings)
    sender.start()
    try:
        _granian(settings, level)
    finally:
        sender.stop()
        if exporter is not None:
            exporter.stop()
    return 0


def _granian(settings: Settings, level: str) -> None:
    """Serve with granian's workers until it is told to stop.

    The workers are spawned, not forked: this process runs threads beside granian (the
    static exporter, the webhook sender's watcher), and a fork copies any lock one of them
    holds at that moment (logging's, a connection pool's) into the worker, held forever.
    A worker forked while the exporter was uploading never started (seen on a loaded
    machine); a spawned worker imports the app afresh and shares nothing but the socket."""
    import multiprocessing

    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    from api.logs import granian_log_config

    multiprocessing.set_start_method("spawn", force=True)
    Granian(
        "api.web.app:create_app_from_env",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        log_level=LogLevels(level),
        log_dictconfig=granian_log_config(level),
        # The app writes its own access log, with request ids; granian's would repeat it.
        log_access=False,
        workers_kill_timeout=settings.shutdown_timeout,
    ).serve()


def _targets(export_dir: str | None, bucket: str | None) -> list[Any]:
    from api.static_export import Bucket, Directory

    targets: list[Any] = []
    if export_dir:
        targets.append(Directory(export_dir))
    if bucket:
        targets.append(Bucket(bucket))
    return targets


def _start_exporter(settings: Any) -> Any:
    """Static delivery: a thread exporting after every commit (see api/static_export)."""
    targets = _targets(settings.export_dir, settings.export_bucket)
    if not targets:
        return None
    from api.static_export import Exporter

    return Exporter(settings.db, targets, grace_seconds=settings.export_grace).start()


def cmd_export_static(args: argparse.Namespace) -> int:
    """Export the rendered documents once, as a new generation, to a folder and/or an
    S3-compatible bucket (what `vetted serve --export-dir/--export-bucket` does after
    every commit)."""
    from api.static_export import export_generation
    from api.store.schema import open_database

    targets = _targets(args.export_dir, args.export_bucket)
    if not targets:
        _say("vetted: error: give --export-dir, --export-bucket or both")
        return 2
    report = export_generation(open_database(args.db), targets, grace_seconds=args.grace)
    state = "exported" if report.changed else "unchanged"
    _say(f"{state}: generation {report.generation}, {report.documents} document(s)")
    return 0


def cmd_pull_static(args: argparse.Namespace) -> int:
    """A reader node's sync: bring a local export folder to the generation a bucket (or
    another folder) serves, then run --then (e.g. `nginx -s reload`); with --interval,
    keep doing so."""
    import shlex
    import subprocess
    import time

    from api.static_export import Directory, destination, pull_generation

    source, local = destination(args.source), Directory(args.to)
    while True:
        if pull_generation(source, local, grace_seconds=args.grace):
            _say(f"pulled generation {(local.root / 'current').resolve().name}")
            if args.then:
                subprocess.run(shlex.split(args.then), check=False)
        if not args.interval:
            return 0
        time.sleep(args.interval)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the database's current content and catalogs back to files."""
    from api.sources import write_tree
    from api.store.exporting import export_tree, record_export
    from api.store.schema import open_database

    db = open_database(args.db)
    export = export_tree(db)
    changed = write_tree(args.root, export.files)
    record_export(db, export)
    for path in changed:
        _say(f"wrote {path}")
    # An earlier release's one catalog per locale: its entries are in the files just
    # written, one per article (read together, the two would be refused).
    for legacy in _legacy_catalogs(args.root / "locales"):
        legacy.unlink()
        _say(f"removed {legacy} (its entries are in the catalogs per article)")
    _say(f"exported {len(export.files)} file(s) to {args.root}, {len(changed)} changed")
    return 0


def _legacy_catalogs(locales: Path) -> list[Path]:
    found = sorted(locales.glob(f"*/LC_MESSAGES/{LEGACY_DOMAIN}.po"))
    template = locales / f"{LEGACY_TEMPLATE}.pot"
    return [*found, template] if template.is_file() else found


def cmd_catalogs_tmx(args: argparse.Namespace) -> int:
    """Write the approved translation memory of a locale as TMX 1.4 (for a CAT tool)."""
    from api.core.errors import InvalidLocale
    from api.core.negotiation import canonical_locale
    from api.store.exporting import export_tmx
    from api.store.schema import open_database

    try:
        locale = canonical_locale(args.locale)
    except ValueError as exc:
        raise InvalidLocale("locale", args.locale, ["a locale CLDR knows, e.g. es"]) from exc
    data = export_tmx(open_database(args.db), locale)
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
        _say(f"wrote {args.output}")
    return 0


def cmd_catalogs_split(args: argparse.Namespace) -> int:
    """Move every entry of an earlier release's catalogs (`<locale>/LC_MESSAGES/content.po`
    and `messages.pot`) into the catalog of its article (`<slug>.po`, `<slug>.pot`) or the
    shared one, entry by entry and unchanged; then remove the old files. Nothing in the
    database changes: sign-offs and approvals stay as they are."""
    from api.core.catalog_split import split_catalog
    from api.sources import template_path, write_tree

    locales: Path = args.locales
    legacy = _legacy_catalogs(locales)
    if not legacy:
        _say(f"nothing to split: {locales} holds no {LEGACY_DOMAIN}.po nor {LEGACY_TEMPLATE}.pot")
        return 0
    files: dict[str, bytes] = {}
    for path in legacy:
        shown = path.relative_to(locales).as_posix()
        parts = split_catalog(path.read_text(encoding="utf-8"), shown)
        for domain, text in parts.items():
            if path.suffix == ".pot":
                target = template_path(Path(), domain)
            else:
                target = path.with_name(f"{domain}.po").relative_to(locales)
            if (locales / target).exists():
                raise InvalidParameter(
                    "--locales", f"{locales / target} exists already: nothing was split"
                )
            files[target.as_posix()] = text.encode("utf-8")
    write_tree(locales, files)
    for path in legacy:
        path.unlink()
    _say(
        f"split {len(legacy)} file(s) into {len(files)} catalog(s) and template(s) under "
        f"{locales}; run `vetted check` to check them"
    )
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Create an API token (for a new person, or with --person another token of an
    existing one); the secret is printed once and never stored."""
    from api.actions.tokens import create_token
    from api.store.accounts import OPERATOR
    from api.store.schema import open_database, transaction

    db = open_database(args.db)
    with transaction(db):
        info, secret = create_token(
            db,
            OPERATOR,
            name=args.name,
            role=args.role,
            locales=(args.locales or "").split(","),
            person=args.person,
        )
    scope = f" for {', '.join(info.locales)}" if info.locales else ""
    whose = "new person" if info.person == info.name else f"person {info.person!r}"
    _say(f"created {info.role} token {info.name!r}{scope} of {whose}; it is shown only this once:")
    print(secret)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    """List tokens (names, roles, scopes; never secrets)."""
    from api.store.accounts import list_tokens
    from api.store.schema import open_database

    for info in list_tokens(open_database(args.db)):
        state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
        print(
            f"{info.name}\t{info.role}\t{','.join(info.locales) or '-'}\t{state}\t"
            f"person {info.person}, created by {info.created_by}"
        )
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke a token by name."""
    from api.actions.tokens import revoke_token
    from api.store.accounts import OPERATOR
    from api.store.schema import open_database

    revoke_token(open_database(args.db), OPERATOR, args.name)
    _say(f"revoked {args.name!r}")
    return 0


def cmd_review_status(args: argparse.Namespace) -> int:
    """List every published article's review state, most urgent first."""
    from api.store.reviews import review_overview
    from api.store.schema import open_database

    for entry in review_overview(open_database(args.db), on=args.on):
        review = entry.review
        print(
            f"{entry.slug}\tv{entry.version}\t{review.review_status}\t"
            f"due {review.next_review_due}\treviewed {review.last_reviewed} "
            f"by {review.reviewed_by.name}"
        )
    return 0


def cmd_review_sweep(args: argparse.Namespace) -> int:
    """Carry out the scheduled publications and withdrawals that are due, then re-render
    the articles whose review status changed (due soon, overdue) since their documents were
    rendered; `vetted serve` runs this at start, and keeps doing it while it serves."""
    from api.store.catch_up import run_due_schedules
    from api.store.reviews import sweep_review_status
    from api.store.schema import open_database

    db = open_database(args.db)
    done = run_due_schedules(db)
    _say(
        f"carried out {len(done)} scheduled change(s)"
        + (": " + ", ".join(f"{s.kind} {s.target}" for s in done) if done else "")
    )
    moved = sweep_review_status(db, on=args.on)
    _say(
        f"review status changed for {len(moved)} article(s)"
        + (": " + ", ".join(moved) if moved else "")
    )
    return 0


def cmd_review_confirm(args: argparse.Namespace) -> int:
    """Record that --reviewer reviewed the published version of SLUG and found it still
    accurate (no new version); the review rule applies."""
    from api.actions.drafts import confirm_review
    from api.core.errors import NotFound
    from api.core.workflow import article_etag
    from api.store.accounts import principal_named
    from api.store.schema import open_database
    from api.store.versions import latest_version, treatments_number

    db = open_database(args.db)
    try:
        reviewer = principal_named(db, args.reviewer)
    except NotFound as exc:
        raise AuthorRequired("--reviewer", str(exc)) from exc
    head = latest_version(db, args.slug)
    if head is None:
        raise NotFound(f"no published article {args.slug!r}")
    etag = article_etag(args.slug, head.number, treatments_number(db))
    review = confirm_review(db, reviewer, args.slug, etag, args.note)
    _say(
        f"{args.slug} v{head.number} reviewed by {reviewer.name}: next review due "
        f"{review.next_review_due}"
    )
    return 0


def cmd_review_credentials(args: argparse.Namespace) -> int:
    """Record the professional credentials readers see beside a reviewer's name."""
    from api.store.reviews import set_credentials
    from api.store.schema import open_database

    set_credentials(open_database(args.db), args.person, args.credentials)
    _say(f"{args.person}: credentials recorded")
    return 0


class _Percent:
    """Progress of a page copy as a line per tenth, so long copies show they are alive."""

    def __init__(self) -> None:
        self.shown: dict[str, int] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if self.shown.get(what, -1) < tenth:
            self.shown[what] = tenth
            _say(f"{what}: {tenth * 10}% ({done}/{total} pages)")


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the database to PATH while it serves (SQLite online backup, checked)."""
    from api.store.backup import backup_database

    info = backup_database(args.db, args.path, force=args.force, progress=_Percent())
    _say(
        f"backed up {args.db} to {args.path}: {info.articles} article(s), schema version "
        f"{info.schema_version}, {info.pages * info.page_size} bytes, integrity ok"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database's content with a checked backup (safe while serving)."""
    from api.store.backup import restore_database

    report = restore_database(args.path, args.db, progress=_Percent(), check_only=args.check)
    for change in report.changes:
        _say(f"{'would change' if args.check else 'changed'}: {change}")
    if args.check:
        _say(
            f"{args.path} is a verified backup ({report.backup.articles} article(s), schema "
            f"version {report.backup.schema_version}); {args.db} was not changed"
        )
        return 0
    _say(
        f"restored {args.db} from {args.path}: {report.backup.articles} article(s), "
        f"schema version {report.backup.schema_version}"
    )
    if report.replaced_file:
        _say(
            f"{args.db} was unreadable, so its file was replaced: restart any server "
            "still running on it"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="vetted", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help=cmd_check.__doc__)
    _paths(check)
    check.set_defaults(run=cmd_check)

    imp = sub.add_parser("import", help=cmd_import.__doc__)
    _paths(imp)
    _db(imp)
    imp.add_argument(
        "--author",
        help="who wrote the changes (an active token's name); required when the database "
        "has published content and the files change it",
    )
    imp.set_defaults(run=cmd_import)

    openapi = sub.add_parser("openapi", help=cmd_openapi.__doc__)
    openapi.add_argument("--output", default="openapi.yaml", help="file, or - for stdout")
    openapi.set_defaults(run=cmd_openapi)

    export = sub.add_parser("export", help=cmd_export.__doc__)
    _db(export)
    export.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="folder holding content/ and locales/ (default: .)",
    )
    export.set_defaults(run=cmd_export)

    catalogs = sub.add_parser("catalogs", help="translation catalogs")
    catalogs_sub = catalogs.add_subparsers(dest="catalogs_command", required=True)
    split = catalogs_sub.add_parser("split", help=cmd_catalogs_split.__doc__)
    split.add_argument(
        "--locales", type=Path, default=Path("locales"), help="catalog folder (default: locales)"
    )
    split.set_defaults(run=cmd_catalogs_split)
    tmx = catalogs_sub.add_parser("tmx", help=cmd_catalogs_tmx.__doc__)
    tmx.add_argument("locale", help="the locale, e.g. es")
    _db(tmx)
    tmx.add_argument("--output", default="-", help="file, or - for stdout (default)")
    tmx.set_defaults(run=cmd_catalogs_tmx)

    static = sub.add_parser("export-static", help=cmd_export_static.__doc__)
    _db(static)
    static.add_argument("--export-dir", help="folder to export to")
    static.add_argument("--export-bucket", help="bucket to export to: s3://bucket/prefix")
    static.add_argument(
        "--grace", type=float, default=3600, help="seconds old generations are kept (3600)"
    )
    static.set_defaults(run=cmd_export_static)

    pull = sub.add_parser("pull-static", help=cmd_pull_static.__doc__)
    pull.add_argument("source", help="s3://bucket/prefix (or a folder) that is exported to")
    pull.add_argument("--to", required=True, help="the local export folder nginx serves")
    pull.add_argument("--then", help="command run after each new generation")
    pull.add_argument("--interval", type=float, default=0, help="seconds between checks (0: once)")
    pull.add_argument(
        "--grace", type=float, default=3600, help="seconds old generations are kept (3600)"
    )
    pull.set_defaults(run=cmd_pull_static)

    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help=cmd_token_create.__doc__)
    create.add_argument("--name", required=True, help="the token's name")
    create.add_argument(
        "--person",
        help="an existing person this token is for (it carries their role and scope); "
        "without it, a new person named --name",
    )
    create.add_argument(
        "--role",
        choices=["admin", "editor", "reviewer", "translator"],
        help="the new person's role (required without --person)",
    )
    create.add_argument("--locales", help="comma-separated locale scope, e.g. es,fr")
    _db(create)
    create.set_defaults(run=cmd_token_create)
    listing = token_sub.add_parser("list", help=cmd_token_list.__doc__)
    _db(listing)
    listing.set_defaults(run=cmd_token_list)
    revoke = token_sub.add_parser("revoke", help=cmd_token_revoke.__doc__)
    revoke.add_argument("name")
    _db(revoke)
    revoke.set_defaults(run=cmd_token_revoke)

    review = sub.add_parser("review", help="medical review dates of published articles")
    review_sub = review.add_subparsers(dest="review_command", required=True)
    status = review_sub.add_parser("status", help=cmd_review_status.__doc__)
    sweep = review_sub.add_parser("sweep", help=cmd_review_sweep.__doc__)
    for command in (status, sweep):
        command.add_argument(
            "--on", type=date.fromisoformat, help="the date to judge (YYYY-MM-DD; default today)"
        )
        _db(command)
    status.set_defaults(run=cmd_review_status)
    sweep.set_defaults(run=cmd_review_sweep)
    confirm = review_sub.add_parser("confirm", help=cmd_review_confirm.__doc__)
    confirm.add_argument("slug")
    confirm.add_argument("--reviewer", required=True, help="an active reviewer token's name")
    confirm.add_argument("--note", help="what was checked")
    _db(confirm)
    confirm.set_defaults(run=cmd_review_confirm)
    credentials = review_sub.add_parser("credentials", help=cmd_review_credentials.__doc__)
    credentials.add_argument("person", help="the reviewer (a person's name)")
    credentials.add_argument("credentials", help='e.g. "MD, dermatology"')
    _db(credentials)
    credentials.set_defaults(run=cmd_review_credentials)

    backup = sub.add_parser("backup", help=cmd_backup.__doc__)
    backup.add_argument("path", type=Path, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    _db(backup)
    backup.set_defaults(run=cmd_backup)

    restoring = sub.add_parser("restore", help=cmd_restore.__doc__)
    restoring.add_argument("path", type=Path, help="a file written by `vetted backup`")
    restoring.add_argument(
        "--check",
        action="store_true",
        help="verify the backup and list what a restore would change, changing nothing",
    )
    _db(restoring)
    restoring.set_defaults(run=cmd_restore)

    serve = sub.add_parser("serve", help=cmd_serve.__doc__)
    _paths(serve)
    for setting in SETTINGS:
        # No defaults here: an absent flag lets the environment variable, then the
        # built-in default, decide (see api/config.py).
        serve.add_argument(
            setting.flag,
            dest=setting.field,
            default=None,
            nargs="?" if setting.parse is parse_bool else None,
            const="on" if setting.parse is parse_bool else None,
            help=f"{setting.meaning} (${setting.env}; default: {setting.default})",
        )
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `vetted` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (InvalidSetting, AuthorRequired) as exc:
        _say(f"vetted: error: {exc}")
        return 2
    except ImportRefused as exc:
        for reason in exc.reasons:
            _say(f"error: {reason}")
        _say(f"refused: {len(exc.reasons)} reason(s); nothing was stored")
        return 1
    except ImportRejected as exc:
        for error in exc.errors:
            _say(f"error: {error}")
        _say(f"rejected: {len(exc.errors)} error(s); nothing was stored")
        return 1
    except VettedError as exc:
        _say(f"error: {exc}")
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
