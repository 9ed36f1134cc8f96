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
from typing import IO, Final, Literal

from lxml import etree

from integrations.formats.errors import FileTooLargeError, FormatError

DEFAULT_MAX_BYTES: Final = 200 * 1024 * 1024
ISO_NAMESPACE_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:"
_MESSAGE_NAME = re.compile(r"^[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$")
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

Element = etree._Element


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
    stream: IO[bytes],
    *,
    events: tuple[Literal["start", "end"], ...] = ("start", "end"),
    tags: tuple[str, ...] = (),
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[tuple[str, Element]]:
    """Stream (event, element) pairs with the same hardening as parse_xml.

    tags ("{*}Ntry", ...) limits the events to those elements; the tree is built regardless.
    The caller clears elements it has consumed: that is what keeps memory flat.
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


class _LimitedReader:
    """A file-like that refuses to deliver more than max_bytes."""

    def __init__(self, stream: IO[bytes], max_bytes: int, filename: str | None) -> None:
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


def namespace(element: Element) -> str:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return ""


def children(element: Element, name: str) -> list[Element]:
    return list(element.iterchildren(_any_namespace(name)[0]))


def child(element: Element, name: str) -> Element | None:
    return next(element.iterchildren(_any_namespace(name)[0]), None)


def index(element: Element | None) -> dict[str, Element]:
    """The first child of each local name: one pass instead of one search per field."""
    found: dict[str, Element] = {}
    if element is None:
        return found
    for candidate in element:
        tag = candidate.tag
        if isinstance(tag, str):
            name = tag[tag.rfind("}") + 1 :]
            if name not in found:
                found[name] = candidate
    return found


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
    # "{*}" matches a tag in any namespace or none; the match runs in lxml's C code, which
    # matters at 25 lookups per entry and 100,000 entries per statement.
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


def message_name(root: Element) -> str:
    """The ISO message name ("camt.053.001.02") from the namespace.

    Falls back to an attribute whose value is an ISO namespace, because one bank spells the
    namespace declaration `Xmlns=` and so sends a document in no namespace.
    """
    candidates = [namespace(root), *(str(v) for v in root.attrib.values())]
    for candidate in candidates:
        if candidate.startswith(ISO_NAMESPACE_PREFIX):
            name = candidate[len(ISO_NAMESPACE_PREFIX) :].strip()
            if _MESSAGE_NAME.match(name):
                return name
    return ""
