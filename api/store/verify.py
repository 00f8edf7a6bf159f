"""What a restore proves about a backup before it is accepted, and what it would change.

The schema check (in `backup`) proves the file's triggers, tables and indexes are ours.
This module proves what the rows themselves can prove:

- every stored document's bytes hash to their strong ETag, and their gzip and brotli
  forms decode to those bytes (readers get exactly what was rendered, under its ETag);
- every article version and set of treatment records hashes to its `content_hash`;
- every document points at stored bytes (foreign keys);
- every person and token is what the backup's own audit log says was created, with that
  role and scope, by that creator, for that person, and revoked when it says so; a token
  that also exists in the live database keeps its secret (tokens are never re-keyed).

A file that fails any of these is refused. A file that passes can still differ from the
live database: `differences` says how, in sentences an operator reads before and after a
restore (accounts and roles, versions added or removed, the audit history's overlap).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import brotli
import msgspec
from isal import igzip

from api.core.model import Article, TreatmentCatalog, content_hash
from api.store.documents import strong_etag

__all__ = ["differences", "proof_failures"]

_article = msgspec.json.Decoder(Article)
_treatments = msgspec.json.Decoder(TreatmentCatalog)
_SHOWN = 5
"""Failures named one by one; the rest are counted."""


def proof_failures(conn: sqlite3.Connection) -> list[str]:
    """Everything in the database at `conn` (at the current schema) that its own rows
    disprove, one sentence each; empty when every proof holds."""
    failures: list[str] = []
    for check in (_blobs, _hashes, _foreign_keys, _accounts):
        failures.extend(check(conn))
    return failures


def _keys_of(conn: sqlite3.Connection, etag: str) -> str:
    keys = [
        row[0]
        for row in conn.execute(
            "SELECT key FROM documents WHERE etag = ? ORDER BY key LIMIT 3", [etag]
        )
    ]
    return ", ".join(keys) if keys else f"stored bytes {etag} (no document)"


def _blob_rows(conn: sqlite3.Connection) -> Iterator[tuple[str, bytes, bytes | None, bytes | None]]:
    # One blob at a time: a bundle may be tens of megabytes.
    rowids = [row[0] for row in conn.execute("SELECT rowid FROM blobs ORDER BY rowid")]
    for rowid in rowids:
        row = conn.execute("SELECT etag, body, gzip, br FROM blobs WHERE rowid = ?", [rowid])
        yield row.fetchone()


def _decodes_to(compressed: bytes, body: bytes, decompress: object) -> bool:
    try:
        return bool(decompress(compressed) == body)  # type: ignore[operator]
    except Exception:
        return False


def _blobs(conn: sqlite3.Connection) -> list[str]:
    out: list[str] = []
    bad = 0
    for etag, body, gz, br in _blob_rows(conn):
        wrong = []
        if strong_etag(body) != etag:
            wrong.append("its bytes do not hash to its ETag")
        if gz is not None and not _decodes_to(gz, body, igzip.decompress):
            wrong.append("its gzip form is not its bytes")
        if br is not None and not _decodes_to(br, body, brotli.decompress):
            wrong.append("its brotli form is not its bytes")
        if wrong:
            bad += 1
            if bad <= _SHOWN:
                out.append(f"document {_keys_of(conn, etag)} (ETag {etag}): {' and '.join(wrong)}")
    if bad > _SHOWN:
        out.append(f"and {bad - _SHOWN} more stored document(s) that do not match their ETag")
    return out


def _hashes(conn: sqlite3.Connection) -> list[str]:
    out: list[str] = []
    for slug, number, digest, body in conn.execute(
        "SELECT slug, number, content_hash, body FROM versions ORDER BY slug, number"
    ):
        try:
            ok = content_hash(_article.decode(body)) == digest
        except msgspec.DecodeError:
            ok = False
        if not ok:
            out.append(f"article {slug} version {number} does not hash to its content_hash")
    for number, digest, body in conn.execute(
        "SELECT number, content_hash, body FROM treatment_sets ORDER BY number"
    ):
        try:
            ok = content_hash(_treatments.decode(body)) == digest
        except msgspec.DecodeError:
            ok = False
        if not ok:
            out.append(f"treatment records set {number} does not hash to its content_hash")
    return out[:_SHOWN] + ([f"and {len(out) - _SHOWN} more"] if len(out) > _SHOWN else [])


def _foreign_keys(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    return (
        [f"{len(rows)} row(s) point at rows that do not exist (first in {rows[0][0]})"]
        if rows
        else []
    )


class _Account(msgspec.Struct, frozen=True):
    role: str
    locales: str
    created_by: str
    person: str = ""
    revoked: bool = False


def _audited(conn: sqlite3.Connection) -> tuple[dict[str, _Account], dict[str, _Account]]:
    """Each person and each token as the audit log says it was made (and revoked). A
    person from before people were recorded apart is made with their first token."""
    people: dict[str, _Account] = {}
    tokens: dict[str, _Account] = {}
    for actor, action, target, detail in conn.execute(
        "SELECT actor, action, target, detail FROM audit WHERE action IN "
        "('person.create', 'token.create', 'token.revoke') ORDER BY id"
    ):
        kind, _, name = target.partition("/")
        words = (detail or "").split(" ")
        role, locales = words[0], words[1] if len(words) > 1 else ""
        if action == "person.create" and kind == "people":
            people[name] = _Account(role, locales, actor)
        elif action == "token.create" and kind == "tokens":
            person = words[3] if len(words) > 3 and words[2] == "person" else name
            tokens[name] = _Account(role, locales, actor, person)
            if person == name and name not in people:
                people[name] = _Account(role, locales, actor)
        elif action == "token.revoke" and name in tokens:
            tokens[name] = msgspec.structs.replace(tokens[name], revoked=True)
    return people, tokens


def _scoped(account: _Account) -> str:
    return account.role + (f" for {account.locales}" if account.locales else "")


def _unexplained(kind: str, name: str, stored: _Account, said: _Account | None) -> str | None:
    if said is None:
        return f"{kind} {name!r} ({stored.role}) was never created according to the audit log"
    if (said.role, said.locales) != (stored.role, stored.locales):
        return (
            f"{kind} {name!r} is {_scoped(stored)}, but the audit log says it was created "
            f"{_scoped(said)} and never changed"
        )
    if said.created_by != stored.created_by:
        return (
            f"{kind} {name!r} was created by {stored.created_by}, but the audit log says "
            f"by {said.created_by}"
        )
    if said.person != stored.person:
        return f"{kind} {name!r} belongs to {stored.person}, but the audit log says {said.person}"
    if said.revoked and not stored.revoked:
        return f"{kind} {name!r} is active, but the audit log says it was revoked"
    return None


def _accounts(conn: sqlite3.Connection) -> list[str]:
    people, tokens = _audited(conn)
    out: list[str] = []
    for name, role, locales, created_by in conn.execute(
        "SELECT name, role, locales, created_by FROM people ORDER BY id"
    ):
        stored = _Account(role, locales or "", created_by)
        if reason := _unexplained("person", name, stored, people.get(name)):
            out.append(reason)
    for name, role, locales, created_by, person, revoked in conn.execute(
        "SELECT name, role, locales, created_by, person, revoked_at IS NOT NULL FROM tokens "
        "ORDER BY id"
    ):
        stored = _Account(role, locales or "", created_by, person, bool(revoked))
        if reason := _unexplained("token", name, stored, tokens.get(name)):
            out.append(reason)
    return out


def secret_changes(backup: sqlite3.Connection, live: sqlite3.Connection) -> list[str]:
    """Tokens the live database also has (same id and name) whose secret differs: tokens
    are never re-keyed, so such a backup would let someone else's secret in."""
    theirs = {
        (r[0], r[1]): r[2] for r in backup.execute("SELECT id, name, secret_hash FROM tokens")
    }
    return [
        f"token {name!r} has another secret than in the live database"
        for token_id, name, secret in live.execute("SELECT id, name, secret_hash FROM tokens")
        if theirs.get((token_id, name), secret) != secret
    ]


def _accounts_of(conn: sqlite3.Connection) -> dict[str, str]:
    """Each person and token, described as the summary shows them."""
    out = {
        f"person {r[0]!r}": r[1] + (f" for {r[2]}" if r[2] else "") + f", created by {r[3]}"
        for r in conn.execute("SELECT name, role, locales, created_by FROM people")
    }
    out |= {
        f"token {r[0]!r}": ("revoked" if r[3] else "active") + f", of {r[1]}, created by {r[2]}"
        for r in conn.execute("SELECT name, person, created_by, revoked_at IS NOT NULL FROM tokens")
    }
    return out


def _account_changes(backup: sqlite3.Connection, live: sqlite3.Connection) -> list[str]:
    theirs, ours = _accounts_of(backup), _accounts_of(live)
    out = []
    for name in sorted({*theirs, *ours}):
        if name not in ours:
            out.append(f"{name}: added, {theirs[name]}")
        elif name not in theirs:
            out.append(f"{name}: removed (was {ours[name]})")
        elif theirs[name] != ours[name]:
            out.append(f"{name}: was {ours[name]}; becomes {theirs[name]}")
    return out


def _versions(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """slug: (newest version stored, version readers get)."""
    return {
        r[0]: (r[1], r[2] or 0)
        for r in conn.execute(
            "SELECT v.slug, max(v.number), p.number FROM versions v "
            "LEFT JOIN publications p ON p.slug = v.slug GROUP BY v.slug"
        )
    }


def _version_changes(backup: sqlite3.Connection, live: sqlite3.Connection) -> list[str]:
    theirs, ours = _versions(backup), _versions(live)
    out = []
    for slug in sorted({*theirs, *ours}):
        if slug not in ours:
            out.append(f"article {slug}: added, readers get version {theirs[slug][1]}")
        elif slug not in theirs:
            out.append(f"article {slug}: removed (readers got version {ours[slug][1]})")
        elif theirs[slug] != ours[slug]:
            (new_max, new_pub), (old_max, old_pub) = theirs[slug], ours[slug]
            out.append(
                f"article {slug}: readers get version {new_pub} instead of {old_pub} "
                f"({new_max} stored instead of {old_max})"
            )
    return out


_AUDIT_ROW = "SELECT id, at, actor, action, target, detail FROM audit"


def _audit_changes(backup: sqlite3.Connection, live: sqlite3.Connection) -> list[str]:
    last_live = live.execute("SELECT max(id) FROM audit").fetchone()[0] or 0
    last_theirs = backup.execute("SELECT max(id) FROM audit").fetchone()[0] or 0
    common = min(last_live, last_theirs)
    differ = None
    theirs_rows = backup.execute(f"{_AUDIT_ROW} WHERE id <= ? ORDER BY id", [common])
    ours_rows = live.execute(f"{_AUDIT_ROW} WHERE id <= ? ORDER BY id", [common])
    for theirs, ours in zip(theirs_rows, ours_rows, strict=False):
        if theirs != ours:
            differ = theirs[0]
            break
    out = []
    if differ is not None:
        out.append(
            f"audit log: the backup's history is not this database's from entry {differ} "
            "on (another database, or an edited log)"
        )
    elif last_live > last_theirs:
        out.append(
            f"audit log: the backup is this database's history up to entry {last_theirs}; "
            f"the {last_live - last_theirs} later entries are undone"
        )
    if last_theirs > common:
        shown = [
            f"{r[3]} {r[4]} by {r[2]}"
            for r in backup.execute(
                f"{_AUDIT_ROW} WHERE id > ? ORDER BY id LIMIT {_SHOWN}", [common]
            )
        ]
        more = last_theirs - common - len(shown)
        out.append(
            f"audit log: the backup has {last_theirs - common} entries this database never "
            f"had: {'; '.join(shown)}" + (f"; and {more} more" if more > 0 else "")
        )
    return out


def differences(backup: sqlite3.Connection, live: sqlite3.Connection) -> list[str]:
    """What restoring `backup` over `live` changes, one sentence each (accounts first)."""
    return [
        *_account_changes(backup, live),
        *_version_changes(backup, live),
        *_audit_changes(backup, live),
    ]
