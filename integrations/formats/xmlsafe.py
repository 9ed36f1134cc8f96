"""Hardened XML parsing for bank files, and element lookups by local name.

Bank files come from outside: a parser that resolves entities or fetches DTDs would let a
crafted file read local files (XXE) or exhaust memory (billion laughs). ISO 20022 messages
never need a DOCTYPE, so any document that declares one is refused outright.

Elements are looked up by local name so that camt.053.001.02 and .001.08, and a document
that lost its namespace, read alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Final, Literal, Protocol

from lxml import etree

from integrations.formats.errors import FileTooLargeError, FormatError

DEFAULT_MAX_BYTES: Final = 200 * 1024 * 1024
ISO_NAMESPACE_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:"
_MESSAGE_NAME = re.compile(r"^[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$")
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

Element = etree._Element


class Readable(Protocol):
    """What the streaming parser reads from: a binary file, io.BytesIO, or a wrapper of one."""

    def read(self, size: int = -1, /) -> bytes: ...


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Element:
    """Parse a whole document; refuse oversize input, DOCTYPEs and broken XML with FormatError."""
    if len(data) > max_bytes:
        raise FileTooLargeError(f"file is {len(data)} bytes, above the limit of {max_bytes}", filename=filename)
    _refuse_declared_doctype(data, filename)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, filename) from exc
    _refuse_doctype(root, filename)
    return root


def iterparse_xml(
    stream: Readable,
    *,
    events: tuple[Literal["start", "end"], ...] = ("start", "end"),
    tags: tuple[str, ...] = (),
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    remove_blank_text: bool = False,
) -> Iterator[tuple[str, Element]]:
    """Stream (event, element) pairs with the same hardening as parse_xml.

    tags ("{*}Ntry", ...) limits the events to those elements; the tree is built regardless.
    The caller clears elements it has consumed: that is what keeps memory flat.
    remove_blank_text drops the whitespace between elements (not the text of an element
    without children), which makes a smaller tree, for a reader that strips what it reads.
    """
    limited = _LimitedReader(stream, max_bytes, filename)
    parser = etree.iterparse(
        limited,
        events=events,
        tag=tags or None,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=remove_blank_text,
    )
    checked = False
    try:
        for event, element in parser:
            if not checked:
                # The prolog (and any DOCTYPE) has been read by the time the root starts.
                _refuse_doctype(element, filename)
                checked = True
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, filename) from exc
    if not checked and parser.root is not None:
        _refuse_doctype(parser.root, filename)


# The prolog (declaration, comments, processing instructions) and the root element's start tag.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ROOT_START_TAG = re.compile(
    rb"<(?P<name>[A-Za-z_][\w.\-]*)(?P<attributes>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>"
)
_ATTRIBUTE = re.compile(rb"""\s+(?P<name>[^\s=/>]+)\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')""")
_HEAD_BYTES: Final = 64 * 1024


def without_default_namespace(stream: Readable) -> tuple[Readable, str]:
    """The stream with its root element's default namespace declaration blanked out, and that
    namespace ("" when there was none to blank out).

    For a reader that looks elements up by local name only: lxml builds every tag of a document
    in a namespace as "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.02}Amt", and spelling and
    hashing those long names is an eighth of what reading a camt entry costs. The declaration
    is overwritten with blanks (its line breaks kept), so byte counts and line numbers do not
    change. Anything unusual (a prefixed root, a declaration with an entity, an encoding that
    is not ASCII-compatible, a start tag past the first 64 KiB) leaves the stream as it is.
    """
    head = stream.read(_HEAD_BYTES)
    position = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while (item := _PROLOG_ITEM.match(head, position)) is not None and item.end() > position:
        position = item.end()
    tag = _ROOT_START_TAG.match(head, position)
    if tag is None:
        return _Prepended(head, stream), ""
    declarations = [
        found
        for found in _ATTRIBUTE.finditer(head, tag.start("attributes"), tag.end("attributes"))
        if found["name"] == b"xmlns"
    ]
    if len(declarations) != 1:
        return _Prepended(head, stream), ""
    found = declarations[0]
    value = found["double"] if found["double"] is not None else found["single"]
    if b"&" in value:
        return _Prepended(head, stream), ""
    blanked = re.sub(rb"[^\r\n]", b" ", found[0])
    return _Prepended(head[: found.start()] + blanked + head[found.end() :], stream), value.decode("utf-8", "replace")


class _Prepended:
    """A file-like that reads `head`, then the rest of `stream`."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size < 0:
            chunk, self._head = self._head + self._stream.read(), b""
            return chunk
        chunk, self._head = self._head[:size], self._head[size:]
        return chunk


class _LimitedReader:
    """A file-like that refuses to deliver more than max_bytes."""

    def __init__(self, stream: Readable, max_bytes: int, filename: str | None) -> None:
        self._stream = stream
        self._left = max_bytes
        self._max_bytes = max_bytes
        self._filename = filename

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size if size >= 0 else self._left + 1)
        self._left -= len(chunk)
        if self._left < 0:
            raise FileTooLargeError(f"file is above the limit of {self._max_bytes} bytes", filename=self._filename)
        return chunk


def _refuse_declared_doctype(data: bytes, filename: str | None) -> None:
    # Checked on the bytes too, so that the refusal reads the same whatever libxml2 makes of
    # the declarations (it stops some expansions itself, with a less telling message).
    root_start = _ROOT_START.search(data)
    prolog = data[: root_start.start()] if root_start else data
    if _DECLARATION.search(prolog):
        raise FormatError(
            "a DOCTYPE or ENTITY declaration is not allowed in a bank file",
            filename=filename,
            line=prolog.count(b"\n") + 1,
        )


def _refuse_doctype(element: Element, filename: str | None) -> None:
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise FormatError(
            "a DOCTYPE or ENTITY declaration is not allowed in a bank file",
            filename=filename,
            line=1,
        )


def _syntax_error(exc: etree.XMLSyntaxError, filename: str | None) -> FormatError:
    line = exc.lineno if exc.lineno else None
    message = exc.msg or str(exc)
    if "amplification" in message or "entity" in message.lower():
        message = f"entity references and DOCTYPE or ENTITY declarations are not allowed: {message}"
    return FormatError(f"not well-formed XML: {message}", filename=filename, line=line)


# --- lookups by local name ----------------------------------------------------------------


def local_name(element: Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


class _LocalNames(dict[object, str]):
    """Tag -> local name ("{urn:...}Amt" -> "Amt"; "" for a comment or entity), worked out once per
    tag: a reader that visits every element asks for the same few dozen tags again and again."""

    _MAX_SIZE: Final = 4096  # a document may invent any number of tags; the cache stays bounded

    def __missing__(self, tag: object) -> str:
        if len(self) >= self._MAX_SIZE:
            self.clear()
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        self[tag] = name
        return name


LOCAL_NAMES: Final = _LocalNames()


def namespace(element: Element) -> str:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return ""


def children(element: Element, name: str) -> list[Element]:
    return list(element.iterchildren(_any_namespace(name)[0]))


def child(element: Element, name: str) -> Element | None:
    return next(element.iterchildren(_any_namespace(name)[0]), None)


def find(element: Element, path: str) -> Element | None:
    """Follow a slash-separated path of local names, taking the first match at each step."""
    current: Element | None = element
    for step in _any_namespace(path):
        if current is None:
            return None
        current = next(current.iterchildren(step), None)
    return current


def find_all(element: Element, path: str) -> list[Element]:
    """Every element at the end of a slash-separated path of local names."""
    current = [element]
    for step in _any_namespace(path):
        current = [found for parent in current for found in parent.iterchildren(step)]
    return current


@functools.cache
def _any_namespace(path: str) -> tuple[str, ...]:
    # "{*}" matches a tag in any namespace or none; the match runs in lxml's C code.
    return tuple(f"{{*}}{step}" for step in path.split("/"))


def text(element: Element | None, path: str = "") -> str:
    """The stripped text at path below element, or "" when absent."""
    target = element if not path or element is None else find(element, path)
    if target is None or target.text is None:
        return ""
    return target.text.strip()


def texts(element: Element, path: str) -> list[str]:
    return [t for t in (text(e) for e in find_all(element, path)) if t]


def first_text(element: Element, paths: Iterable[str]) -> str:
    for path in paths:
        value = text(element, path)
        if value:
            return value
    return ""


def message_name(root: Element, root_namespace: str | None = None) -> str:
    """The ISO message name ("camt.053.001.02") from the namespace (root_namespace when given:
    the one without_default_namespace took away).

    Falls back to an attribute whose value is an ISO namespace, because one bank spells the
    namespace declaration `Xmlns=` and so sends a document in no namespace.
    """
    candidates = [root_namespace or namespace(root), *(str(v) for v in root.attrib.values())]
    for candidate in candidates:
        if candidate.startswith(ISO_NAMESPACE_PREFIX):
            name = candidate[len(ISO_NAMESPACE_PREFIX) :].strip()
            if _MESSAGE_NAME.match(name):
                return name
    return ""
