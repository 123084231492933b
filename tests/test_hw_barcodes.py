"""Scanned codes (hardware_bridge/barcodes.py).

Check digits in this table were computed by hand (weights 3, 1, 3, ... from
the right, then the complement to ten), not with the module under test.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from hardware_bridge.barcodes import gs1_check_digit, is_valid_gs1, parse


@pytest.mark.parametrize("code,kind,base_code,value,valid", [
    # EAN-13: 4+0+... sum 89 -> 1; the GS1 manual's 590123412345 -> 7
    ("4006381333931", "ean13", "4006381333931", None, True),
    ("5901234123457", "ean13", "5901234123457", None, True),
    ("4006381333932", "ean13", "4006381333932", None, False),
    # UPC-A 03600029145 (sum 58 -> 2); Odoo keeps it as EAN-13 with a leading 0
    ("036000291452", "upca", "0036000291452", None, True),
    ("0036000291452", "ean13", "0036000291452", None, True),
    ("036000291453", "upca", "0036000291453", None, False),
    # EAN-8 9638507 (sum 86 -> 4)
    ("96385074", "ean8", "96385074", None, True),
    ("96385075", "ean8", "96385075", None, False),
    # weight 21 12345 {01250}: body sum 44 -> 6; base 211234500000 sum 32 -> 8
    ("2112345012506", "weight", "2112345000008", Decimal("1.250"), True),
    ("2112345012507", "weight", "2112345012507", None, False),
    # price 23 00042 {01299}: body sum 68 -> 2; base 230004200000 sum 25 -> 5
    ("2300042012992", "price", "2300042000005", Decimal("12.99"), True),
    ("2300042012993", "price", "2300042012993", None, False),
    # Code 128: any printable ASCII, no check digit in the typed text
    ("ABC-123 xyz", "code128", "ABC-123 xyz", None, True),
    ("12345", "code128", "12345", None, True),
    ("Crème", "unknown", "Crème", None, False),
    ("", "unknown", "", None, False),
    # a scanner's trailing CR/LF is not part of the code
    ("4006381333931\r\n", "ean13", "4006381333931", None, True),
])
def test_parse(code: str, kind: str, base_code: str, value: Decimal | None,
               valid: bool) -> None:
    scan = parse(code)
    assert (scan.kind, scan.base_code, scan.value, scan.valid) == (kind, base_code, value, valid)
    assert scan.code == code.strip()
    assert bool(scan.reason) is not valid


def test_reason_names_expected_check_digit() -> None:
    assert parse("4006381333932").reason == "bad check digit: 2, expected 1"


@pytest.mark.parametrize("body,digit", [
    ("400638133393", 1), ("03600029145", 2), ("9638507", 4), ("211234501250", 6),
    ("1234567890123", 1),   # GTIN-14 body: 9+2+3+0+27+8+21+6+15+4+9+2+3 = 109 -> 1
])
def test_gs1_check_digit(body: str, digit: int) -> None:
    assert gs1_check_digit(body) == digit
    assert is_valid_gs1(body + str(digit))
    assert not is_valid_gs1(body + str((digit + 1) % 10))


def test_check_digit_rejects_non_digits() -> None:
    with pytest.raises(ValueError):
        gs1_check_digit("12a4")
    assert not is_valid_gs1("12a4")
