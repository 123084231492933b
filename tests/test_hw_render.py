"""Receipts to ESC/POS bytes, text and PNG (hardware_bridge/receipt.py, render*.py).

The bytes are also sent to a real TCP listener on 127.0.0.1 standing in for a
network printer, and the assertions are made on what it received.
"""
from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from hardware_bridge.receipt import Receipt, ReceiptDataError
from hardware_bridge.render import drawer_pulse, to_escpos, to_png, to_text

INIT, CUT, RASTER, QR = b"\x1b@", b"\x1dV", b"\x1dv0", b"\x1d(k"


# -- receipt data shared by the hardware-bridge tests (template, kitchen import it) --

def png_logo(width: int = 300, height: int = 100) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (20, 20, width - 20, height - 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def receipt_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "company": {"name": "Trattoria Roma", "address": ["Via Appia 1", "00100 Roma"],
                    "phone": "+39 06 1234", "vat": "IT01234567890"},
        "currency": {"symbol": "EUR", "position": "after", "decimals": 2},
        "reference": "Order 00042-001-0001",
        "date": "2026-11-21 15:21",
        "table": "T4", "waiter": "Anna", "guests": 3, "customer": "Mario Rossi",
        "lines": [
            {"uuid": "l1", "name": "Spaghetti Carbonara", "qty": 2, "price_unit": 12.0,
             "total": 24.0, "modifiers": ["no pepper", "extra guanciale"],
             "note": "one without egg", "category_ids": [1, 10]},
            {"uuid": "l2", "name": "Tiramisu", "qty": 1, "price_unit": 6.5, "discount": 10,
             "total": 5.85, "category_ids": [1, 11]},
            {"uuid": "l3", "name": "Negroni", "qty": 3, "price_unit": 9.0, "total": 27.0,
             "category_ids": [2]},
        ],
        "taxes": [{"name": "VAT 10%", "amount": "5.17", "base": "51.68"}],
        "subtotal": "51.68", "tax_total": "5.17", "total": "56.85",
        "payments": [{"name": "Cash", "amount": 60}],
        "change": "3.15",
        "footer": "Grazie e arrivederci!",
    }
    data.update(overrides)
    return data


# -- tests --------------------------------------------------------------------------


async def printed_over_tcp(data: bytes) -> bytes:
    """Send ``data`` to a fresh listener on 127.0.0.1; answer what it received."""
    received = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.set_result(await reader.read())
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(data)
        await writer.drain()
        writer.write_eof()
        got = await asyncio.wait_for(received, 10)
        writer.close()
        await writer.wait_closed()
    return got


def receipt(**overrides: object) -> Receipt:
    return Receipt.from_data(receipt_dict(**overrides))


async def test_printer_receives_init_every_line_totals_and_cut() -> None:
    sample = receipt()
    got = await printed_over_tcp(to_escpos(sample))
    assert got.startswith(INIT)
    assert got.endswith(CUT + b"\x00")
    assert got.count(CUT) == 1
    for line in sample.lines:
        assert line.name.encode("cp437") in got
    for amount in (b"24.00 EUR", b"5.85 EUR", b"27.00 EUR", b"51.68 EUR", b"5.17 EUR",
                   b"56.85 EUR", b"60.00 EUR", b"3.15 EUR"):
        assert amount in got
    assert b"TOTAL" in got and b"Change" in got and b"Trattoria Roma" in got
    assert QR in got and b"Order 00042-001-0001" in got      # native QR of the reference
    assert RASTER not in got                                  # no logo, no image


async def test_logo_is_sent_as_a_raster_image() -> None:
    with_logo = receipt(company={"name": "Trattoria Roma", "logo": png_logo()})
    got = await printed_over_tcp(to_escpos(with_logo))
    assert got.startswith(INIT) and got.endswith(CUT + b"\x00")
    at = got.index(RASTER)
    width_bytes, height = int.from_bytes(got[at + 4:at + 6], "little"), \
        int.from_bytes(got[at + 6:at + 8], "little")
    assert (width_bytes * 8, height) == (576, 100)            # centred across the paper
    assert got.index(RASTER) < got.index(b"Trattoria Roma")  # the logo heads the receipt


def test_logo_given_as_base64_and_scaled_to_the_paper() -> None:
    import base64
    logo = png_logo(1200, 400)
    sample = receipt(company={"name": "X", "logo": base64.b64encode(logo).decode()})
    assert sample.company.logo == logo
    data = to_escpos(sample, width_mm=58)
    at = data.index(RASTER)
    assert int.from_bytes(data[at + 4:at + 6], "little") * 8 <= 384


def test_qr_as_image_for_printers_without_native_qr() -> None:
    data = to_escpos(receipt(), qr_native=False)
    assert QR not in data and RASTER in data


@pytest.mark.parametrize("width_mm,columns", [(80, 48), (58, 32)])
def test_paper_width_sets_columns(width_mm: int, columns: int) -> None:
    data = to_escpos(receipt(), width_mm=width_mm)
    assert b"-" * columns + b"\n" in data and b"-" * (columns + 1) not in data
    text = to_text(receipt(), width_mm=width_mm)
    assert max(len(row) for row in text.splitlines()) == columns
    assert "TOTAL" in text and text.splitlines()[-1].strip() == "Grazie e arrivederci!"


@pytest.mark.parametrize("codepage,selector,encoded", [
    ("cp437", b"\x1bt\x00", b"Cr\x8ame br\x96l\x82e ?5 ??"),
    ("CP858", b"\x1bt\x13", b"Cr\x8ame br\x96l\x82e \xd55 ??"),
    ("cp1252", b"\x1bt\x10", b"Cr\xe8me br\xfbl\xe9e \x805 ??"),
])
def test_code_page_and_missing_characters(codepage: str, selector: bytes,
                                          encoded: bytes) -> None:
    data = to_escpos(receipt(lines=[{"name": "Crème brûlée €5 日本", "qty": 1, "total": 5}]),
                     codepage=codepage)
    assert data.startswith(INIT + selector)
    assert encoded in data


def test_user_text_cannot_kick_the_drawer_or_cut() -> None:
    attack = receipt(customer="Eve\x1bp\x00\x19\xfa", note="\x1dV\x00\x1b@", lines=[
        {"name": "Soup\x1bp\x01\x19\xfa", "qty": 1, "total": 3, "note": "\x10\x14\x01x"}])
    data = to_escpos(attack)
    assert b"\x1bp" not in data
    assert data.count(CUT) == 1 and data.endswith(CUT + b"\x00")
    assert data.count(INIT) == 1 and b"\x10\x14" not in data
    assert b"Soupp" in data and b"Evep" in data


def test_copy_banner() -> None:
    assert b"*** COPY ***" in to_escpos(receipt(), copy=True)
    assert b"COPY" not in to_escpos(receipt())
    assert "*** COPY ***" in to_text(receipt(), copy=True)


def test_custom_template() -> None:
    template = "{% big %}\n{{ restaurant.name }}\n{% endbig %}\nTOTAL{% fill %}{{ totals.total }}"
    data = to_escpos(receipt(), template=template)
    assert b"Trattoria Roma" in data and b"56.85 EUR" in data and b"Tiramisu" not in data
    assert to_text(receipt(), template=template).splitlines()[-1] == \
        "TOTAL" + " " * 34 + "56.85 EUR"


def test_text_layout() -> None:
    text = to_text(receipt())
    assert "2 x Spaghetti Carbonara                24.00 EUR" in text
    assert "    + no pepper" in text and "    one without egg" in text
    assert "    discount 10%" in text
    assert "Table: T4" in text and "Served by: Anna" in text


@pytest.mark.parametrize("width_mm,pixels", [(80, 576), (58, 384)])
def test_png_preview(width_mm: int, pixels: int) -> None:
    png = to_png(receipt(company={"name": "R", "logo": png_logo()}), width_mm=width_mm)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == pixels and image.height > 600
    assert image.convert("L").getextrema()[0] == 0             # something is drawn in black


@pytest.mark.parametrize("pin,pulse", [(2, b"\x1bp\x00"), (5, b"\x1bp\x01")])
async def test_drawer_pulse(pin: int, pulse: bytes) -> None:
    got = await printed_over_tcp(drawer_pulse(pin))
    assert got.startswith(pulse) and len(got) == 5


@pytest.mark.parametrize("call", [
    lambda: drawer_pulse(3),
    lambda: to_escpos(receipt(), width_mm=70),
    lambda: to_escpos(receipt(), codepage="klingon"),
])
def test_bad_options(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("overrides,message", [
    ({"company": None}, "receipt.company: required"),
    ({"company": {"name": " "}}, "receipt.company.name: required"),
    ({"lines": None}, "receipt.lines: required"),
    ({"lines": "x"}, "receipt.lines: expected a list"),
    ({"lines": [{"name": "A", "qty": "two", "total": 1}]}, "receipt.lines[0].qty: expected a number"),
    ({"lines": [{"name": "A", "qty": 1}]}, "receipt.lines[0].total: required"),
    ({"lines": [{"name": "A", "qty": 1, "total": "NaN"}]}, "expected a finite number"),
    ({"lines": [{"name": "A", "qty": True, "total": 1}]}, "receipt.lines[0].qty: expected a number"),
    ({"lines": [{"name": "A", "qty": 1, "total": 1, "category_ids": ["x"]}]},
     "receipt.lines[0].category_ids[0]: expected an integer id"),
    ({"lines": [{"name": "A", "qty": 1, "total": 1, "modifiers": [3]}]},
     "receipt.lines[0].modifiers[0]: expected text"),
    ({"payments": [{"name": "Cash"}]}, "receipt.payments[0].amount: required"),
    ({"total": None}, "receipt.total: required"),
    ({"guests": -1}, "receipt.guests: expected an integer"),
    ({"currency": {"position": "middle"}}, "receipt.currency.position: expected one of"),
    ({"company": {"name": "R", "logo": "%%%"}}, "receipt.company.logo: not base64"),
    ({"company": {"name": "R", "logo": b"GIF89a...."}}, "expected a PNG or JPEG image"),
    ({"company": {"name": "R", "logo": b"\x89PNG\r\n\x1a\n" + b"0" * 600_000}}, "larger than"),
    ("not a dict", "receipt: expected an object"),
])
def test_from_data_errors_name_the_field(overrides: object, message: str) -> None:
    data = overrides if isinstance(overrides, str) else receipt_dict(**overrides)
    with pytest.raises(ReceiptDataError) as caught:
        Receipt.from_data(data)
    assert isinstance(caught.value, ValueError)
    assert message in str(caught.value)


def test_from_data_amounts_are_exact() -> None:
    sample = receipt(total=0.1, change=False)
    assert sample.total == Decimal("0.1") and sample.change == 0
    assert sample.lines[0].category_ids == frozenset({1, 10})
    assert sample.lines[1].discount == Decimal(10)


def test_broken_or_oversized_logo_is_refused_with_the_data() -> None:
    with pytest.raises(ReceiptDataError, match="logo: not a readable PNG or JPEG"):
        receipt(company={"name": "R", "logo": b"\x89PNG\r\n\x1a\nbroken"})
    bomb = io.BytesIO()
    Image.new("1", (5000, 5000)).save(bomb, format="PNG")     # ~4 kB file, 25 Mpx
    with pytest.raises(ReceiptDataError, match="5000x5000 pixels is too large"):
        receipt(company={"name": "R", "logo": bomb.getvalue()})


def test_paper_size_does_not_leak_into_the_shared_profile() -> None:
    from escpos.printer import Dummy

    to_escpos(receipt(company={"name": "R", "logo": png_logo()}), width_mm=58)
    fresh = Dummy(profile="default").profile.profile_data
    assert fresh["media"]["width"]["pixels"] == "Unknown"
    assert fresh["fonts"]["0"]["columns"] == 42
