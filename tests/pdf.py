"""Text of a PDF made by WeasyPrint, read with pypdf."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.generic import ArrayObject

# A closed subpath of curves only ("x y m", then "x1 y1 x2 y2 x3 y3 c" lines, then "h"):
# WeasyPrint draws each dot of a dotted border as one, thousands a page, and pypdf parses
# them one number at a time before it reads the text. Paths carry no text: they are dropped,
# every other operator is kept.
_DOT = re.compile(rb"^[-+.\d ]+ m\n(?:[-+.\d ]+ c\n)+h\n", re.MULTILINE)


def pdf_text(data: bytes) -> str:
    """Every page's text as pypdf extracts it, pages separated by a new line."""
    reader = PdfReader(io.BytesIO(data))
    texts = []
    for page in reader.pages:
        contents = page.get("/Contents")
        streams = contents.get_object() if contents is not None else []
        for stream in streams if isinstance(streams, ArrayObject) else [streams]:
            stream = stream.get_object()
            stream.set_data(_DOT.sub(b"", stream.get_data()))
        texts.append(page.extract_text())
    return "\n".join(texts)
