"""Receipts to printer bytes, plain text and PNG, all from one layout.

A template (:mod:`hardware_bridge.template`) turns a receipt into
:class:`~hardware_bridge.template.Block` rows; :func:`layout` wraps them to the
paper's columns (48 for 80 mm, 32 for 58 mm, font A); the three outputs draw
the same rows, so the preview and the log show what the paper shows:

- :func:`to_escpos`: bytes for an ESC/POS printer, built with python-escpos'
  ``Dummy`` printer: ``ESC @``, the code page, the rows, the logo as a raster
  image (``GS v 0``), a QR code of the order reference, and one cut (``GS V``).
- :func:`to_text`: the rows as text, for logs and tests.
- :func:`to_png`: the rows drawn with Pillow, 576 px wide for 80 mm and
  384 px for 58 mm (the printers' 203 dpi heads), for previews and printers
  that take raster images.

Characters the printer's code page lacks print as ``?`` instead of failing:
a receipt with a Japanese dish name still prints (the PNG shows it as it is).
"""
from __future__ import annotations

from functools import lru_cache

from escpos.constants import CD_KICK_2, CD_KICK_5

from .receipt import Receipt
from .render_escpos import rows_to_escpos
from .render_image import rows_to_png
from .render_text import Row, layout, paper, rows_to_text
from .template import (
    DEFAULT_TEMPLATES,
    Block,
    Template,
    compile_template,
    receipt_scope,
)

__all__ = ["drawer_pulse", "receipt_rows", "template_for", "to_escpos", "to_png", "to_text"]


TemplateLike = str | Template | None


@lru_cache(maxsize=64)
def _compiled(source: str, kind: str) -> Template:
    return compile_template(source, kind)


def template_for(template: TemplateLike, kind: str = "receipt") -> Template:
    """A compiled ``kind`` template from its source, a compiled one, or ``None`` (the default)."""
    if isinstance(template, Template):
        if template.kind != kind:
            raise ValueError(f"a {template.kind} template cannot lay out a {kind}")
        return template
    if template is None:
        template = DEFAULT_TEMPLATES[kind]
    return _compiled(template, kind)


def receipt_rows(receipt: Receipt, width_mm: int = 80, template: TemplateLike = None,
                 copy: bool = False) -> list[Row]:
    """The laid-out rows of a receipt; ``copy`` adds a COPY banner under the header."""
    blocks = template_for(template).render(receipt_scope(receipt))
    if copy:
        banner = Block("text", "*** COPY ***", align="center", bold=True, big=True)
        at = next((i for i, b in enumerate(blocks) if b.kind == "rule"), 0)
        blocks.insert(at, banner)
    return layout(blocks, paper(width_mm).columns)


def to_text(receipt: Receipt, width_mm: int = 80, template: TemplateLike = None,
            copy: bool = False) -> str:
    """The receipt as plain text, laid out as on paper."""
    return rows_to_text(receipt_rows(receipt, width_mm, template, copy), paper(width_mm).columns)


def to_escpos(receipt: Receipt, width_mm: int = 80, codepage: str = "cp437",
              template: TemplateLike = None, copy: bool = False,
              qr_native: bool = True) -> bytes:
    """The receipt as ESC/POS bytes, from ``ESC @`` to the cut.

    :param codepage: the printer's code page (``cp437``, ``cp858``, ``cp1252``...,
        as the python-escpos default profile names them).
    :param qr_native: ask the printer to draw the QR code (``GS ( k``); ``False``
        sends it as a raster image, for printers without QR support.
    """
    rows = receipt_rows(receipt, width_mm, template, copy)
    return rows_to_escpos(rows, paper(width_mm), codepage, receipt.company.logo, qr_native)


def to_png(receipt: Receipt, width_mm: int = 80, template: TemplateLike = None,
           copy: bool = False) -> bytes:
    """The receipt drawn as a PNG as wide as the printer's head."""
    rows = receipt_rows(receipt, width_mm, template, copy)
    return rows_to_png(rows, paper(width_mm), receipt.company.logo)


def drawer_pulse(pin: int = 2) -> bytes:
    """The cash-drawer kick on connector pin 2 or 5 (``ESC p m t1 t2``)."""
    pulses = {2: CD_KICK_2, 5: CD_KICK_5}
    if pin not in pulses:
        raise ValueError(f"drawer pin {pin!r}: expected 2 or 5")
    return pulses[pin]
