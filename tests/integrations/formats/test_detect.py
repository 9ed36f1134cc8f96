"""Format sniffing and ZIP unpacking, against the shared fixtures (see fixtures/MANIFEST.md)."""

from __future__ import annotations

import io
import zipfile

import pytest

from integrations.formats.detect import detect_format, iter_zip_members
from integrations.formats.errors import FileTooLargeError, FormatError, UnknownFormatError
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES

_EXPECTED = {
    "camt052": "camt.052",
    "camt053": "camt.053",
    "camt054": "camt.054",
    "pain001": "pain.001",
    "pain002": "pain.002",
    "mt940": "mt940",
    "bai2": "bai2",
    "nacha": "nacha",
}
_MOCKBANK = {
    "01_pain.001.001.09_sepaxml-input.xml": "pain.001",
    "02_pain.002.001.10_part.xml": "pain.002",
    "03_camt.054.001.08_debits.xml": "camt.054",
    "04_camt.053.001.08_day.xml": "camt.053",
}
# Not a file of its format at all: nothing there to recognise.
_UNRECOGNISABLE = {
    "mt940/malformed/wolph_self-provided_invalid_statement.sta",
    "bai2/malformed/moov_sample-parseError.bai2",
}


def _fixture_cases() -> list[tuple[str, str]]:
    cases = []
    for folder, expected in _EXPECTED.items():
        for path in sorted((FIXTURES / folder).rglob("*")):
            relative = path.relative_to(FIXTURES).as_posix()
            if path.is_file() and path.suffix != ".json" and relative not in _UNRECOGNISABLE:
                cases.append((relative, expected))
    cases.extend((f"generated-mockbank/{name}", fmt) for name, fmt in _MOCKBANK.items())
    return cases


@pytest.mark.parametrize(("relative", "expected"), _fixture_cases())
def test_every_fixture_is_recognised(relative: str, expected: str) -> None:
    """Every file under /work/shared/fixtures, sources as the MANIFEST names them."""
    data = (FIXTURES / relative).read_bytes()

    assert detect_format(data, filename=relative) == expected


def test_fixture_cases_cover_every_folder() -> None:
    """Guards the parametrisation: an emptied folder would silently test nothing."""
    folders = {relative.split("/", 1)[0] for relative, _ in _fixture_cases()}

    assert folders == {*_EXPECTED, "generated-mockbank"}
    assert len(_fixture_cases()) >= 45


@pytest.mark.parametrize("relative", sorted(_UNRECOGNISABLE))
def test_files_without_any_format_marker_are_unknown(relative: str) -> None:
    """WOLPH self-provided/invalid_statement.sta (lines 1..10); MOOV-BAI2 sample-parseError."""
    with pytest.raises(UnknownFormatError, match="not a bank file format we read"):
        detect_format((FIXTURES / relative).read_bytes(), filename=relative)


def test_xml_without_a_known_message_is_unknown() -> None:
    """An XML document that is not one of the five ISO 20022 messages we read."""
    with pytest.raises(UnknownFormatError, match="BkToCstmrStmt") as caught:
        detect_format(b'<?xml version="1.0"?><Document><Other/></Document>', filename="x.xml")

    assert caught.value.filename == "x.xml"


def test_prefixed_xml_and_nacha_without_line_breaks() -> None:
    """A namespace-prefixed camt root (the file cut after it); a NACHA file sent with no line breaks."""
    prefixed = (
        b'\xef\xbb\xbf<?xml version="1.0"?>\n'
        b'<ns2:Document xmlns:ns2="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><ns2:BkToCstmrAcctRpt>'
    )
    nacha = (FIXTURES / "nacha" / "moov_return-WEB.ach").read_bytes().replace(b"\n", b"")

    assert detect_format(prefixed) == "camt.052"
    assert detect_format(nacha) == "nacha"


def test_swift_wrapped_mt940_is_recognised_by_its_block_4() -> None:
    """A SWIFT FIN message: {1:...}{2:...}{4: with the statement inside."""
    data = b"{1:F01BANKDEFFXXXX0000000000}{2:O940BANKDEFFXXXXN}{4:\r\n:20:X\r\n-}"

    assert detect_format(data) == "mt940"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_of_two_fixtures_is_detected_and_unpacked() -> None:
    """GENKGO camt053.v8.xml and MOOV-BAI2 sample1.txt, zipped in memory (one in a folder)."""
    camt = (FIXTURES / "camt053" / "genkgo_camt053.v8.xml").read_bytes()
    bai2 = (FIXTURES / "bai2" / "moov_sample1.bai2").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("statements/", b"")  # a directory entry
        archive.writestr("statements/day.xml", camt)
        archive.writestr("balances.bai2", bai2)
    data = buffer.getvalue()

    members = list(iter_zip_members(data))

    assert detect_format(data) == "zip"
    assert members == [("statements/day.xml", camt), ("balances.bai2", bai2)]
    assert [detect_format(content) for _, content in members] == ["camt.053", "bai2"]


def test_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    """A 20 MiB member of zeros deflates to about 20 KiB: a ratio near 1000:1."""
    bomb = _zip({"statement.xml": b"\0" * (20 * 1024 * 1024)})

    with pytest.raises(FileTooLargeError, match="ratio above 200:1"):
        list(iter_zip_members(bomb))


def test_zip_above_the_total_size_limit_is_refused_before_reading() -> None:
    """Two stored (uncompressed) members whose declared sizes exceed the limit together."""
    data = _zip({"a.xml": b"x" * 600, "b.xml": b"y" * 600}, compression=zipfile.ZIP_STORED)

    with pytest.raises(FileTooLargeError, match="declares 1200 bytes"):
        next(iter_zip_members(data, max_total_bytes=1000))


@pytest.mark.parametrize("name", ["../escape.xml", "a/../../escape.xml", "/etc/passwd", "C:x"])
def test_zip_member_with_an_unsafe_path_is_refused(name: str) -> None:
    """Names that climb out of the extraction folder, or are absolute."""
    data = _zip({"fine.xml": b"<x/>", name: b"<x/>"})

    with pytest.raises(FormatError, match="unsafe path"):
        next(iter_zip_members(data))


def test_zip_with_too_many_members_is_refused() -> None:
    """More members than max_members."""
    data = _zip({f"{i}.xml": b"<x/>" for i in range(4)})

    with pytest.raises(FormatError, match="4 files, more than 3"):
        next(iter_zip_members(data, max_members=3))


def test_zip_member_larger_than_its_header_declares_is_refused() -> None:
    """A member whose central-directory size was lowered after writing (a lying header)."""
    data = bytearray(_zip({"a.xml": b"<x>" + b"y" * 5000 + b"</x>"}))
    entry = data.index(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = (100).to_bytes(4, "little")  # uncompressed size

    with pytest.raises(FormatError, match=r"'a\.xml' is damaged"):
        list(iter_zip_members(bytes(data)))


def test_damaged_zip_is_refused() -> None:
    """ZIP magic bytes followed by garbage."""
    with pytest.raises(FormatError, match="not a readable ZIP archive"):
        next(iter_zip_members(b"PK\x03\x04" + b"\0" * 40))


# --- namespaces ------------------------------------------------------------------------------

_ISO = "urn:iso:std:iso:20022:tech:xsd:"


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ("urn:example:not-iso", "not one of the ISO 20022"),
        ("http://www.w3.org/1999/xhtml", "not one of the ISO 20022"),
        (f"{_ISO}pacs.008.001.08", r"is that of pacs\.008"),
        (f"{_ISO}camt.054.001.08", r"is that of camt\.054"),  # a statement element in the notification namespace
        (f"{_ISO}camt.053.001.01", "older than the ones we read"),
        (f"{_ISO}camt.053.001.02.evil", "not one of the ISO 20022"),
    ],
)
def test_a_document_in_a_namespace_we_do_not_read_is_unknown_whatever_its_elements(
    namespace: str, message: str
) -> None:
    """GENKGO camt053.v2.multi.statement.xml with its namespace replaced: the same elements."""
    data = (FIXTURES / "camt053/genkgo_camt053.v2.multi.statement.xml").read_bytes()
    foreign = data.replace(f"{_ISO}camt.053.001.02".encode(), namespace.encode(), 1)

    with pytest.raises(UnknownFormatError, match=message) as caught:
        detect_format(foreign, filename="stmt.xml")

    assert caught.value.filename == "stmt.xml"
    assert caught.value.element == "Document/BkToCstmrStmt"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (f'<n:Document xmlns:n="{_ISO}camt.052.001.08"><n:BkToCstmrAcctRpt/></n:Document>', "camt.052"),
        (f'<Document xmlns="{_ISO}pain.002.002.03"><CstmrPmtStsRpt/></Document>', "pain.002"),  # German DK
        (
            '<Document xmlns="http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd">'
            "<CstmrPmtStsRpt/></Document>",  # Swiss SIX
            "pain.002",
        ),
        ("<Document><BkToCstmrDbtCdtNtfctn/></Document>", "camt.054"),  # no namespace at all
        (f'<Document Xmlns="{_ISO}pain.002.001.03"><CstmrPmtStsRpt/></Document>', "pain.002"),
    ],
)
def test_iso_national_and_missing_namespaces_we_read_are_recognised(document: str, expected: str) -> None:
    assert detect_format(f'<?xml version="1.0"?>\n{document}'.encode()) == expected


def test_a_misspelt_declaration_must_still_name_the_message_it_holds() -> None:
    """In no namespace, an `Xmlns=` naming another message does not pass for this one."""
    document = f'<Document Xmlns="{_ISO}camt.053.001.02"><CstmrPmtStsRpt/></Document>'

    with pytest.raises(UnknownFormatError, match=r"is that of camt\.053"):
        detect_format(document.encode())


def test_a_known_message_under_another_root_is_unknown() -> None:
    with pytest.raises(UnknownFormatError, match="not an ISO 20022 Document"):
        detect_format(f'<Envelope xmlns="{_ISO}camt.053.001.02"><BkToCstmrStmt/></Envelope>'.encode())
