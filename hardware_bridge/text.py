"""Printable text: what may reach a printer from a user.

An ESC/POS printer executes every control byte it receives, wherever it sits
in the stream. A product name, a customer name or a kitchen note that carries
``ESC p 0`` opens the cash drawer, ``GS V`` cuts the paper and ``ESC @``
resets the code page and styles in the middle of a receipt. Every piece of
text that did not come from our own renderer therefore goes through
:func:`clean` before it is laid out: C0 controls (ESC, GS, FS, DLE, ...) except
the newline, DEL and the C1 range are dropped; a tab becomes a space so
columns stay aligned.

C1 controls (U+0080-U+009F) matter because a code page maps them to bytes
0x80-0x9f, which some printers read as commands too.
"""
from __future__ import annotations

import re

#: Every code point we drop: C0 except \n (and \t, handled first), DEL, C1.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """``text`` without the bytes that would command the printer.

    :param text: anything; ``None`` and ``False`` (Odoo's null) become ``""``,
        other non-strings their ``str()``.
    """
    if text is None or text is False:
        return ""
    if not isinstance(text, str):
        text = str(text)
    return _CONTROLS.sub("", text.replace("\t", " ").replace("\r\n", "\n"))


def clean_line(text: object) -> str:
    """:func:`clean`, folded to a single line (names, table labels)."""
    return " ".join(clean(text).split("\n")).strip()
