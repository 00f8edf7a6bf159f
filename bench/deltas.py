"""The bytes a kiosk moves for a one-paragraph correction (issue 27 point 3): the changes
feed with `patches=true` against the corrected article's own document, decoded and on
the wire (the smallest form the server stores and a kiosk sending `Accept-Encoding: br,
gzip` gets), with the whole-article delta beside it. Target: at most 15 % of the
article's bytes.

Runs in-process on a fresh import of the shipped content (the real store: a draft by one
person, published by another, so the patch is the one made at publish time) and checks
that applying the patch with a JSON Patch library gives the article byte for byte."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import jsonpatch
import msgspec

from api.core.access import Principal
from api.core.model import Article
from api.core.workflow import article_etag
from api.sources import read_content
from api.store.documents import Document, compressed, get_latest_article
from api.store.drafts import create_draft, publish_draft, submit_draft
from api.store.importer import import_content
from api.store.schema import open_database
from api.store.sync import changes_since, current_cursor
from api.store.versions import latest_version, load_article, treatments_number

__all__ = ["TARGET", "DeltaSize", "delta_line", "measure_delta_sizes"]

ROOT = Path(__file__).resolve().parent.parent
SLUG = "stem-cell-therapy-for-hair-loss"
LOCALE = "es"
TARGET = 0.15
CORRECTIONS = (
    # (what, the words before, the words after): one paragraph each, a plain wording
    # change (a change to medical text would need a citation of its own).
    ("a one-paragraph correction", "natural regenerative abilities", "own regenerative abilities"),
)


class DeltaSize(msgspec.Struct, frozen=True, kw_only=True):
    """Bytes of one correction's delta against the article's, decoded and on the wire."""

    correction: str
    locale: str
    article_bytes: int
    article_wire: int
    patched_bytes: int
    patched_wire: int
    whole_bytes: int
    whole_wire: int

    @property
    def share(self) -> float:
        """The larger of the two shares (decoded, on the wire)."""
        return max(self.patched_bytes / self.article_bytes, self.patched_wire / self.article_wire)

    @property
    def passed(self) -> bool:
        return self.share <= TARGET


def _wire(document: Document) -> int:
    """What a kiosk sending `Accept-Encoding: br, gzip` receives (api.web.sending)."""
    return len(document.br or document.gzip or document.body)


def _publish(db_path: Path, before: str, after: str) -> None:
    db = open_database(db_path)
    head = latest_version(db, SLUG)
    assert head is not None
    text = msgspec.json.encode(load_article(db, SLUG, head.number))
    assert text.count(before.encode()) == 1, before
    article = msgspec.json.decode(text.replace(before.encode(), after.encode()), type=Article)
    editor, reviewer = Principal(name="ed", role="editor"), Principal(name="rev", role="reviewer")
    etag = article_etag(SLUG, head.number, treatments_number(db))
    draft = create_draft(db, editor, article, "One-paragraph correction", etag)
    draft = submit_draft(db, editor, draft.id, draft.etag)
    publish_draft(db, reviewer, draft.id, draft.etag)
    db.conn.close()


def measure_delta_sizes() -> list[DeltaSize]:
    """Each correction published in turn; the delta a kiosk at the cursor before it gets."""
    sizes = []
    with tempfile.TemporaryDirectory(prefix="vetted-deltas-") as folder:
        db_path = Path(folder) / "deltas.db"
        db = open_database(db_path)
        import_content(db, read_content(ROOT / "content", ROOT / "locales"))
        db.conn.close()
        for name, before, after in CORRECTIONS:
            db = open_database(db_path)
            held = get_latest_article(db, SLUG, LOCALE)
            since = current_cursor(db)
            db.conn.close()
            assert held is not None
            _publish(db_path, before, after)
            db = open_database(db_path)
            article = get_latest_article(db, SLUG, LOCALE)
            patched = compressed(changes_since(db, since, LOCALE, patches=True))
            whole = compressed(changes_since(db, since, LOCALE))
            db.conn.close()
            assert article is not None
            [patch] = msgspec.json.decode(patched.body)["patches"]
            result = jsonpatch.apply_patch(msgspec.json.decode(held.body), patch["ops"])
            assert msgspec.json.encode(result) == article.body, name
            assert hashlib.sha256(article.body).hexdigest() == patch["sha256"]
            sizes.append(
                DeltaSize(
                    correction=name,
                    locale=LOCALE,
                    article_bytes=len(article.body),
                    article_wire=_wire(article),
                    patched_bytes=len(patched.body),
                    patched_wire=_wire(patched),
                    whole_bytes=len(whole.body),
                    whole_wire=_wire(whole),
                )
            )
    return sizes


def delta_line(size: DeltaSize) -> str:
    """One printed row: the patched delta's share of the article, with PASS/MISS."""
    verdict = "PASS" if size.passed else "MISS"
    return (
        f"delta of {size.correction} ({size.locale}, /v1/changes?patches=true): "
        f"{size.patched_wire:,} B on the wire of the article's {size.article_wire:,} B "
        f"({size.patched_wire / size.article_wire:.1%}), decoded {size.patched_bytes:,} of "
        f"{size.article_bytes:,} B ({size.patched_bytes / size.article_bytes:.1%}); "
        f"whole-article delta {size.whole_wire:,} B on the wire; "
        f"target <= {TARGET:.0%}: {verdict}"
    )


if __name__ == "__main__":
    for row in measure_delta_sizes():
        print(delta_line(row))
