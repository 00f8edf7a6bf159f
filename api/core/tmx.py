"""A locale's approved translation memory as TMX 1.4 (the Translation Memory eXchange
format CAT tools read: OmegaT, Trados, memoQ, Weblate, Pontoon), written with xml.etree.

One translation unit per distinct pair of source text and approved translation, its
first msgctxt kept as the `x-context` property. Texts are plain (the text policy): each
segment is its text, escaped by the XML writer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from api.core.negotiation import DEFAULT_LOCALE

__all__ = ["TMX_MEDIA_TYPE", "write_tmx"]

TMX_MEDIA_TYPE = "application/x-tmx+xml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def write_tmx(locale: str, units: Iterable[tuple[str, str, str]], created: str) -> bytes:
    """The TMX 1.4 document of `units` (source, translation, msgctxt) from the source
    locale into `locale`; `created` is its creation date (YYYYMMDDThhmmssZ)."""
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(
        root,
        "header",
        {
            "creationtool": "Vetted",
            "creationtoolversion": "1",
            "datatype": "plaintext",
            "segtype": "block",
            "adminlang": DEFAULT_LOCALE,
            "srclang": DEFAULT_LOCALE,
            "o-tmf": "gettext",
            "creationdate": created,
        },
    )
    body = ET.SubElement(root, "body")
    for source, text, context in units:
        unit = ET.SubElement(body, "tu")
        prop = ET.SubElement(unit, "prop", type="x-context")
        prop.text = context
        for lang, words in ((DEFAULT_LOCALE, source), (locale, text)):
            variant = ET.SubElement(unit, "tuv", {_XML_LANG: lang})
            ET.SubElement(variant, "seg").text = words
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"
