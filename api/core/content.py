"""Reading and writing content YAML: safe parsing with line numbers, model validation,
and the canonical serialisation that `vetted export` writes back.

`check_article` and `check_treatments` are the one validation of content on every path
(files, `vetted check`, drafts over HTTP): size limits, the text policy of
`api.core.text` on every string (they return the values in NFC), the rules the types
cannot state."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple, TypeVar

import msgspec
import yaml
from babel.numbers import list_currencies

from api.core.catalog_domains import RESERVED_DOMAINS
from api.core.errors import ValidationFailed
from api.core.evidence import stale_claims
from api.core.history import HistoryLog
from api.core.messages import article_messages, treatment_messages
from api.core.model import (
    Article,
    Fact,
    Section,
    TextBlock,
    Treatment,
    TreatmentCatalog,
    TreatmentRef,
    walk_sections,
)
from api.core.negotiation import DEFAULT_LOCALE, canonical_locale
from api.core.nesting import MAX_DEPTH
from api.core.text import nfc, text_problem

__all__ = [
    "MAX_ARTICLE_BLOCKS",
    "MAX_ARTICLE_CHARS",
    "MAX_ARTICLE_SECTIONS",
    "MAX_REFERENCES",
    "MAX_SECTION_DEPTH",
    "MAX_TREATMENTS",
    "MAX_YAML_BYTES",
    "check_article",
    "check_claims",
    "check_records",
    "check_references",
    "check_treatments",
    "claim_citations",
    "dump_yaml",
    "line_of",
    "parse_article",
    "parse_history_log",
    "parse_treatments",
    "unknown_citation",
    "unknown_treatment",
    "yaml_lines",
]

MAX_YAML_BYTES = 2_000_000
MAX_ARTICLE_CHARS = 200_000
"""Characters of text in one article (title, headings, blocks), about 20 times the
article we ship; the treatment records together have the same limit. Every version is
rendered in every locale, so this bounds what one publication writes."""
MAX_ARTICLE_BLOCKS = 2_000
MAX_ARTICLE_SECTIONS = 500
MAX_SECTION_DEPTH = 6
"""Levels of sections (HTML's six heading levels; the shipped article uses two). A section
document holds its subsections, so each level stores its text once more: this bounds that."""
MAX_TREATMENTS = 500
MAX_REFERENCES = 500
"""Entries of one article's reference list."""
_MAX_LIST = 20
"""Audiences of an article; forms and regulatory statements of a treatment."""
_T = TypeVar("_T", bound=msgspec.Struct)
_PATH_IN_ERROR = re.compile(r" - at `(\$[^`]*)`$")
_CURRENCIES = frozenset(list_currencies())
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


def parse_article(text: str | bytes, file: str) -> Article:
    """Parse and validate one article file; errors name `file:line`."""
    article, lines = _decode(text, file, Article)
    return _check_article(article, file, lines, "$", decoded=True)


def check_article(
    article: Article, file: str = "", lines: dict[str, int] | None = None, prefix: str = "$"
) -> Article:
    """The article as it may be stored (its text in NFC), or ValidationFailed: size
    limits, the text policy, a source locale we serve, unique ids, nesting, sound facts.

    Errors carry the JSON path of the offending field (below `prefix`), and `file:line`
    when the article came from a file.
    """
    return _check_article(article, file, lines or {}, prefix, decoded=False)


def _check_article(
    article: Article, file: str, known: dict[str, int], prefix: str, *, decoded: bool
) -> Article:
    sections = walk_sections(article.sections)
    _check_size(
        sum(len(m.source) for m in article_messages(article)),
        f"{prefix}.sections",
        file,
        known,
        [
            (len(sections), MAX_ARTICLE_SECTIONS, "sections"),
            (sum(len(s.blocks) for s in sections), MAX_ARTICLE_BLOCKS, "blocks"),
            (len(article.audience), _MAX_LIST, "audiences"),
            (len(article.about), _MAX_LIST, "conditions"),
        ],
    )
    article = _plain_text(article, prefix, file, known, decoded=decoded)
    if article.slug in RESERVED_DOMAINS:
        raise _fail(
            f"the slug {article.slug!r} is reserved (it names a catalog: "
            f"{', '.join(sorted(RESERVED_DOMAINS))})",
            file,
            known,
            f"{prefix}.slug",
        )
    try:
        source = canonical_locale(article.locale)
    except ValueError as exc:
        raise _fail(str(exc), file, known, f"{prefix}.locale") from exc
    if source != DEFAULT_LOCALE:
        raise _fail(
            f"the source locale is {DEFAULT_LOCALE!r} (readers get the source text as "
            f"{DEFAULT_LOCALE!r}); translations come in catalogs",
            file,
            known,
            f"{prefix}.locale",
        )
    cited = _check_references_list(article, prefix, file, known)
    seen: set[str] = set()
    for index, section in _indexed_sections(article.sections, f"{prefix}.sections"):
        if section.id in seen:
            raise _fail(f"duplicate section id {section.id!r}", file, known, index + ".id")
        seen.add(section.id)
        if index.count(".sections[") > MAX_SECTION_DEPTH:
            raise _fail(
                f"sections nest at most {MAX_SECTION_DEPTH} levels deep",
                file,
                known,
                index,
            )
        _check_section(section, index, file, known, cited)
    # msgspec omits a default by identity: the constant, not an equal string from Babel.
    return msgspec.structs.replace(article, locale=DEFAULT_LOCALE)


def parse_history_log(text: str | bytes, file: str) -> HistoryLog:
    """Parse an article's history log (`content/history/<slug>/log.yaml`); errors name
    `file:line`. Its rules against the versions it lists are `api.core.history`'s."""
    log, lines = _decode(text, file, HistoryLog)
    return _plain_text(log, "$", file, lines, decoded=True)


def parse_treatments(text: str | bytes, file: str) -> TreatmentCatalog:
    """Parse and validate the treatments file; errors name `file:line`."""
    catalog, lines = _decode(text, file, TreatmentCatalog)
    return _check_treatments(catalog, file, lines, "$", decoded=True)


def check_treatments(
    catalog: TreatmentCatalog,
    file: str = "",
    lines: dict[str, int] | None = None,
    prefix: str = "$",
) -> TreatmentCatalog:
    """The treatment records as they may be stored (text in NFC), or ValidationFailed:
    size, the text policy, unique ids."""
    return _check_treatments(catalog, file, lines or {}, prefix, decoded=False)


def _check_treatments(
    catalog: TreatmentCatalog, file: str, known: dict[str, int], prefix: str, *, decoded: bool
) -> TreatmentCatalog:
    chars = sum(len(m.source) for m in treatment_messages(catalog))
    lists = max((max(len(t.forms), len(t.regulatory)) for t in catalog.treatments), default=0)
    _check_size(
        chars,
        f"{prefix}.treatments",
        file,
        known,
        [
            (len(catalog.treatments), MAX_TREATMENTS, "treatments"),
            (lists, _MAX_LIST, "forms or regulatory statements in one treatment"),
        ],
    )
    catalog = _plain_text(catalog, prefix, file, known, decoded=decoded)
    ids: set[str] = set()
    for n, treatment in enumerate(catalog.treatments):
        if treatment.id in ids:
            raise _fail(
                f"duplicate treatment id {treatment.id!r}",
                file,
                known,
                f"{prefix}.treatments[{n}].id",
            )
        ids.add(treatment.id)
    return catalog


def _check_size(
    chars: int, path: str, file: str, lines: dict[str, int], counts: list[tuple[int, int, str]]
) -> None:
    if chars > MAX_ARTICLE_CHARS:
        raise _fail(
            f"{chars} characters of text; the limit is {MAX_ARTICLE_CHARS}", file, lines, path
        )
    for count, limit, what in counts:
        if count > limit:
            raise _fail(f"{count} {what}; the limit is {limit}", file, lines, path)


def _walk(node: Any, path: str, file: str, lines: dict[str, int]) -> Any:
    """`node` with every string in NFC, or ValidationFailed naming the first that breaks
    the text policy. (A function of the module: a nested one that calls itself is a
    reference cycle, which kept each article's line map until the next full collection.)"""
    if isinstance(node, str):
        problem = text_problem(node)
        if problem is not None:
            raise _fail(f"{problem.reason} (at {path})", file, lines, path)
        return nfc(node)
    if isinstance(node, dict):
        return {key: _walk(item, f"{path}.{key}", file, lines) for key, item in node.items()}
    if isinstance(node, list | tuple):
        return [_walk(item, f"{path}[{n}]", file, lines) for n, item in enumerate(node)]
    return node


def _plain_text(
    value: _T, prefix: str, file: str, lines: dict[str, int], *, decoded: bool = False
) -> _T:
    """`value` with every string in NFC, or ValidationFailed naming the first string that
    breaks the text policy (ids and codes too: they have patterns, but one walk is simpler
    than a list of the fields that hold text).

    `decoded`: msgspec has just made `value` from plain data, so it holds the constraints
    of its type and needs no second conversion unless NFC changed a string.
    """
    data = msgspec.to_builtins(value)
    # Most values break no rule and are in NFC already: then the walk, and the path it
    # builds for every node, would change nothing. (The conversion back still checks a
    # value made in code, as it checks one whose text NFC lengthened.)
    if not all(text_problem(text) is None and nfc(text) == text for text in _strings(data)):
        data = _walk(data, prefix, file, lines)
    elif decoded:
        return value
    try:
        return msgspec.convert(data, type(value))
    except msgspec.ValidationError as exc:
        # NFC lengthens a few texts (U+0958 is two characters in NFC): the limits still hold.
        match = _PATH_IN_ERROR.search(str(exc))
        path = prefix + match.group(1)[1:] if match else prefix
        raise _fail(f"{_PATH_IN_ERROR.sub('', str(exc))} in NFC", file, lines, path) from exc


def _strings(data: Any) -> list[str]:
    """The strings among plain values (not the keys), in no particular order."""
    out: list[str] = []
    todo = [data]
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple):
            todo.extend(node)
    return out


def claim_citations(treatment: Treatment) -> list[tuple[str, tuple[str, ...]]]:
    """(JSON path below the record, cited ids) of every claim of a record that cites."""
    out: list[tuple[str, tuple[str, ...]]] = [("kind", treatment.kind.cites)]
    out += [(f"forms[{n}]", f.cites) for n, f in enumerate(treatment.forms)]
    out += [(f"regulatory[{n}]", r.cites) for n, r in enumerate(treatment.regulatory)]
    out += [(f"audience[{n}]", a.cites) for n, a in enumerate(treatment.audience)]
    if treatment.suitable_for is not None:
        out.append(("suitable_for", treatment.suitable_for.cites))
    out += [(f"cautions[{n}]", c.cites) for n, c in enumerate(treatment.cautions)]
    out += [(f"requirements[{n}]", r.cites) for n, r in enumerate(treatment.requirements)]
    return [(path, cites) for path, cites in out if cites]


def check_references(
    articles: Iterable[Article],
    treatments: TreatmentCatalog,
    *,
    evidence: bool = True,
    prefix: str = "$",
) -> None:
    """Cross-file checks: every reference between articles and treatments resolves, and
    (unless `evidence` is False) every claim of a record quotes its cited block of the
    given version of its article word for word.

    `evidence=False` is for a draft that proposes no records: the published records beside
    it are not the author's to refuse; what the draft's article breaks in them is shown as
    stale in its diff and stops its publication instead.

    A claim citing a reference its article does not list is refused, its path below
    `prefix` (the JSON of the records: `$.treatments[n].regulatory[0].cites[0]`).

    The same checks as `check_records`, then `unknown_treatment` of each article in turn,
    then `check_claims` (when `evidence`): the first that fails raises.
    """
    articles = list(articles)
    check_records(articles, treatments, prefix=prefix)
    known = frozenset(t.id for t in treatments.treatments)
    for article in articles:
        if (refused := unknown_treatment(article, known)) is not None:
            raise refused
    if evidence:
        check_claims(articles, treatments)


def check_records(
    articles: Iterable[Article], treatments: TreatmentCatalog, *, prefix: str = "$"
) -> None:
    """The records' side of `check_references`: each record's citations, forms, audiences
    and section. Only the articles the records name are read: `articles` may hold those
    alone."""
    articles = list(articles)
    references = {a.slug: frozenset(r.id for r in a.references) for a in articles}
    refused = [
        ValidationFailed(
            f"treatment {treatment.id!r} {path} " + _refused_citation(unknown[1], listed),
            path=f"{prefix}.treatments[{n}].{path}.cites[{unknown[0]}]",
        )
        for n, treatment in enumerate(treatments.treatments)
        # an unknown article is refused below, by its section
        if (listed := references.get(treatment.article)) is not None
        for path, cites in claim_citations(treatment)
        if (unknown := unknown_citation(cites, listed)) is not None
    ]
    if refused:
        raise ValidationFailed.every(refused)
    sections = {(a.slug, s.id) for a in articles for s in walk_sections(a.sections)}
    for treatment in treatments.treatments:
        for kind, values in (
            ("form", [f.form for f in treatment.forms]),
            ("audience", [a.audience for a in treatment.audience]),
        ):
            if len(set(values)) != len(values):
                raise ValidationFailed(
                    f"treatment {treatment.id!r} names a {kind} twice",
                    path=f"treatments/{treatment.id}",
                )
        if (treatment.article, treatment.section) not in sections:
            raise ValidationFailed(
                f"treatment {treatment.id!r} names unknown section "
                f"{treatment.article}/{treatment.section}",
                path=f"treatments/{treatment.id}",
            )


def unknown_treatment(article: Article, known: Collection[str]) -> ValidationFailed | None:
    """The refusal of the first block of `article` naming a treatment not in `known`."""
    for section in walk_sections(article.sections):
        for block in section.blocks:
            ref = block.treatment if isinstance(block, TreatmentRef | Fact) else None
            if ref is not None and ref not in known:
                return ValidationFailed(
                    f"block {section.id}/{block.id} names unknown treatment {ref!r}",
                    path=f"{article.slug}/{section.id}/{block.id}",
                )
    return None


def check_claims(articles: Iterable[Article], treatments: TreatmentCatalog) -> None:
    """Every claim of a record quotes its cited block word for word (the records of the
    articles given; the others' are not checked)."""
    unsupported = stale_claims(articles, treatments)
    if unsupported:
        raise ValidationFailed.every(
            [
                ValidationFailed(s.sentence(), path=f"treatments/{s.treatment}/{s.field}")
                for s in unsupported
            ]
        )


def yaml_lines(text: str | bytes) -> dict[str, int]:
    """The line of every JSON path of a YAML file that parsed (for errors found after it
    was read, such as a record citing a reference its article does not list)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    read = _read_plain(text)
    return read[1] if read is not None else _read_refusing(text, "")[1]


def line_of(path: str, lines: dict[str, int]) -> int | None:
    """The line of `path` (or of the nearest enclosing path) in a file's `lines`."""
    return _line_of(path, lines)


def dump_yaml(value: msgspec.Struct) -> str:
    """The canonical YAML text of a content value (what export writes, byte for byte)."""
    return yaml.safe_dump(
        msgspec.to_builtins(value),
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )


def _check_references_list(
    article: Article, prefix: str, file: str, lines: dict[str, int]
) -> frozenset[str]:
    """The ids of the article's references, each entry checked: a unique id, authors or a
    publisher, and a URL or a DOI."""
    if len(article.references) > MAX_REFERENCES:
        raise _fail(
            f"{len(article.references)} references; the limit is {MAX_REFERENCES}",
            file,
            lines,
            f"{prefix}.references",
        )
    ids: set[str] = set()
    for n, reference in enumerate(article.references):
        where = f"{prefix}.references[{n}]"
        if reference.id in ids:
            raise _fail(f"duplicate reference id {reference.id!r}", file, lines, where + ".id")
        ids.add(reference.id)
        if not reference.authors and reference.publisher is None:
            raise _fail(
                f"reference {reference.id!r} names neither authors nor a publisher",
                file,
                lines,
                where,
            )
        if reference.url is None and reference.doi is None:
            raise _fail(
                f"reference {reference.id!r} has neither a url nor a doi", file, lines, where
            )
    return frozenset(ids)


def unknown_citation(cites: tuple[str, ...], known: Collection[str]) -> tuple[int, str] | None:
    """The first cited id (with its index) that is not among `known`, or None."""
    for n, ref in enumerate(cites):
        if ref not in known:
            return n, ref
    return None


def _refused_citation(ref: str, known: Collection[str]) -> str:
    listed = ", ".join(sorted(known)) if known else "none"
    return f"cites unknown reference {ref!r} (the article's references: {listed})"


def _check_section(
    section: Section,
    index: str,
    file: str,
    lines: dict[str, int],
    cited: frozenset[str] = frozenset(),
) -> None:
    for n, child in enumerate(section.sections):
        if not child.id.startswith(section.id + "/"):
            raise _fail(
                f"nested section id {child.id!r} must start with {section.id + '/'!r}",
                file,
                lines,
                f"{index}.sections[{n}].id",
            )
    block_ids: set[str] = set()
    for n, block in enumerate(section.blocks):
        where = f"{index}.blocks[{n}]"
        if block.id in block_ids:
            raise _fail(
                f"duplicate block id {block.id!r} in section {section.id!r}",
                file,
                lines,
                where + ".id",
            )
        block_ids.add(block.id)
        if (
            isinstance(block, TextBlock)
            and (unknown := unknown_citation(block.cites, cited)) is not None
        ):
            raise _fail(
                f"block {section.id}/{block.id} " + _refused_citation(unknown[1], cited),
                file,
                lines,
                f"{where}.cites[{unknown[0]}]",
            )
        if isinstance(block, Fact):
            _check_fact(block, where, file, lines)


def _check_fact(fact: Fact, where: str, file: str, lines: dict[str, int]) -> None:
    if fact.min > fact.max:
        raise _fail(
            f"fact {fact.id!r}: min {fact.min} is greater than max {fact.max}",
            file,
            lines,
            where + ".min",
        )
    if fact.kind == "duration" and (fact.unit is None or fact.currency is not None):
        raise _fail(
            f"duration fact {fact.id!r} needs a unit and no currency", file, lines, where + ".unit"
        )
    if fact.kind == "cost":
        if fact.currency is None or fact.unit is not None:
            raise _fail(
                f"cost fact {fact.id!r} needs a currency and no unit",
                file,
                lines,
                where + ".currency",
            )
        if fact.currency not in _CURRENCIES:
            raise _fail(f"unknown currency {fact.currency!r}", file, lines, where + ".currency")


def _indexed_sections(sections: tuple[Section, ...], prefix: str) -> list[tuple[str, Section]]:
    out: list[tuple[str, Section]] = []
    for n, section in enumerate(sections):
        index = f"{prefix}[{n}]"
        out.append((index, section))
        out.extend(_indexed_sections(section.sections, index + ".sections"))
    return out


def _fail(detail: str, file: str, lines: dict[str, int], path: str) -> ValidationFailed:
    return ValidationFailed(detail, file=file, line=_line_of(path, lines), path=path)


def _line_of(path: str, lines: dict[str, int]) -> int | None:
    # An error may point below the deepest node we know (a missing field): walk up.
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return lines.get("$")


# libyaml's safe loader when PyYAML was built with it: ten times faster on large imports.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _decode(text: str | bytes, file: str, model: type[_T]) -> tuple[_T, dict[str, int]]:
    if len(text) > MAX_YAML_BYTES:
        # The line where the limit is crossed, so the editor sees where to cut.
        head = text[:MAX_YAML_BYTES]
        line = (head.count(b"\n") if isinstance(head, bytes) else head.count("\n")) + 1
        raise ValidationFailed(f"file is larger than {MAX_YAML_BYTES} bytes", file=file, line=line)
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(
                f"not UTF-8: {exc.reason} at byte {exc.start}",
                file=file,
                line=data.count(b"\n", 0, exc.start) + 1,
            ) from exc
    # A file is read in one pass unless it has something to refuse: then the reference
    # reader reads it again and names the problem and its line.
    read = _read_plain(text)
    value, lines = read if read is not None else _read_refusing(text, file)
    try:
        return msgspec.convert(value, model), lines
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _PATH_IN_ERROR.search(message)
        path = match.group(1) if match else "$"
        detail = _PATH_IN_ERROR.sub("", message)
        raise ValidationFailed(
            f"{detail} (at {path})", file=file, line=_line_of(path, lines), path=path
        ) from exc


def _read_refusing(text: str, file: str) -> tuple[Any, dict[str, int]]:
    """The plain value of `text` and the line of every path, or ValidationFailed saying
    what is refused and where: the reference reader, which `_read_plain` must agree with."""
    try:
        _refuse_anchors_and_depth(text, file)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        # libyaml stops very deep flow collections itself, before our depth check sees them.
        deep = "nesting depth" in str(exc.problem)
        problem = (
            f"YAML nests deeper than {MAX_DEPTH} levels" if deep else f"YAML syntax: {exc.problem}"
        )
        raise ValidationFailed(problem, file=file, line=mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"YAML: {exc}", file=file) from exc
    if node is None:
        raise ValidationFailed("file is empty", file=file, line=1)
    lines: dict[str, int] = {}
    return _to_python(node, "$", _Reader(lines, file, yaml.SafeLoader(""))), lines


def _refuse_anchors_and_depth(text: str, file: str) -> None:
    # Aliases are how "billion laughs" documents expand; content never needs them. The
    # event stream is read without recursion, so nesting is measured here before the
    # (recursive) composer would see it.
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line: int | None = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ValidationFailed("YAML anchors and aliases are not allowed", file=file, line=line)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ValidationFailed(
                    f"YAML nests deeper than {MAX_DEPTH} levels", file=file, line=line
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


class _Reader(NamedTuple):
    lines: dict[str, int]
    file: str
    scalars: yaml.SafeLoader


def _to_python(node: yaml.Node, path: str, reader: _Reader) -> Any:
    """Build plain values from a composed node, remembering the line of every path.

    Non-standard tags are refused, so a file can only ever construct plain data.
    """
    line = reader.lines[path] = node.start_mark.line + 1
    if node.tag not in _PLAIN_TAGS:
        raise ValidationFailed(f"YAML tag {node.tag!r} is not allowed", file=reader.file, line=line)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if not isinstance(key_node, yaml.ScalarNode) or key in out:
                raise ValidationFailed(
                    f"invalid or duplicate key {key!r}",
                    file=reader.file,
                    line=key_node.start_mark.line + 1,
                )
            out[key] = _to_python(value_node, f"{path}.{key}", reader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, f"{path}[{n}]", reader) for n, item in enumerate(node.value)]
    return reader.scalars.construct_object(node)


_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_TAGS = _PLAIN_TAGS - {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_CONSTRUCTORS = yaml.SafeLoader.yaml_constructors
_SCALARS = yaml.SafeLoader("")
"""Builds implicit ints, floats, timestamps…: their constructors keep no state."""
_NOTHING = object()


def _read_plain(text: str) -> tuple[Any, dict[str, int]] | None:
    """What `_read_refusing` returns, in one pass over libyaml's events instead of a
    parse, a compose and a walk; None when the text has anything that reader refuses (or
    that this one leaves to it: tags on collections, constructor errors), so that it names
    the problem with its line.

    Iterative (a stack of open collections), so depth costs no recursion.
    """
    loader = _LOADER(text)
    try:
        # get_event gives None after the end of the stream.
        return _build(iter(loader.get_event, None))
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


# One loop over libyaml's events with the state in locals: a method per event kind would
# cost a call per event on the import's hot path (docs/decisions/yaml-reader.md).
def _build(events: Iterable[Any]) -> tuple[Any, dict[str, int]] | None:  # noqa: C901
    lines: dict[str, int] = {}
    root: Any = _NOTHING
    documents = 0
    # The innermost open collection (None at the top), its path, whether it is a mapping,
    # and in a mapping the key whose value comes next (_NOTHING while a key is awaited);
    # the stack keeps the same for the collections around it.
    top: Any = None
    where = ""
    in_map = False
    key: Any = _NOTHING
    stack: list[tuple[Any, str, bool, Any]] = []
    scalar, mapping, sequence = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    implicit = _LOADER.yaml_implicit_resolvers
    for event in events:
        kind = type(event)
        if kind is scalar:
            if event.anchor is not None:
                return None
            value = event.value
            if in_map and key is _NOTHING:
                # A key is its text, whatever its tag (as `_to_python` reads it).
                if value in top:
                    return None
                key = value
                continue
            tag = event.tag
            if tag is None or tag == "!":
                tag = _STR_TAG
                if event.implicit[0] and (value[:1] in implicit or None in implicit):
                    tag = _implicit_tag(implicit, value)
            if tag != _STR_TAG:
                if tag not in _SCALAR_TAGS:
                    return None
                try:
                    value = _CONSTRUCTORS[tag](_SCALARS, yaml.ScalarNode(tag, value))
                except Exception:  # the reference reader raises it again
                    return None
        elif kind is mapping or kind is sequence:
            if event.anchor is not None or event.tag not in (None, "!"):
                return None
            if in_map and key is _NOTHING:
                return None
            value = {} if kind is mapping else []
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            top, where, in_map, key = stack.pop()
            continue
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                return None
            continue
        elif kind is yaml.AliasEvent:
            return None
        else:
            continue
        if in_map:
            path = f"{where}.{key}"
            top[key] = value
            key = _NOTHING
        elif top is not None:
            path = f"{where}[{len(top)}]"
            top.append(value)
        else:
            path = "$"
            root = value
        lines[path] = event.start_mark.line + 1
        if kind is not scalar:
            stack.append((top, where, in_map, key))
            if len(stack) > MAX_DEPTH:
                return None
            top, where, in_map = value, path, kind is mapping
    return None if root is _NOTHING else (root, lines)


def _implicit_tag(resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]], value: str) -> str:
    """The tag of a plain scalar without one, as the loader's resolver gives it: the first
    whose pattern for the scalar's first character (or for any) matches, else a string."""
    for first in (value[:1], None):
        for tag, pattern in resolvers.get(first, ()):
            if pattern.match(value):
                return tag
    return _STR_TAG
