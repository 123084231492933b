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
from .text import clean_line

__all__ = ["logo_image", "new_printer", "rows_to_escpos"]

#: The tallest logo we print, in dots (about 2.5 cm at 203 dpi).
MAX_LOGO_HEIGHT = 200
#: Decompressing a logo bigger than this is refused (Pillow's bomb check is 89 Mpx).
MAX_LOGO_PIXELS = 4_000_000


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
    """The logo as a white-backed image no wider than the paper.

    Only PNG and JPEG are opened (no format guessing on user bytes), and an
    image claiming more than :data:`MAX_LOGO_PIXELS` is refused before decoding.
    """
    image = Image.open(io.BytesIO(logo), formats=["PNG", "JPEG"])
    if image.width * image.height > MAX_LOGO_PIXELS:
        raise ValueError(f"logo of {image.width}x{image.height} pixels is too large")
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image)
    image = image.convert("RGB")
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
