"""Layout of rows on a paper roll, and the rows as plain text.

Every output (ESC/POS, PNG, text) draws the same :class:`Row` list, wrapped
here to the columns of the paper's font A, so the log and the preview show
the lines where the paper breaks them.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .template import Block

__all__ = ["PAPERS", "Paper", "Row", "layout", "paper", "rows_to_text"]


@dataclass(frozen=True)
class Paper:
    """A paper roll: its width, the columns of font A and the dots of the head."""

    width_mm: int
    columns: int
    pixels: int


PAPERS = {80: Paper(80, 48, 576), 58: Paper(58, 32, 384)}


def paper(width_mm: int) -> Paper:
    try:
        return PAPERS[width_mm]
    except KeyError:
        raise ValueError(f"paper width {width_mm!r} mm: expected one of "
                         f"{', '.join(map(str, PAPERS))}") from None


@dataclass(frozen=True)
class Row:
    """One printed row: ``kind`` text, rule, logo or qr; text already fits the paper.

    A ``{% fill %}`` row keeps its two parts apart (``text`` on the left,
    ``right`` on the right); each output pads them to its own width, so big
    text, whose characters are twice as wide, lines up too.
    """

    kind: str
    text: str = ""
    align: str = "left"
    bold: bool = False
    big: bool = False
    right: str | None = None

    def padded(self, width: int) -> str:
        """``text`` and ``right`` padded apart to ``width`` characters."""
        if self.right is None:
            return self.text
        return self.text + " " * max(1, width - len(self.text) - len(self.right)) + self.right


def layout(blocks: list[Block], columns: int) -> list[Row]:
    """Wrap ``blocks`` to ``columns`` (half as many for big text)."""
    rows: list[Row] = []
    for block in blocks:
        if block.kind != "text":
            rows.append(Row(block.kind, block.left, block.align))
            continue
        width = columns // 2 if block.big else columns
        lines = textwrap.wrap(block.left, width, replace_whitespace=False) or [""]
        right = None if block.right is None else block.right[:width]
        align = block.align
        if right is not None:
            align = "left"
            if len(lines[-1]) + 1 + len(right) > width:
                lines.append("")
        for number, text in enumerate(lines, start=1):
            rows.append(Row("text", text, align, block.bold, block.big,
                            right if number == len(lines) else None))
    return rows


def rows_to_text(rows: list[Row], columns: int) -> str:
    """The rows as text; big rows keep the full width (each character stands for two)."""
    out = []
    for row in rows:
        if row.kind == "rule":
            out.append("-" * columns)
        elif row.kind == "logo":
            out.append("[logo]".center(columns).rstrip())
        elif row.kind == "qr":
            out.append(f"[QR {row.text}]".center(columns).rstrip())
        elif row.right is not None:
            out.append(row.padded(columns))
        elif row.align == "center":
            out.append(row.text.center(columns).rstrip())
        elif row.align == "right":
            out.append(row.text.rjust(columns))
        else:
            out.append(row.text.rstrip())
    return "\n".join(out) + "\n"
