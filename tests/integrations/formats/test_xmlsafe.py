"""Hardened parsing, the vendored XSDs and their checksums."""

from __future__ import annotations

import hashlib
import io

import pytest
from lxml import etree

from integrations.formats import xsd
from integrations.formats.errors import FileTooLargeError, FormatError
from integrations.formats.xmlsafe import (
    iterparse_xml,
    local_name,
    message_name,
    parse_xml,
    text,
)
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><MsgId>&xxe;</MsgId></Document>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def test_parse_xml_refuses_an_external_entity() -> None:
    """XXE: a DOCTYPE declaring a SYSTEM entity is refused before anything reads it."""
    with pytest.raises(FormatError, match="DOCTYPE or ENTITY") as caught:
        parse_xml(XXE, filename="evil.xml")

    assert caught.value.filename == "evil.xml"
    assert "root:" not in str(caught.value)  # /etc/passwd content never reaches the message


def test_parse_xml_refuses_billion_laughs() -> None:
    """Nested entity expansion is refused, not expanded (the expansion would be ~3 GB)."""
    with pytest.raises(FormatError, match="DOCTYPE or ENTITY"):
        parse_xml(BILLION_LAUGHS)


def test_parse_xml_refuses_even_an_empty_doctype() -> None:
    with pytest.raises(FormatError, match="DOCTYPE"):
        parse_xml(b"<!DOCTYPE Document><Document/>")


def test_parse_xml_refuses_an_undeclared_entity_reference() -> None:
    with pytest.raises(FormatError, match="not well-formed"):
        parse_xml(b"<Document>&xxe;</Document>")


def test_iterparse_refuses_a_doctype_while_streaming() -> None:
    with pytest.raises(FormatError, match="DOCTYPE or ENTITY"):
        list(iterparse_xml(io.BytesIO(BILLION_LAUGHS)))


def test_iterparse_refuses_a_doctype_even_when_no_event_matches() -> None:
    with pytest.raises(FormatError, match="DOCTYPE or ENTITY"):
        list(iterparse_xml(io.BytesIO(XXE), tags=("{*}Nothing",)))


def test_parse_xml_refuses_oversize_input_before_parsing() -> None:
    # Not even well-formed: the size check must fire before the parser sees it.
    data = b"<" * 2048

    with pytest.raises(FileTooLargeError, match="above the limit of 1024"):
        parse_xml(data, max_bytes=1024)


def test_iterparse_refuses_an_oversize_stream() -> None:
    body = b"<Document>" + b"<Ntry/>" * 1000 + b"</Document>"

    with pytest.raises(FileTooLargeError):
        list(iterparse_xml(io.BytesIO(body), max_bytes=1000))


def test_iterparse_accepts_a_stream_at_the_limit() -> None:
    body = b"<Document><Ntry/></Document>"

    events = list(iterparse_xml(io.BytesIO(body), events=("end",), max_bytes=len(body)))

    assert [local_name(e) for _, e in events] == ["Ntry", "Document"]


def test_parse_xml_names_the_line_of_a_truncated_file() -> None:
    """A truncated statement (the file stops mid-element on line 4) names that line."""
    truncated = b"<Document>\n<Stmt>\n<Ntry>\n<Amt>1.00"

    with pytest.raises(FormatError) as caught:
        parse_xml(truncated, filename="cut.xml")

    assert caught.value.line == 4
    assert "line 4" in str(caught.value)
    assert "cut.xml" in str(caught.value)


def test_message_name_reads_the_namespace_or_a_misspelt_declaration() -> None:
    """Cross River sends `Xmlns=` (SVAPNIL cross_river pain002 samples): no namespace at all."""
    namespaced = parse_xml(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>')
    misspelt = parse_xml(b'<Document Xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>')
    foreign = parse_xml(b'<Document xmlns="urn:example:other"/>')

    assert message_name(namespaced) == "camt.053.001.08"
    assert message_name(misspelt) == "pain.002.001.03"
    assert message_name(foreign) == ""


def test_lookups_ignore_the_namespace() -> None:
    v2 = parse_xml(b'<D xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><A><B> x </B></A></D>')
    bare = parse_xml(b"<D><A><B>y</B></A></D>")

    assert text(v2, "A/B") == "x"
    assert text(bare, "A/B") == "y"
    assert text(bare, "A/C") == ""


# --- vendored schemas ---------------------------------------------------------------------


def _checksums() -> dict[str, str]:
    lines = (xsd.SCHEMA_DIR / "SHA256SUMS").read_text().splitlines()
    return {name.strip(): digest for digest, name in (line.split(maxsplit=1) for line in lines)}


def test_every_vendored_xsd_matches_its_sha256() -> None:
    """The XSDs are ISO's, copied byte for byte (sources in schemas/README.md)."""
    listed = _checksums()
    on_disk = {p.name for p in xsd.SCHEMA_DIR.glob("*.xsd")}

    assert on_disk == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((xsd.SCHEMA_DIR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(
    "message",
    [
        "camt.052.001.02",
        "camt.052.001.08",
        "camt.053.001.02",
        "camt.053.001.08",
        "camt.054.001.02",
        "camt.054.001.08",
        "pain.001.001.03",
        "pain.001.001.09",
        "pain.002.001.03",
    ],
)
def test_required_schema_is_vendored_and_compiles(message: str) -> None:
    schema = xsd.load_schema(message)

    assert isinstance(schema, etree.XMLSchema)
    assert message in xsd.available_schemas()


def test_load_schema_is_cached() -> None:
    assert xsd.load_schema("camt.053.001.08") is xsd.load_schema("camt.053.001.08")


def test_load_schema_refuses_an_unknown_message() -> None:
    with pytest.raises(FileNotFoundError):
        xsd.load_schema("camt.053.001.99")


def test_validate_lists_errors_with_their_line() -> None:
    """genkgo camt053.v2.wrong.xml (GENKGO test/data) lacks GrpHdr children and Stmt."""
    root = parse_xml((FIXTURES / "camt053/malformed/genkgo_camt053.v2.wrong.xml").read_bytes())

    errors = xsd.validate(root, "camt.053.001.02")

    assert errors
    assert errors[0].startswith("line ")
    assert "Stmt" in " ".join(errors)


def test_validate_accepts_a_valid_file() -> None:
    """genkgo camt053.v8.xml (GENKGO test/data): MANIFEST says XSD VALID."""
    root = parse_xml((FIXTURES / "camt053/genkgo_camt053.v8.xml").read_bytes())

    assert xsd.validate(root, "camt.053.001.08") == []
