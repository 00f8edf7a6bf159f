"""Static delivery's export: every document in every stored coding, a manifest naming the
generation and every key's ETag, to a folder and to a real S3-compatible bucket (moto's
server on loopback); written blobs first and pointer last; old generations collected
after the grace period; a reader node's pull brings the same files."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import brotli
import msgspec
import pytest

from api.static_export import (
    Bucket,
    Directory,
    Target,
    current_generation,
    export_generation,
    pull_generation,
)
from api.store.documents import strong_etag
from api.store.schema import open_database
from api.store.versions import latest_version, load_article
from bench.s3 import S3, s3_server
from tests.conftest import SLUG
from tests.editing import publish_change

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    with s3_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


def _bucket(s3: S3, name: str) -> Bucket:
    s3.bucket(name)
    return Bucket(f"s3://{name}/export", client=s3.client())


def _check_generation(target: Target) -> dict[str, str]:
    """Every key of the current manifest has its bytes, in every coding, matching its
    ETag; returns the manifest's documents."""
    generation = current_generation(target)
    assert generation is not None
    raw = target.read(f"generations/{generation}/manifest.json")
    assert raw is not None
    manifest = json.loads(raw)
    assert manifest["generation"] == generation and manifest["format"] == 1
    assert target.read(f"generations/{generation}/nginx.conf")
    for etag in set(manifest["documents"].values()):
        hex_ = etag.strip('"')
        body = target.read(f"blobs/{hex_}")
        assert body is not None and strong_etag(body) == etag
        codings = manifest["codings"][hex_]
        for coding, extension, decode in (
            ("gzip", ".gz", gzip.decompress),
            ("br", ".br", brotli.decompress),
        ):
            stored = target.read(f"blobs/{hex_}{extension}")
            assert (stored is not None) == (coding in codings), (hex_, coding)
            if stored is not None:
                assert decode(stored) == body
    documents: dict[str, str] = manifest["documents"]
    return documents


def _publish(db_path: Path, title: str) -> None:
    db = open_database(db_path)
    head = latest_version(db, SLUG)
    assert head is not None
    article = load_article(db, SLUG, head.number)
    publish_change(db, msgspec.structs.replace(article, title=title))
    db.conn.close()


def test_every_document_and_coding_is_exported_to_a_folder_and_a_bucket(
    db_path: Path, tmp_path: Path, s3: S3
) -> None:
    db = open_database(db_path)
    folder, bucket = Directory(tmp_path / "export"), _bucket(s3, "both")
    report = export_generation(db, [folder, bucket])
    assert report.changed and report.documents > 100
    stored = dict(db.execute("SELECT key, etag FROM documents").fetchall())
    for target in (folder, bucket):
        assert _check_generation(target) == stored
    assert (tmp_path / "export" / "current").resolve().name == report.generation
    # Objects carry their headers in the bucket.
    some = next(etag for etag, forms in db.execute("SELECT etag, gzip FROM blobs") if forms)
    some = some.strip('"')
    head = s3.client().head_object(Bucket="both", Key=f"export/blobs/{some}.gz")
    assert head["ContentEncoding"] == "gzip" and "immutable" in head["CacheControl"]
    # Nothing changed: no new generation.
    again = export_generation(db, [folder, bucket])
    assert not again.changed and again.generation == report.generation


class Recording:
    """A real target whose writes are listed in order."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.writes: list[str] = []

    def names(self, prefix: str) -> set[str]:
        return self.target.names(prefix)

    def read(self, name: str) -> bytes | None:
        return self.target.read(name)

    def write(self, name: str, body: bytes, *, media_type: str, encoding: str = "") -> None:
        self.writes.append(name)
        self.target.write(name, body, media_type=media_type, encoding=encoding)

    def delete(self, names: Iterable[str]) -> None:
        self.target.delete(names)

    def point(self, generation: str) -> None:
        self.writes.append("->current")
        self.target.point(generation)


def test_a_generation_is_named_current_only_once_all_of_it_is_written(
    db_path: Path, tmp_path: Path, s3: S3
) -> None:
    db = open_database(db_path)
    export_generation(db, [Directory(tmp_path / "x")])
    _publish(db_path, "A new title")
    for target in (Recording(Directory(tmp_path / "x")), Recording(_bucket(s3, "order"))):
        report = export_generation(db, [target])
        assert report.changed
        order = target.writes
        folder = f"generations/{report.generation}/"
        assert order[-6:] == [
            f"{folder}blobs.tar",
            f"{folder}nginx.conf",
            f"{folder}manifest.json",
            "current.json",
            "->current",
            "history.json",
        ], order[-6:]
        assert all(name.startswith("blobs/") for name in order[:-6])


def test_old_generations_are_kept_for_the_grace_period_then_collected(
    db_path: Path, tmp_path: Path, s3: S3
) -> None:
    db = open_database(db_path)
    clock = [1_000_000.0]
    targets: list[Target] = [Directory(tmp_path / "gc"), _bucket(s3, "collect")]
    first = export_generation(db, targets, grace_seconds=60, now=lambda: clock[0])
    old_documents = _check_generation(targets[0])
    _publish(db_path, "Second title")
    clock[0] += 10
    second = export_generation(db, targets, grace_seconds=60, now=lambda: clock[0])
    assert second.generation != first.generation
    for target in targets:
        # Within the grace period a reader still on the first generation has all it names.
        assert target.names(f"generations/{first.generation}/")
        for etag in set(old_documents.values()):
            assert target.read(f"blobs/{etag.strip(chr(34))}") is not None
    clock[0] += 61
    export_generation(db, targets, grace_seconds=60, now=lambda: clock[0])
    for target in targets:
        assert not target.names(f"generations/{first.generation}/")
        current = _check_generation(target)
        kept = {name.split("/")[1].split(".")[0] for name in target.names("blobs/")}
        assert kept == {etag.strip('"') for etag in current.values()}


class Reading(Recording):
    """A real target whose reads are listed."""

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self.asked: list[str] = []

    def read(self, name: str) -> bytes | None:
        self.asked.append(name)
        return self.target.read(name)


def test_a_reader_node_pulls_the_current_generation_from_the_bucket(
    db_path: Path, tmp_path: Path, s3: S3
) -> None:
    db = open_database(db_path)
    bucket = _bucket(s3, "pull")
    export_generation(db, [bucket])
    node = Directory(tmp_path / "node")
    assert pull_generation(bucket, node)
    assert _check_generation(node) == _check_generation(bucket)
    assert not pull_generation(bucket, node), "nothing new"
    _publish(db_path, "Pulled title")
    export_generation(db, [bucket])
    # One generation behind: the new blobs come in the generation's one pack.
    reads = Reading(bucket)
    assert pull_generation(reads, node)
    assert reads.asked and not [name for name in reads.asked if name.startswith("blobs/")]
    assert current_generation(node) == current_generation(bucket)
    assert _check_generation(node) == dict(db.execute("SELECT key, etag FROM documents"))
