"""Static delivery: every publish exports what it rendered, so nginx or any CDN serves
readers from machines that hold no database.

Layout (the same in a directory and in a bucket):

    blobs/<hex>            identity bytes of one document (content-addressed by its ETag)
    blobs/<hex>.gz         its gzip form, where stored
    blobs/<hex>.br         its brotli form, where stored
    generations/<gen>/blobs.tar      the blobs this generation added, in one file
    generations/<gen>/nginx.conf     the generation's routes and locale tables (nginx maps)
    generations/<gen>/manifest.json  the generation: every key's ETag, every blob's codings
    current.json           {"generation": <gen>}: the generation readers serve
    current -> generations/<gen>     (a directory only: the path nginx includes)

A generation is written blobs first, then its nginx maps, then its manifest, and only
then named current (a rename, or one object written): a reader never sees half a
generation. Blobs are immutable and shared by generations; a generation, and the blobs
no kept generation names, are collected once it has not been current for the grace
period, so a reader still on an older generation keeps every byte it names meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import tarfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import sqlite_utils

from api.core.static_routes import nginx_maps, routes
from api.store.static import Snapshot, blob, data_version, read_snapshot

__all__ = [
    "Bucket",
    "Directory",
    "ExportReport",
    "Exporter",
    "Target",
    "destination",
    "export_generation",
    "pull_generation",
]

log = logging.getLogger("vetted.export")
FORMAT = 1
_EXTENSIONS = {"g": ".gz", "b": ".br"}
_ENCODINGS = {".gz": "gzip", ".br": "br"}
IMMUTABLE = "public, max-age=31536000, immutable"


class Target(Protocol):
    """Where an export goes: a directory or a bucket."""

    def names(self, prefix: str) -> set[str]: ...
    def read(self, name: str) -> bytes | None: ...
    def write(self, name: str, body: bytes, *, media_type: str, encoding: str = "") -> None: ...
    def delete(self, names: Iterable[str]) -> None: ...
    def point(self, generation: str) -> None: ...


class Directory:
    """An export directory; every file is written whole (temporary file, then rename)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"Directory({str(self.root)!r})"

    def names(self, prefix: str) -> set[str]:
        base = self.root / prefix
        if not base.is_dir():
            return set()
        return {
            str(path.relative_to(self.root))
            for path in base.rglob("*")
            if path.is_file() and ".tmp-" not in path.name
        }

    def read(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, name: str, body: bytes, *, media_type: str, encoding: str = "") -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        temporary.write_bytes(body)
        os.replace(temporary, path)

    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                (self.root / name).unlink()
        generations = self.root / "generations"
        if generations.is_dir():
            for folder in generations.iterdir():
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty

    def point(self, generation: str) -> None:
        """`current` names the generation: a symlink replaced in one rename, after
        current.json (which a bucket reader reads) is written."""
        link = self.root / "current"
        temporary = self.root / f"current.tmp-{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(Path("generations") / generation)
        os.replace(temporary, link)


class Bucket:
    """An S3-compatible bucket (boto3; endpoint and credentials from the environment:
    AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION)."""

    def __init__(self, url: str, client: Any = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"{url!r} is not a bucket URL such as s3://bucket/prefix")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client

    def __repr__(self) -> str:
        return f"Bucket('s3://{self.bucket}/{self.prefix}')"

    def names(self, prefix: str) -> set[str]:
        found: set[str] = set()
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            found.update(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        return found

    def read(self, name: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body

    def write(self, name: str, body: bytes, *, media_type: str, encoding: str = "") -> None:
        extra = {"ContentEncoding": encoding} if encoding else {}
        if name.startswith("blobs/"):
            extra["CacheControl"] = IMMUTABLE
        else:
            extra["CacheControl"] = "no-cache"
        self.client.put_object(
            Bucket=self.bucket, Key=self.prefix + name, Body=body, ContentType=media_type, **extra
        )

    def delete(self, names: Iterable[str]) -> None:
        keys = [{"Key": self.prefix + name} for name in names]
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": keys[start : start + 1000], "Quiet": True}
            )

    def point(self, generation: str) -> None:
        """A bucket has no symlink: current.json, written last, is the pointer."""


def destination(spec: str) -> Target:
    """A bucket for `s3://bucket/prefix`, else a directory."""
    return Bucket(spec) if spec.startswith("s3://") else Directory(spec)


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _hex(etag: str) -> str:
    return etag.strip('"')


def _media(snapshot: Snapshot) -> dict[str, str]:
    media = {etag: "application/json" for etag in snapshot.documents.values()}
    for key, etag in snapshot.documents.items():
        if key.startswith("jsonld/"):
            media[etag] = "application/ld+json"
    return media


def blob_names(etag: str, forms: str) -> list[str]:
    """The object names one blob is stored under: identity, then each compressed form."""
    return [f"blobs/{_hex(etag)}"] + [f"blobs/{_hex(etag)}{_EXTENSIONS[f]}" for f in forms]


def _generation_id(snapshot: Snapshot) -> str:
    digest = hashlib.sha256(_json([snapshot.documents, snapshot.locales])).hexdigest()[:12]
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{digest}"


def _content_of(generation: str) -> str:
    return generation.rsplit("-", 1)[-1]


class ExportReport:
    """What one export wrote."""

    def __init__(self, generation: str, blobs: int, documents: int, changed: bool) -> None:
        self.generation = generation
        self.blobs = blobs
        self.documents = documents
        self.changed = changed

    def __repr__(self) -> str:
        return (
            f"ExportReport(generation={self.generation!r}, blobs={self.blobs}, "
            f"documents={self.documents}, changed={self.changed})"
        )


PACK = "blobs.tar"
"""Per generation: the blobs it added, as one tar file (members named as the objects)."""


def _pack(writes: list[tuple[str, bytes, str, str]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, body, _media, _encoding in writes:
            member = tarfile.TarInfo(name)
            member.size = len(body)
            tar.addfile(member, io.BytesIO(body))
    return out.getvalue()


def _unpack(raw: bytes, wanted: set[str]) -> dict[str, bytes]:
    """The members of a pack that are wanted blobs (anything else in it is ignored)."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name in wanted:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    found[member.name] = extracted.read()
    return found


UPLOADS = 16
"""Objects written (or read) at once: a publish brings a few hundred new blobs, and one
request at a time to a bucket took seconds."""


def _write_all(target: Target, writes: list[tuple[str, bytes, str, str]]) -> None:
    """Write every blob, several at once; all are written (or one raised) on return."""

    def write(item: tuple[str, bytes, str, str]) -> None:
        name, body, media_type, encoding = item
        target.write(name, body, media_type=media_type, encoding=encoding)

    with ThreadPoolExecutor(UPLOADS) as pool:
        list(pool.map(write, writes))


def current_generation(target: Target) -> str | None:
    """The generation `target` serves now, or None."""
    raw = target.read("current.json")
    if raw is None:
        return None
    generation: str = json.loads(raw)["generation"]
    return generation


def export_generation(
    db: sqlite_utils.Database,
    targets: Iterable[Target],
    *,
    grace_seconds: float = 3600,
    now: Callable[[], float] = time.time,
) -> ExportReport:
    """Export the database's rendered documents as a new generation to every target
    (unless the current one already holds exactly them), then collect old ones."""
    snapshot = read_snapshot(db)
    generation = _generation_id(snapshot)
    media = _media(snapshot)
    report = ExportReport(generation, 0, len(snapshot.documents), False)
    for target in targets:
        current = current_generation(target)
        if current is not None and _content_of(current) == _content_of(generation):
            report.generation = current
            collect(target, grace_seconds, now=now)
            continue
        have = target.names("blobs/")
        writes: list[tuple[str, bytes, str, str]] = []
        for etag in sorted(set(snapshot.documents.values())):
            forms = snapshot.forms.get(etag, "")
            names = blob_names(etag, forms)
            if all(name in have for name in names):
                continue
            document = blob(db, etag)
            if document is None:  # a newer publish replaced it: the next export has it
                continue
            bodies = [document.body, document.gzip, document.br]
            for name, body in zip(names, [b for b in bodies if b is not None], strict=True):
                if name not in have:
                    writes.append((name, body, media[etag], _ENCODINGS.get(name[-3:], "")))
        _write_all(target, writes)
        written = len(writes)
        table = routes(
            snapshot.documents,
            snapshot.forms,
            snapshot.latest,
            change_pending=snapshot.next_change is not None,
        )
        folder = f"generations/{generation}"
        # The same new blobs again, in one object: a reader node one generation behind
        # fetches this instead of each of them (a publish brings hundreds).
        target.write(f"{folder}/{PACK}", _pack(writes), media_type="application/x-tar")
        target.write(
            f"{folder}/nginx.conf",
            nginx_maps(table, snapshot.locales).encode(),
            media_type="text/plain",
        )
        manifest = {
            "format": FORMAT,
            "generation": generation,
            "previous": current,
            "created": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "locales": snapshot.locales,
            "latest": snapshot.latest,
            "next_change": snapshot.next_change,
            "documents": snapshot.documents,
            "codings": {
                _hex(etag): ["identity"] + [_ENCODINGS[_EXTENSIONS[f]] for f in forms]
                for etag, forms in snapshot.forms.items()
                if etag in set(snapshot.documents.values())
            },
        }
        target.write(f"{folder}/manifest.json", _json(manifest), media_type="application/json")
        target.write(
            "current.json",
            _json({"generation": generation, "since": now()}),
            media_type="application/json",
        )
        target.point(generation)
        report.blobs += written
        report.changed = True
        log.info(f"exported generation {generation} to {target!r}: {written} new object(s)")
        collect(target, grace_seconds, now=now)
    return report


def collect(target: Target, grace_seconds: float, *, now: Callable[[], float] = time.time) -> int:
    """Delete the generations replaced more than `grace_seconds` ago, and the blobs no
    kept generation names. Returns how many objects went."""
    raw = target.read("history.json")
    history: list[list[Any]] = json.loads(raw) if raw else []
    current = current_generation(target)
    if current is None:
        return 0
    changed = not history or history[-1][0] != current
    if changed:
        history.append([current, now()])
    # A generation stops being current when the next one starts.
    kept, gone = [], []
    for index, (generation, _since) in enumerate(history):
        replaced = history[index + 1][1] if index + 1 < len(history) else None
        if replaced is not None and now() - replaced > grace_seconds:
            gone.append(generation)
        else:
            kept.append([generation, _since])
    if not gone:
        if changed:
            target.write("history.json", _json(history), media_type="application/json")
        return 0
    names: set[str] = set()
    for generation in kept:
        raw_manifest = target.read(f"generations/{generation[0]}/manifest.json")
        if raw_manifest is None:
            continue
        manifest = json.loads(raw_manifest)
        for etag in set(manifest["documents"].values()):
            codings = manifest["codings"].get(_hex(etag), ["identity"])
            forms = "".join(c[0] if c != "identity" else "" for c in codings)
            names.update(blob_names(etag, forms))
    doomed = {name for name in target.names("blobs/") if name not in names}
    for generation in gone:
        doomed.update(target.names(f"generations/{generation}/"))
    target.write("history.json", _json(kept), media_type="application/json")
    target.delete(sorted(doomed))
    log.info(f"collected {len(gone)} generation(s), {len(doomed)} object(s)")
    return len(doomed)


def pull_generation(source: Target, local: Directory, *, grace_seconds: float = 3600) -> bool:
    """Bring `local` to the generation `source` serves (a reader node's sync from the
    bucket): missing blobs first, then the generation's maps and manifest, then the
    pointer. Returns whether the generation changed."""
    generation = current_generation(source)
    if generation is None or generation == current_generation(local):
        return False
    folder = f"generations/{generation}"
    raw_manifest = source.read(f"{folder}/manifest.json")
    maps = source.read(f"{folder}/nginx.conf")
    if raw_manifest is None or maps is None:
        return False
    manifest = json.loads(raw_manifest)
    have = local.names("blobs/")
    wanted = []
    for etag in sorted(set(manifest["documents"].values())):
        codings = manifest["codings"].get(_hex(etag), ["identity"])
        forms = "".join(c[0] for c in codings if c != "identity")
        wanted += [name for name in blob_names(etag, forms) if name not in have]
    packed: dict[str, bytes] = {}
    if wanted and manifest.get("previous") == current_generation(local):
        raw_pack = source.read(f"{folder}/{PACK}")
        if raw_pack is not None:
            packed = _unpack(raw_pack, set(wanted))
    rest = [name for name in wanted if name not in packed]
    with ThreadPoolExecutor(UPLOADS) as pool:
        bodies = list(pool.map(source.read, rest))
    if any(body is None for body in bodies):
        return False  # collected meanwhile: a newer generation is current
    fetched = [(name, body) for name, body in zip(rest, bodies, strict=True) if body is not None]
    _write_all(
        local,
        [(n, b, "application/octet-stream", "") for n, b in [*packed.items(), *fetched]],
    )
    local.write(f"{folder}/nginx.conf", maps, media_type="text/plain")
    local.write(f"{folder}/manifest.json", raw_manifest, media_type="application/json")
    local.write("current.json", _json({"generation": generation}), media_type="application/json")
    local.point(generation)
    collect(local, grace_seconds)
    return True


class Exporter:
    """Exports after every commit that changes the database (a publish, a rollback, a
    catalog approval, an import by another process): a thread of `vetted serve` that
    watches SQLite's data_version, off every request's path."""

    def __init__(
        self,
        path: str,
        targets: list[Target],
        *,
        grace_seconds: float,
        interval: float = 0.2,
        on_export: Callable[[ExportReport], None] | None = None,
    ) -> None:
        from api.store.schema import open_database

        self.db = open_database(path)
        self.targets = targets
        self.grace_seconds = grace_seconds
        self.interval = interval
        self.on_export = on_export
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export", daemon=True)

    def start(self) -> Exporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        seen: int | None = None
        while not self._stop.is_set():
            version = data_version(self.db)
            if version != seen:
                try:
                    report = export_generation(
                        self.db, self.targets, grace_seconds=self.grace_seconds
                    )
                except Exception:  # the next commit, or the next round, tries again
                    log.exception("export failed; retrying")
                    self._stop.wait(1)
                    continue
                seen = version
                if self.on_export is not None:
                    self.on_export(report)
            self._stop.wait(self.interval)
