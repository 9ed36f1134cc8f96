"""Which bank format a file is, from its first bytes; and safe unpacking of ZIP archives.

Sniffing reads no more than it must: the magic bytes, the first record of the text formats,
and of an XML document its root and the root's first element (the hardened parser stops there),
whose namespace says whether it is a camt or pain version we read (namespaces.py). An importer
so chooses the reader, or refuses an unknown format, before spending time on the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from integrations.formats.errors import FileTooLargeError, FormatError, UnknownFormatError
from integrations.formats.namespaces import MESSAGE_ELEMENTS, message_in_namespace
from integrations.formats.xmlsafe import Element, iterparse_xml, local_name, namespace

__all__ = ["detect_format", "iter_zip_members"]

_SNIFF_BYTES = 4096
_MT940_SNIFF_BYTES = 64 * 1024  # bank header lines can precede the first tag
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_NACHA_RECORD = 94
_MT940_TAG_RE = re.compile(r"^:(20|25|61):", re.MULTILINE)

_DEFAULT_MAX_TOTAL_BYTES = 200 * 1024 * 1024
_DEFAULT_MAX_RATIO = 200
# Below this size a high compression ratio is harmless (a small file of blanks is not a bomb).
_RATIO_FLOOR_BYTES = 1024 * 1024
_READ_CHUNK = 64 * 1024


def detect_format(data: bytes, filename: str | None = None) -> str:
    """One of camt.052/.053/.054, pain.001/.002, mt940, bai2, nacha or zip.

    Raises UnknownFormatError naming what was seen when none fits.
    """
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    head = data[:_SNIFF_BYTES].decode("latin-1")
    text = head.lstrip("\ufeff\u00ef\u00bb\u00bf \t\r\n")
    if text.startswith("<"):
        return _xml_format(data, filename)
    if text.startswith("01,"):
        return "bai2"
    if _looks_like_nacha(text):
        return "nacha"
    if _looks_like_mt940(data[:_MT940_SNIFF_BYTES].decode("latin-1")):
        return "mt940"
    raise UnknownFormatError(
        f"not a bank file format we read (camt, pain, MT940, BAI2, NACHA or ZIP); it starts with {text[:40]!r}",
        filename=filename,
    )


def _xml_format(data: bytes, filename: str | None) -> str:
    """The message of an ISO 20022 Document, from its root and the root's first child, told by
    their namespace (integrations.formats.namespaces): the parse stops at that child."""
    root: Element | None = None
    try:
        for _, element in iterparse_xml(io.BytesIO(data), events=("start",), filename=filename):
            if root is None:
                root = element
                continue
            if local_name(root) != "Document":
                break
            name = local_name(element)
            if name not in MESSAGE_ELEMENTS:
                raise UnknownFormatError(
                    f"an ISO 20022 Document holding {name}, which is none of " + ", ".join(MESSAGE_ELEMENTS),
                    element=f"Document/{name}",
                )
            return message_in_namespace(
                name, namespace(element), attributes=[str(value) for value in root.attrib.values()]
            )
    except FormatError as error:
        if filename and not error.filename:
            raise error.with_filename(filename) from None
        raise
    if root is None or local_name(root) == "Document":
        raise UnknownFormatError("an XML document without a message element in it", filename=filename)
    raise UnknownFormatError(
        f"an XML document whose root is {local_name(root)}, not an ISO 20022 Document",
        filename=filename,
        element=local_name(root),
    )


def _looks_like_nacha(text: str) -> bool:
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.startswith("101"):
        return False
    # Real files come with trimmed lines, or with no line breaks at all (the next record,
    # a batch header, then starts right after the 94th character).
    return 40 <= len(first) <= _NACHA_RECORD or first[_NACHA_RECORD : _NACHA_RECORD + 1] == "5"


def _looks_like_mt940(text: str) -> bool:
    if "{4:" in text and ":20:" in text:
        return True
    tags = {match[1] for match in _MT940_TAG_RE.finditer(text.replace("\r\n", "\n"))}
    return "20" in tags and bool(tags & {"25", "61"})


def iter_zip_members(
    data: bytes,
    *,
    max_members: int = 1000,
    max_total_bytes: int = _DEFAULT_MAX_TOTAL_BYTES,
    max_ratio: int = _DEFAULT_MAX_RATIO,
) -> Iterator[tuple[str, bytes]]:
    """(name, content) of each file in a ZIP archive, refusing archives that could hurt us.

    The whole directory is checked before the first member is returned: too many members,
    declared sizes above ``max_total_bytes``, a compression ratio above ``max_ratio`` (for
    members over 1 MiB), encrypted members, and names that climb out with ``..`` or are
    absolute are refused with FormatError. Directory entries are skipped. While reading, a
    member that inflates beyond what its header declares, or past the total, is refused.
    """
    archive = _open_zip(data)
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > max_members:
        raise FormatError(f"ZIP archive has {len(members)} files, more than {max_members}")
    declared_total = 0
    for info in members:
        _check_member(info, max_ratio)
        declared_total += info.file_size
    if declared_total > max_total_bytes:
        raise FileTooLargeError(
            f"ZIP archive declares {declared_total} bytes uncompressed, more than {max_total_bytes}"
        )
    budget = max_total_bytes
    for info in members:
        content = _read_member(archive, info, min(budget, info.file_size))
        budget -= len(content)
        yield info.filename, content


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise FormatError(f"not a readable ZIP archive: {error}") from None


def _check_member(info: zipfile.ZipInfo, max_ratio: int) -> None:
    name = info.filename
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
        raise FormatError(f"ZIP member {name!r} has an unsafe path", element=name)
    if info.flag_bits & 0x1:
        raise FormatError(f"ZIP member {name!r} is encrypted", element=name)
    if info.file_size > _RATIO_FLOOR_BYTES and (info.file_size > max_ratio * max(info.compress_size, 1)):
        raise FileTooLargeError(
            f"ZIP member {name!r} compresses {info.file_size} bytes into "
            f"{info.compress_size}, a ratio above {max_ratio}:1 (a zip bomb?)",
            element=name,
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, never more than limit: the header's size is a claim, not a fact."""
    buffer = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_READ_CHUNK):
                buffer.extend(chunk)
                if len(buffer) > limit:
                    raise FileTooLargeError(
                        f"ZIP member {info.filename!r} inflates beyond its declared "
                        f"{info.file_size} bytes or the archive's limit",
                        element=info.filename,
                    )
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise FormatError(f"ZIP member {info.filename!r} is damaged: {error}", element=info.filename) from None
    return bytes(buffer)
