"""Text from users cannot command the printer (hardware_bridge/text.py)."""
from __future__ import annotations

import pytest

from hardware_bridge.text import clean, clean_line

ESC, GS, FS, DLE = "\x1b", "\x1d", "\x1c", "\x10"


@pytest.mark.parametrize("attack,expected", [
    ("Pizza" + ESC + "p\x00\x19\xfa", "Pizzap\xfa"),                     # ESC p 0 25 250: drawer
    ("Note" + GS + "V\x00 end", "NoteV end"),                          # GS V 0: full cut
    (ESC + "@Reset", "@Reset"),                                         # ESC @: initialise
    (GS + "(k\x03\x001A2", "(k1A2"),                                    # GS ( k: QR setup
    (DLE + "\x04\x01status", "status"),                                 # DLE EOT 1: status
    (FS + "p\x01\x00logo", "plogo"),                                    # FS p: NV logo
    (ESC + "t\x10café", "tcafé"),                                       # ESC t: code page
    ("a\x07b\x08c\x0bd\x0ce\rf", "abcdef"),                             # bell, BS, VT, FF, CR
    ("DEL\x7f", "DEL"),
    ("C1\x85\x9b1m\x80\x9f", "C11m"),                                   # NEL, CSI, C1 range
    ("tab\there", "tab here"),
    ("two\nlines", "two\nlines"),
    ("windows\r\nline", "windows\nline"),
    ("Crème brûlée €5 日本", "Crème brûlée €5 日本"),                   # printable stays
    (None, ""),
    (False, ""),
    (12.5, "12.5"),
])
def test_clean(attack: object, expected: str) -> None:
    assert clean(attack) == expected


def test_no_control_byte_survives_any_code_point() -> None:
    every = "".join(chr(i) for i in range(0x200))
    cleaned = clean(every)
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in cleaned)
    assert not any(0x7f <= ord(ch) <= 0x9f for ch in cleaned)
    assert "\n" in cleaned and " " in cleaned and "~" in cleaned and "\xa0" in cleaned


def test_clean_line_folds_newlines() -> None:
    assert clean_line("  Table\n4" + ESC + "E\x01 ") == "Table 4E"
