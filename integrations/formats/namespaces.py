"""Which ISO 20022 documents we read, told by their namespace and message element.

The readers look elements up by local name, so that every version reads alike; the namespace is
what says a document IS one of those versions. A document in another namespace is refused as an
unknown format whatever its elements are called, before anything of it is imported.

Read:
- the ISO namespaces ``urn:iso:std:iso:20022:tech:xsd:<message>.001.<version>`` of camt.052,
  camt.053 and camt.054 from version 02 on, of pain.002 from 03 on (and pain.001 from 03 on, which
  the import recognises only to refuse: it is what we send);
- the German banks' (DK) SEPA variants ``pain.002.002.03``, ``pain.001.002.03`` and
  ``pain.001.003.03``, and the Swiss (SIX) ones ``http://www.six-interbank-clearing.com/de/
  pain.00x.001.03.ch.0n.xsd``, which restrict the ISO version they name;
- a document in no namespace whose root is a Document holding one of these messages (one bank
  spells the declaration ``Xmlns=``); when one of its attributes then names an ISO namespace,
  that namespace must be one we read and agree with the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from integrations.formats.errors import UnknownFormatError

__all__ = ["MESSAGE_ELEMENTS", "message_in_namespace"]

# message element -> message
MESSAGE_ELEMENTS: Final = {
    "BkToCstmrStmt": "camt.053",
    "BkToCstmrAcctRpt": "camt.052",
    "BkToCstmrDbtCdtNtfctn": "camt.054",
    "CstmrPmtStsRpt": "pain.002",
    "CstmrCdtTrfInitn": "pain.001",
}
# the first version of each message the readers were built for
_FIRST_VERSION: Final = {"camt.052": 2, "camt.053": 2, "camt.054": 2, "pain.002": 3, "pain.001": 3}
_ISO = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(?P<message>[a-z]{4}\.[0-9]{3})\.001\.(?P<version>[0-9]{2})")
_NATIONAL: Final = {
    "urn:iso:std:iso:20022:tech:xsd:pain.002.002.03": "pain.002",
    "urn:iso:std:iso:20022:tech:xsd:pain.001.002.03": "pain.001",
    "urn:iso:std:iso:20022:tech:xsd:pain.001.003.03": "pain.001",
}
_SIX = re.compile(r"http://www\.six-interbank-clearing\.com/de/(?P<message>pain\.00[12])\.001\.03\.ch\.0[1-9]\.xsd")
_READ: Final = "camt.052, camt.053, camt.054 or pain.002"


def message_in_namespace(element: str, namespace: str, *, attributes: Iterable[str] = ()) -> str:
    """The message ("camt.053") a message element (its local name) stands for in namespace ("" for
    none); attributes are the root's attribute values. Raises UnknownFormatError naming the
    namespace when it is not one of ours, or not the one of this message."""
    message = MESSAGE_ELEMENTS.get(element)
    if message is None:
        raise UnknownFormatError(f"{element} is not a {_READ} message", element=f"Document/{element}")
    if not namespace:
        named = next((value for value in attributes if value.startswith("urn:iso:std:iso:20022:")), "")
        if named:
            _check(message, element, named.strip())
        return message
    _check(message, element, namespace)
    return message


def _check(message: str, element: str, namespace: str) -> None:
    said = _NATIONAL.get(namespace)
    iso = _ISO.fullmatch(namespace)
    six = _SIX.fullmatch(namespace)
    if said is None and iso is not None:
        said = iso["message"]
        if said == message and int(iso["version"]) < _FIRST_VERSION[message]:
            raise UnknownFormatError(
                f"the namespace {namespace!r} is a {message} version older than the ones we read "
                f"({message}.001.{_FIRST_VERSION[message]:02d} on)",
                element=f"Document/{element}",
            )
    elif said is None and six is not None:
        said = six["message"]
    if said is None:
        raise UnknownFormatError(
            f"the namespace {namespace!r} is not one of the ISO 20022 {_READ} versions we read, "
            f"whatever its elements are called",
            element=f"Document/{element}",
        )
    if said != message:
        raise UnknownFormatError(
            f"{element} is a {message} element, but the namespace {namespace!r} is that of {said}",
            element=f"Document/{element}",
        )
