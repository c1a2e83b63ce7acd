"""Loading a CTF's XML safely, and finding elements by name in it.

A CTF comes from outside the school: the parser never fetches anything and never expands entities, and a file
with a DOCTYPE, an entity declaration or reference, or over :data:`MAX_CTF_BYTES` is refused whole
(:class:`CtfError`). Namespaces are dropped so that elements are found by their local name."""

from __future__ import annotations

import re

from lxml import etree

from .model import CtfError

MAX_CTF_BYTES = 100 * 1024 * 1024  # a whole secondary school with full history is a few tens of MB

_DOCTYPE_OR_ENTITY = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # Never fetch, never expand: a CTF comes from outside the school.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
        # Not collect_ids=False: with it libxml2 reads an external DTD subset (file:///…) despite
        # load_dtd=False.
    )


def load(data: bytes) -> etree._Element:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("parse_ctf takes the file's bytes")
    data = bytes(data)
    if not data.strip():
        raise CtfError("The file is empty.")
    if len(data) > MAX_CTF_BYTES:
        raise CtfError(f"The file is too big to be a CTF ({len(data) // (1024 * 1024)} MB).")
    if _DOCTYPE_OR_ENTITY.search(data):
        raise CtfError("The file contains a DOCTYPE or entity declaration, which a CTF never has; refused.")
    try:
        root = etree.fromstring(data, parser=_parser())  # noqa: S320 - hardened parser above
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        message = re.sub(r",? line \d+, column \d+$", "", str(exc.msg or "").strip())  # we add our own
        raise CtfError(f"The file is not well-formed XML: {message} (line {line}, column {column}).") from exc
    tree = root.getroottree()
    # Second guard, for encodings the byte scan above cannot read (UTF-16 and the like).
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CtfError("The file contains a DOCTYPE or entity declaration, which a CTF never has; refused.")
    for element in root.iter():
        if isinstance(element, etree._Entity):
            raise CtfError("The file contains an entity reference, which a CTF never has; refused.")
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname
    return root


def child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((c for c in parent if c.tag == name), None)


def children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [c for c in parent if c.tag == name]


def text_of(parent: etree._Element | None, name: str) -> str | None:
    element = child(parent, name)
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None
