"""Rows to ESC/POS bytes, through python-escpos' ``Dummy`` printer.

``Dummy`` builds the command bytes without any transport, so the bytes can be
stored in the print queue before anything is sent. python-escpos knows the
commands (styles, code pages, raster images, QR codes, cut); this module only
decides the order: init, code page, rows, one cut at the end.
"""
from __future__ import annotations

import copy
import io

from escpos.printer import Dummy
from PIL import Image, ImageOps

from .render_text import Paper, Row
from .text import clean, clean_line

__all__ = ["logo_image", "new_printer", "raster_escpos", "rows_to_escpos", "text_escpos"]

#: The tallest logo we print, in dots (about 2.5 cm at 203 dpi).
MAX_LOGO_HEIGHT = 200
#: Decompressing a logo bigger than this is refused (Pillow's bomb check is 89 Mpx).
MAX_LOGO_PIXELS = 4_000_000
#: A whole receipt sent as a picture (Odoo's POS renders its receipts to JPEG) may be
#: long, but not a bomb: 576 dots wide and 10 metres of paper is plenty.
MAX_RECEIPT_PIXELS = 576 * 80_000


def new_printer(paper: Paper, codepage: str = "cp437") -> Dummy:
    """A ``Dummy`` printer on the default profile, sized to ``paper``, code page set.

    The profile's data is a class-level dict shared by every printer of that
    profile; each printer gets its own copy before the paper size is set.
    """
    printer = Dummy(profile="default")
    data = copy.deepcopy(printer.profile.profile_data)
    data["media"]["width"] = {"mm": paper.width_mm, "pixels": paper.pixels}
    data["fonts"]["0"]["columns"] = paper.columns
    printer.profile.profile_data = data
    pages = {name.upper() for name in data["codePages"].values()}
    if codepage.upper() not in pages:
        raise ValueError(f"code page {codepage!r} is not one the printer knows")
    printer.hw("INIT")
    printer.charcode(codepage.upper())
    return printer


def logo_image(logo: bytes, max_width: int) -> Image.Image:
    """The logo as a white-backed image no wider than the paper, at most
    :data:`MAX_LOGO_HEIGHT` dots high."""
    image = _opened(logo, MAX_LOGO_PIXELS)
    image.thumbnail((max_width, MAX_LOGO_HEIGHT))
    return image


def rows_to_escpos(rows: list[Row], paper: Paper, codepage: str = "cp437",
                   logo: bytes | None = None, qr_native: bool = True) -> bytes:
    """ESC/POS bytes: ``ESC @``, the rows, and a cut (``GS V``)."""
    printer = new_printer(paper, codepage)
    for row in rows:
        if row.kind == "text":
            printer.set(align=row.align, bold=row.bold, double_width=row.big,
                        double_height=row.big, normal_textsize=not row.big)
            width = paper.columns // 2 if row.big else paper.columns
            printer.text(row.padded(width) + "\n")
        elif row.kind == "rule":
            printer.set(align="left", bold=False, normal_textsize=True)
            printer.text("-" * paper.columns + "\n")
        elif row.kind == "logo" and logo is not None:
            printer.set(align="left", bold=False, normal_textsize=True)
            printer.image(logo_image(logo, paper.pixels), impl="bitImageRaster", center=True)
        elif row.kind == "qr" and row.text:
            printer.set(align="center", bold=False, normal_textsize=True)
            printer.qr(clean_line(row.text), size=6, native=qr_native, center=not qr_native)
    printer.set(align="left", bold=False, normal_textsize=True)
    printer.cut()
    return printer.output


def _opened(data: bytes, max_pixels: int) -> Image.Image:
    """PNG or JPEG only (no format guessing on a caller's bytes), size checked before
    the pixels are decoded, turned upright (EXIF), flattened on white."""
    image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
    if image.width * image.height > max_pixels:
        raise ValueError(f"image of {image.width}x{image.height} pixels is too large")
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"),
                                      image.convert("RGBA"))
    return image.convert("RGB")


def raster_escpos(data: bytes, paper: Paper, codepage: str = "cp437") -> bytes:
    """A picture of a receipt (Odoo's IoT ``print_receipt``) as raster bytes, scaled to
    the head's width, then a cut."""
    image = _opened(data, MAX_RECEIPT_PIXELS)
    if image.width > paper.pixels:
        image = image.resize((paper.pixels, max(1, image.height * paper.pixels // image.width)))
    printer = new_printer(paper, codepage)
    printer.image(image, impl="bitImageRaster", center=image.width < paper.pixels)
    printer.cut()
    return printer.output


def text_escpos(text: str, paper: Paper, codepage: str = "cp437") -> bytes:
    """Plain text from a caller, its control bytes stripped, then a cut."""
    printer = new_printer(paper, codepage)
    body = clean(text)
    printer.text(body if body.endswith("\n") else body + "\n")
    printer.cut()
    return printer.output
