"""The receipt document: plain data between the database and the renderers.

``models/receipt_data.py`` reads an order as its user and answers a plain
dict; :meth:`Receipt.from_data` validates that dict into frozen dataclasses,
so the renderers (ESC/POS, PNG, text) never see a database row and a bad
input fails here with a message naming the field (``lines[2].qty: ...``),
which the API can answer with 422.

The dict (every key optional unless marked)::

    {"company": {"name"*, "address": [str], "phone", "vat", "website",
                 "logo": PNG/JPEG bytes or their base64},
     "currency": {"symbol": "€", "position": "after"|"before", "decimals": 2},
     "reference": "Order 00042-001-0001", "date": "2026-11-21 15:21",
     "table": "T4", "waiter": "Anna", "guests": 2, "customer": "M. Rossi",
     "lines"*: [{"name"*, "qty"*, "price_unit", "discount", "total"*,
                 "modifiers": [str], "note", "uuid", "category_ids": [int]}],
     "taxes": [{"name"*, "amount"*, "base"}],
     "subtotal", "tax_total", "total"*,
     "payments": [{"name"*, "amount"*}], "change",
     "note", "header", "footer"}

Amounts become :class:`~decimal.Decimal` (through ``str``, so ``0.1`` stays
``0.1``). Text is kept as given; the renderers pass it through
:func:`hardware_bridge.text.clean` when they lay it out.
"""
from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from PIL import Image

__all__ = ["Company", "Currency", "Payment", "Receipt", "ReceiptDataError", "ReceiptLine",
           "TaxLine"]

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
#: A logo is a small header picture; anything bigger is a mistake or an attack.
MAX_LOGO_BYTES = 512 * 1024
#: Decoding is refused beyond this many pixels (a small file can claim a huge image).
MAX_LOGO_PIXELS = 4_000_000


class ReceiptDataError(ValueError):
    """The receipt data is not what a receipt needs; the message names the field."""


@dataclass(frozen=True)
class Currency:
    symbol: str = ""
    position: str = "after"
    decimals: int = 2

    def format(self, amount: Decimal) -> str:
        """``12.50 €`` or ``$12.50`` (no thousands separator: receipts are narrow)."""
        number = f"{amount:.{self.decimals}f}"
        if not self.symbol:
            return number
        return f"{self.symbol}{number}" if self.position == "before" else f"{number} {self.symbol}"


@dataclass(frozen=True)
class Company:
    name: str
    address: tuple[str, ...] = ()
    phone: str = ""
    vat: str = ""
    website: str = ""
    logo: bytes | None = None


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    qty: Decimal
    total: Decimal
    price_unit: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    modifiers: tuple[str, ...] = ()
    note: str = ""
    uuid: str = ""
    category_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class TaxLine:
    name: str
    amount: Decimal
    base: Decimal | None = None


@dataclass(frozen=True)
class Payment:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class Receipt:
    company: Company
    lines: tuple[ReceiptLine, ...]
    total: Decimal
    currency: Currency = Currency()
    taxes: tuple[TaxLine, ...] = ()
    subtotal: Decimal | None = None
    tax_total: Decimal | None = None
    payments: tuple[Payment, ...] = ()
    change: Decimal = Decimal(0)
    reference: str = ""
    date: str = ""
    table: str = ""
    waiter: str = ""
    guests: int = 0
    customer: str = ""
    note: str = ""
    header: str = ""
    footer: str = ""

    def money(self, amount: Decimal) -> str:
        return self.currency.format(amount)

    @classmethod
    def from_data(cls, data: Any) -> Receipt:
        """Validate ``data`` (see the module docstring) into a receipt.

        :raises ReceiptDataError: naming the first field that is wrong.
        """
        d = _Reader(data, "receipt")
        company = d.sub("company", required=True)
        currency = d.sub("currency")
        return cls(
            company=Company(
                name=company.text("name", required=True),
                address=tuple(company.texts("address")),
                phone=company.text("phone"),
                vat=company.text("vat"),
                website=company.text("website"),
                logo=company.image("logo"),
            ),
            currency=Currency(
                symbol=currency.text("symbol"),
                position=currency.choice("position", ("after", "before"), "after"),
                decimals=currency.integer("decimals", 2, 0, 6),
            ),
            lines=tuple(_line(item) for item in d.items("lines", required=True)),
            taxes=tuple(TaxLine(t.text("name", required=True), t.amount("amount", required=True),
                                t.amount("base", default=None))
                        for t in d.items("taxes")),
            subtotal=d.amount("subtotal", default=None),
            tax_total=d.amount("tax_total", default=None),
            total=d.amount("total", required=True),
            payments=tuple(Payment(p.text("name", required=True),
                                   p.amount("amount", required=True))
                           for p in d.items("payments")),
            change=d.amount("change"),
            reference=d.text("reference"),
            date=d.text("date"),
            table=d.text("table"),
            waiter=d.text("waiter"),
            guests=d.integer("guests", 0, 0, 10_000),
            customer=d.text("customer"),
            note=d.text("note"),
            header=d.text("header"),
            footer=d.text("footer"),
        )


def _line(item: _Reader) -> ReceiptLine:
    ids = []
    for index, value in enumerate(item.sequence("category_ids")):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ReceiptDataError(f"{item.path}.category_ids[{index}]: expected an integer id")
        ids.append(value)
    return ReceiptLine(
        name=item.text("name", required=True),
        qty=item.amount("qty", required=True),
        total=item.amount("total", required=True),
        price_unit=item.amount("price_unit"),
        discount=item.amount("discount"),
        modifiers=tuple(item.texts("modifiers")),
        note=item.text("note"),
        uuid=item.text("uuid"),
        category_ids=frozenset(ids),
    )


class _Reader:
    """Typed reads of one dict, each error naming its path."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ReceiptDataError(f"{path}: expected an object")
        self.data = data
        self.path = path

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is False:          # Odoo's null
            value = None
        if value is None and required:
            raise ReceiptDataError(f"{self.path}.{key}: required")
        return value

    def text(self, key: str, required: bool = False) -> str:
        value = self._get(key, required)
        if value is None:
            return ""
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise ReceiptDataError(f"{self.path}.{key}: expected text")
        if required and not value.strip():
            raise ReceiptDataError(f"{self.path}.{key}: required")
        return value

    def amount(self, key: str, required: bool = False,
               default: Decimal | None = Decimal(0)) -> Any:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise ReceiptDataError(f"{self.path}.{key}: expected a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ReceiptDataError(f"{self.path}.{key}: expected a number") from None
        if not number.is_finite():
            raise ReceiptDataError(f"{self.path}.{key}: expected a finite number")
        return number

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ReceiptDataError(f"{self.path}.{key}: expected an integer in [{low}, {high}]")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self._get(key, False)
        if value is None:
            return default
        if value not in choices:
            raise ReceiptDataError(f"{self.path}.{key}: expected one of {', '.join(choices)}")
        return str(value)

    def sub(self, key: str, required: bool = False) -> _Reader:
        value = self._get(key, required)
        return _Reader({} if value is None else value, f"{self.path}.{key}")

    def sequence(self, key: str, required: bool = False) -> list[Any]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise ReceiptDataError(f"{self.path}.{key}: expected a list")
        return list(value)

    def items(self, key: str, required: bool = False) -> list[_Reader]:
        return [_Reader(value, f"{self.path}.{key}[{index}]")
                for index, value in enumerate(self.sequence(key, required))]

    def texts(self, key: str) -> list[str]:
        values = self.sequence(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise ReceiptDataError(f"{self.path}.{key}[{index}]: expected text")
        return [value for value in values if value.strip()]

    def image(self, key: str) -> bytes | None:
        value = self._get(key, False)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ReceiptDataError(f"{self.path}.{key}: not base64") from None
        if not isinstance(value, (bytes, bytearray)):
            raise ReceiptDataError(f"{self.path}.{key}: expected image bytes")
        if len(value) > MAX_LOGO_BYTES:
            raise ReceiptDataError(f"{self.path}.{key}: larger than {MAX_LOGO_BYTES} bytes")
        if not bytes(value).startswith(_IMAGE_MAGIC):
            raise ReceiptDataError(f"{self.path}.{key}: expected a PNG or JPEG image")
        try:
            with Image.open(io.BytesIO(value), formats=["PNG", "JPEG"]) as image:
                size = image.size
                image.verify()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise ReceiptDataError(f"{self.path}.{key}: not a readable PNG or JPEG image") \
                from None
        if size[0] * size[1] > MAX_LOGO_PIXELS:
            raise ReceiptDataError(f"{self.path}.{key}: {size[0]}x{size[1]} pixels is too large")
        return bytes(value)
