"""Scanned codes: what kind they are, whether they are valid, what they embed.

A scanner types what it reads; a mis-read EAN digit would find the wrong
product, so GS1 codes are checked against their check digit before anyone
looks them up. Scales print EAN-13 labels that carry the weight or the price
in the code itself; as in Odoo's default barcode nomenclature (point_of_sale
``default_barcode_patterns.xml``), the product is found by the *base code*:
the same code with the value digits set to zero and the check digit
recomputed, and the value travels alongside.

Rules of the default nomenclature kept here (Odoo pattern syntax: ``.`` any
digit, ``{N..D}`` the value, integer then decimal digits):

=====================  =======  =================  ============
pattern                kind     value              Odoo rule
=====================  =======  =================  ============
``21.....{NNDDD}.``    weight   kg, 3 decimals     Weight Barcodes 3 Decimals
``23.....{NNNDD}.``    price    2 decimals         Price Barcodes 2 Decimals
=====================  =======  =================  ============

Other GS1 in-store prefixes (20, 22, 24-29) are reported as plain EAN-13
products: the restaurant may have given them to its own articles.

Kinds: ``ean13``, ``ean8``, ``upca`` (12 digits; an EAN-13 starting with 0 is
the same article, and its ``base_code`` is the 13-digit form Odoo stores),
``weight``, ``price``, ``code128`` (any other printable ASCII, which carries no
check digit in the text a scanner types).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Scan", "gs1_check_digit", "is_valid_gs1", "parse"]


@dataclass(frozen=True)
class Scan:
    """The reading of one scanned code.

    ``base_code`` is what to look the product up by; ``value`` the weight (kg)
    or price embedded in the code, else ``None``; ``reason`` says why a code
    is not ``valid``.
    """

    kind: str
    code: str
    base_code: str
    value: Decimal | None
    valid: bool
    reason: str = ""


@dataclass(frozen=True)
class _EmbeddedRule:
    prefix: str
    kind: str
    start: int          # index of the first value digit
    integers: int       # N digits
    decimals: int       # D digits


#: Odoo's default nomenclature rules for values embedded in an EAN-13.
EMBEDDED_RULES: tuple[_EmbeddedRule, ...] = (
    _EmbeddedRule("21", "weight", 7, 2, 3),
    _EmbeddedRule("23", "price", 7, 3, 2),
)

_DIGITS = re.compile(r"[0-9]+")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


def gs1_check_digit(body: str) -> int:
    """The GS1 check digit of ``body`` (all digits but the last).

    From the right, digits are weighted 3, 1, 3, ...; the check digit brings
    the sum to a multiple of ten. One rule for EAN-8, UPC-A, EAN-13, GTIN-14.
    """
    if not _DIGITS.fullmatch(body):
        raise ValueError(f"not digits: {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gs1(code: str) -> bool:
    """Whether ``code`` (digits, check digit last) carries the right check digit."""
    return (len(code) >= 2 and bool(_DIGITS.fullmatch(code))
            and gs1_check_digit(code[:-1]) == int(code[-1]))


def _with_check_digit(body: str) -> str:
    return body + str(gs1_check_digit(body))


def _gs1(kind: str, code: str, base_code: str | None = None) -> Scan:
    if is_valid_gs1(code):
        return Scan(kind, code, base_code or code, None, True)
    expected = gs1_check_digit(code[:-1])
    return Scan(kind, code, base_code or code, None, False,
                f"bad check digit: {code[-1]}, expected {expected}")


def _embedded(code: str) -> Scan | None:
    for rule in EMBEDDED_RULES:
        if not code.startswith(rule.prefix):
            continue
        if not is_valid_gs1(code):
            return _gs1(rule.kind, code)
        stop = rule.start + rule.integers + rule.decimals
        digits = code[rule.start:stop]
        value = Decimal(digits).scaleb(-rule.decimals)
        base = _with_check_digit(code[:rule.start] + "0" * len(digits) + code[stop:-1])
        return Scan(rule.kind, code, base, value, True)
    return None


def parse(code: str) -> Scan:
    """Read one scanned code (surrounding whitespace, a scanner's CR/LF, is ignored)."""
    if not isinstance(code, str):
        raise TypeError("a scanned code is text")
    code = code.strip()
    if not code:
        return Scan("unknown", code, code, None, False, "empty code")
    if _DIGITS.fullmatch(code):
        if len(code) == 13:
            return _embedded(code) or _gs1("ean13", code)
        if len(code) == 12:
            return _gs1("upca", code, "0" + code)
        if len(code) == 8:
            return _gs1("ean8", code)
    if _PRINTABLE_ASCII.fullmatch(code):
        return Scan("code128", code, code, None, True)
    return Scan("unknown", code, code, None, False,
                "not printable ASCII: Code 128 carries ASCII only")
