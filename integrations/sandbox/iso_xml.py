"""Building an ISO 20022 document element by element in one namespace."""

from __future__ import annotations

from lxml import etree


class IsoWriter:
    namespace: str = ""

    def __init__(self) -> None:
        self.root = etree.Element(f"{{{self.namespace}}}Document", nsmap={None: self.namespace})

    def add(self, parent: etree._Element, name: str, value: str | None = None) -> etree._Element:
        node = etree.SubElement(parent, f"{{{self.namespace}}}{name}")
        if value is not None:
            node.text = value
        return node
