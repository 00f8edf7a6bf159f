"""Every example in the documentation runs, against a real server, and says what it prints.

The form (docs/contributing.md, "Examples that run"): a fenced `console` block is a
transcript. Each line that
starts with `$ ` is a command (a line ending in `\\` continues it); the lines after it, up
to the next `$ ` line, are what it prints (stdout and stderr together). `…` in the output
stands for any text (a request id, a date, an elided part of a body); a line break plus
indentation may stand for no space at all, so a long JSON body can be wrapped. For `curl -i`
the status line must match and each header shown must be sent with that value (headers not
shown may be sent too). Commands and output of other fences (`sh`, `text`, `json`) are not
run: use them for what cannot run here (the two make commands, a tokens' set-up).

Each page is run in order, in a folder of its own laid out like a checkout (`content/`,
`locales/`, `openapi.yaml`, `.venv`), with `vetted.db` a copy of the seeded database and,
when the page sends requests, the server `make serve` starts, on that database and a free
port (every `127.0.0.1:8000` and `localhost:8000` becomes that port). Shell variables a
command sets in lower case (`etag=$(curl …)`) are there for the commands after it. The
tokens `$ANA` (editor), `$BEN` and `$CARA` (reviewers), `$LUCIA` (translator, es), `$MARTA`
(reviewer, es) and `$ROOT` (admin) exist."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.store.accounts import create_token
from api.store.schema import open_database
from bench.servers import free_port
from tests.conftest import ROOT

CONTENT = ROOT / "content"
LOCALES = ROOT / "locales"
"""The examples run on the repository as a newcomer clones it: what `make serve` shows."""
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^([ \t]*)```console\n(.*?)^\1```$", re.M | re.S)
PORT = re.compile(r"(?:127\.0\.0\.1|localhost):8000")
# The shell variables a command sets (lower case: `etag=$(curl …)`) are there for the next
# ones, as in a terminal.
KEEP = (
    "[ -f .shell-vars ] && . ./.shell-vars",
    "__status=$?; declare -p | grep -E '^declare -- [a-z][a-z0-9_]*=' > .shell-vars;"
    " exit $__status",
)
TOKENS = {
    "ANA": ("editor", []),
    "BEN": ("reviewer", []),
    "CARA": ("reviewer", []),
    "LUCIA": ("translator", ["es"]),
    "MARTA": ("reviewer", ["es"]),
    "ROOT": ("admin", []),
}


@dataclass(frozen=True)
class Step:
    """One command of a transcript and what the page says it prints."""

    line: int
    command: str
    expected: str


def steps(page: Path) -> list[Step]:
    """The transcript steps of a page, in order."""
    text = page.read_text(encoding="utf-8")
    found: list[Step] = []
    for block in FENCE.finditer(text):
        first = text[: block.start(2)].count("\n") + 1
        indent = len(block.group(1))
        lines = [line[indent:] for line in block.group(2).rstrip("\n").split("\n")]
        index = 0
        while index < len(lines):
            if not lines[index].startswith("$ "):
                raise ValueError(f"{page.name}:{first + index}: output before any `$ ` command")
            start = index
            command = [lines[index][2:]]
            while command[-1].endswith("\\") and index + 1 < len(lines):
                index += 1
                command.append(lines[index])
            index += 1
            output = []
            while index < len(lines) and not lines[index].startswith("$ "):
                output.append(lines[index])
                index += 1
            found.append(Step(first + start, "\n".join(command), "\n".join(output).strip()))
    return found


EXAMPLES = [page for page in PAGES if steps(page)]


def pattern(expected: str) -> re.Pattern[str]:
    """`…` is any text; a line break and its indentation may be any (or no) white space."""
    parts = []
    for piece in re.split(r"(…|\n[ \t]*)", expected):
        if piece == "…":
            parts.append(".*?")
        elif piece.startswith("\n"):
            parts.append(r"\s*")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.S)


def _http(text: str) -> tuple[str, list[str], str] | None:
    """A `curl -i` transcript split in status line, header lines and body."""
    if not text.startswith("HTTP/"):
        return None
    head, _, body = text.partition("\n\n")
    status, *headers = head.split("\n")
    return status, headers, body


def mismatch(expected: str, actual: str) -> str | None:
    """Why `actual` is not what the page shows, or None."""
    actual = actual.replace("\r\n", "\n").strip()
    shown, got = _http(expected), _http(actual)
    if shown is None or got is None:
        if pattern(expected).fullmatch(actual):
            return None
        return "the output differs"
    status, headers, body = shown
    if not pattern(status).fullmatch(got[0]):
        return f"status {got[0]!r}, the page shows {status!r}"
    sent: dict[str, list[str]] = {}
    for header in got[1]:
        name, _, value = header.partition(":")
        sent.setdefault(name.strip().lower(), []).append(value.strip())
    for header in headers:
        name, _, value = header.partition(":")
        values = sent.get(name.strip().lower(), [])
        if not any(pattern(value.strip()).fullmatch(v) for v in values):
            return f"header {name.strip()}: sent {values}, the page shows {value.strip()!r}"
    if not pattern(body.strip()).fullmatch(got[2].strip()):
        return "the body differs"
    return None


def _checkout(folder: Path, template: Path) -> dict[str, str]:
    """A folder laid out like a checkout, with tokens in a copy of the seeded database;
    the environment the commands run in."""
    shutil.copytree(CONTENT, folder / "content")
    shutil.copytree(LOCALES, folder / "locales")
    shutil.copyfile(ROOT / "openapi.yaml", folder / "openapi.yaml")
    (folder / ".venv").symlink_to(Path(sys.executable).parent.parent)
    shutil.copyfile(template, folder / "vetted.db")
    db = open_database(folder / "vetted.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETTED_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for name, (role, locales) in TOKENS.items():
        _, env[name] = create_token(db, name=name.lower(), role=role, locales=locales)
    db.conn.close()
    return env


# When the suite itself runs under `make test`, the server's make is not a sub-make of it.
_PARENT_MAKE = frozenset({"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"})


@contextmanager
def make_serve(folder: Path, port: int) -> Iterator[None]:
    """The server as the pages say to start it: `make serve`, here with the page's database
    and port and one worker; stopped after. Its output goes to a file (a pipe nobody reads
    can fill and stall it), and a worker still busy five seconds after SIGTERM is killed:
    these pages test what the commands print, graceful shutdown has its own test."""
    log = (folder / "serve.log").open("wb")
    server = subprocess.Popen(
        ["make", "-s", "-C", str(ROOT), "serve", f"DB={folder / 'vetted.db'}", f"PORT={port}"],
        env={
            **{k: v for k, v in os.environ.items() if k not in _PARENT_MAKE},
            "VETTED_WORKERS": "1",
            "VETTED_ACCESS_LOG": "off",
            "VETTED_SHUTDOWN_TIMEOUT": "5",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (folder / "serve.log").read_text()
            assert time.monotonic() < deadline, "make serve did not become ready"
            time.sleep(0.2)
        yield
    finally:
        if server.poll() is None:
            # To make alone, which passes SIGTERM to `vetted serve` (granian's main process)
            # and waits for it, as the operators' page says to stop it: a signal to every
            # process at once can race granian's own stopping of its workers.
            os.kill(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
                raise AssertionError(
                    "make serve did not stop within 60 s of SIGTERM:\n"
                    + (folder / "serve.log").read_text()
                ) from None
        log.close()


def run_page(page: Path, folder: Path, template: Path) -> list[str]:
    """Run the page's transcript; one message per step whose output differs."""
    env = _checkout(folder, template)
    todo = steps(page)
    port = free_port()
    problems: list[str] = []

    def run_all() -> None:
        for step in todo:
            command = PORT.sub(f"127.0.0.1:{port}", step.command)
            done = subprocess.run(
                ["bash", "-c", f"{KEEP[0]}\n{command}\n{KEEP[1]}"],
                cwd=folder,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
            )
            actual = PORT.sub("127.0.0.1:8000", done.stdout.replace(f":{port}", ":8000"))
            why = mismatch(step.expected, actual)
            if why is not None:
                where = page.relative_to(ROOT)
                problems.append(
                    f"{where}:{step.line}: {why}\n$ {step.command}\n"
                    f"--- the page shows:\n{step.expected}\n--- it printed:\n{actual.strip()}\n"
                )

    if any(PORT.search(step.command) for step in todo):
        with make_serve(folder, port):
            run_all()
    else:
        run_all()
    return problems


@pytest.mark.parametrize("page", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_every_example_prints_what_its_page_shows(
    page: Path, tmp_path: Path, shipped_db: Path
) -> None:
    problems = run_page(page, tmp_path, shipped_db)
    assert problems == [], "\n".join(problems)


def test_the_output_check_fails_on_a_changed_output() -> None:
    shown = 'HTTP/1.1 200 OK\netag: "…"\ncontent-language: es\n\n{"locale":"es",\n "dir":"ltr",…}'
    sent = 'HTTP/1.1 200 OK\r\netag: "abc"\r\ncontent-language: es\r\nvary: x\r\n\r\n'
    assert mismatch(shown, sent + '{"locale":"es","dir":"ltr","more":1}') is None
    assert mismatch(shown, sent + '{"locale":"es","dir":"rtl"}') == "the body differs"
    assert mismatch(shown, sent.replace(": es", ": ar") + '{"locale":"es","dir":"ltr"}') == (
        "header content-language: sent ['ar'], the page shows 'es'"
    )
    assert mismatch(shown, sent.replace("200 OK", "404 Not Found") + "{}") is not None
    assert mismatch("error: …\nrefused", "error: x\nrefused") is None
    assert mismatch("error: …\nrefused", "error: x\naccepted") == "the output differs"
    assert mismatch("", "") is None and mismatch("", "something") is not None


def test_transcripts_are_read_as_commands_and_their_output(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text\n\n```console\n$ curl -s a \\\n    -H 'b'\n{\"x\":\n 1}\n$ vetted check\n```\n"
        "\n```sh\n$ not run\n```\n",
        encoding="utf-8",
    )
    assert steps(page) == [
        Step(4, "curl -s a \\\n    -H 'b'", '{"x":\n 1}'),
        Step(8, "vetted check", ""),
    ]


def test_the_documentation_has_examples_that_run() -> None:
    names = {str(page.relative_to(ROOT)) for page in EXAMPLES}
    assert {"README.md", "docs/getting-started.md", "docs/partners/index.md"} <= names


TS_FENCE = re.compile(r"^```ts\n(.*?)^```$", re.M | re.S)
NODE_BIN = ROOT / "contract" / "node_modules" / ".bin"
# The plain switch narrows (M1, fixed by the flat discriminated `BlockOut` of H1) ...
NAIVE = """import type { components } from "./vetted";
type Block = components["schemas"]["BlockOut"];
export const text = (b: Block): string | null => (b.type === "paragraph" ? b.text : null);
"""
# ... and a switch that forgets newer block types does not compile: `UnknownBlock` stays
# in the union, so the forward-compatibility rule is one a compiler enforces.
FORGETS_NEWER_TYPES = """import type { components } from "./vetted";
type Block = components["schemas"]["BlockOut"];
export function text(b: Block): string {
  switch (b.type) {
    case "paragraph": case "callout": return b.text;
    case "fact": return b.display;
    case "faq": return b.question;
    case "treatment_ref": return b.name;
    default: { const none: never = b; return none; }
  }
}
"""


def _tsc(folder: Path, source: str) -> subprocess.CompletedProcess[str]:
    (folder / "example.ts").write_text(source, encoding="utf-8")
    return subprocess.run(
        [
            str(NODE_BIN / "tsc"),
            *("--strict", "--noUncheckedIndexedAccess", "--noEmit", "--target", "es2022"),
            *("--module", "esnext", "--moduleResolution", "bundler", "example.ts", "vetted.d.ts"),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_typescript_example_compiles_against_the_contract(tmp_path: Path) -> None:
    """Each `ts` block of the docs type-checks under `tsc --strict` against the types
    openapi-typescript generates from openapi.yaml (the partner review's M1: a plain
    `switch (b.type)` narrows the block union; a switch without a branch for newer block
    types must not compile)."""
    generated = subprocess.run(
        [str(NODE_BIN / "openapi-typescript"), str(ROOT / "openapi.yaml"), "-o", "vetted.d.ts"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    examples = [
        (page, block.group(1))
        for page in PAGES
        for block in TS_FENCE.finditer(page.read_text(encoding="utf-8"))
    ]
    assert examples, "the docs show no TypeScript"
    for page, source in examples:
        checked = _tsc(tmp_path, source)
        assert checked.returncode == 0, f"{page.relative_to(ROOT)}:\n{checked.stdout}"
    naive = _tsc(tmp_path, NAIVE)
    assert naive.returncode == 0, naive.stdout
    forgetful = _tsc(tmp_path, FORGETS_NEWER_TYPES)
    assert forgetful.returncode != 0 and "not assignable to type 'never'" in forgetful.stdout
