"""Rows to a PNG, drawn with Pillow as wide as the printer's head.

A monospaced font sized so that the paper's columns fill the width keeps the
picture in step with the printed receipt (the same wrapping, the same
``{% fill %}`` padding). Unlike the printer, the picture shows every script
the font has, so it is also what a raster printer should get for text its
code page lacks.
"""
from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .render_escpos import logo_image
from .render_text import Paper, Row

__all__ = ["rows_to_png"]

_MARGIN = 4
_FONT_FILES = {False: "DejaVuSansMono.ttf", True: "DejaVuSansMono-Bold.ttf"}
#: DejaVu Sans Mono advances 0.602 em per character.
_ADVANCE_EM = 0.602

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=16)
def _font(size: int, bold: bool) -> Font:
    try:
        return ImageFont.truetype(_FONT_FILES[bold], size)
    except OSError:             # no DejaVu on this host: Pillow's own font
        return ImageFont.load_default(size)


def rows_to_png(rows: list[Row], paper: Paper, logo: bytes | None = None) -> bytes:
    """The rows as a PNG ``paper.pixels`` wide, black on white."""
    width = paper.pixels
    size = int((width - 2 * _MARGIN) / paper.columns / _ADVANCE_EM)
    line_height = int(size * 1.25)
    pictures = {id(row): _picture(row, width, logo) for row in rows
                if row.kind in ("logo", "qr")}
    heights = [pictures[id(row)].height + line_height // 2 if id(row) in pictures
               else line_height * (2 if row.big else 1) for row in rows]
    image = Image.new("L", (width, sum(heights) + 2 * _MARGIN), 255)
    draw = ImageDraw.Draw(image)
    y = _MARGIN
    for row, height in zip(rows, heights):
        if id(row) in pictures:
            picture = pictures[id(row)]
            image.paste(picture, ((width - picture.width) // 2, y))
        elif row.kind == "rule":
            middle = y + line_height // 2
            for x in range(_MARGIN, width - _MARGIN, 12):
                draw.line([(x, middle), (min(x + 6, width - _MARGIN), middle)], fill=0, width=2)
        elif row.kind == "text":
            font = _font(size * 2 if row.big else size, row.bold)
            text_width = draw.textlength(row.text, font=font)
            x = {"center": (width - text_width) / 2,
                 "right": width - _MARGIN - text_width}.get(row.align, _MARGIN)
            draw.text((x, y), row.text, font=font, fill=0)
            if row.right:
                right_width = draw.textlength(row.right, font=font)
                draw.text((width - _MARGIN - right_width, y), row.right, font=font, fill=0)
        y += height
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _picture(row: Row, width: int, logo: bytes | None) -> Image.Image:
    if row.kind == "logo":
        if logo is None:
            return Image.new("L", (1, 1), 255)
        return logo_image(logo, width - 2 * _MARGIN).convert("L")
    code = qrcode.QRCode(box_size=6, border=1)
    code.add_data(row.text)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")
