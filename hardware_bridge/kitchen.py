"""Kitchen tickets: which printer gets which line, and only what changed.

Routing (:func:`route_lines`) follows Odoo's order printers: each printer
role (``kitchen``, ``bar``, ...) lists the POS category ids it prepares, and a
line goes to every role whose categories meet the line's (a line's
``category_ids`` should hold its categories' ancestors too, as
``models/receipt_data.py`` gives them, since Odoo matches parent categories).
A role with no categories is the catch-all: it takes every line no other
role took. A line that no role takes and no catch-all exists is not printed,
as in Odoo; :func:`route_lines` reports it under :data:`UNROUTED` so the
caller can log it.

Deltas (:func:`ticket_delta`): a table orders in rounds, and the kitchen must
not cook the first round twice. For each order and role the queue keeps the
snapshot ``{line uuid: qty}`` of what was last sent; the next ticket shows new
lines, increases (``+n``) and decreases or removals (``-n``, CANCELLED).

The ticket itself (big table name, time, waiter, lines with quantities,
modifiers and notes, no prices) renders through the kitchen template of
:mod:`hardware_bridge.template`, to ESC/POS bytes or text. Route first, then
take each role's delta against that role's snapshot::

    for role, lines in route_lines(receipt.lines, routes).items():
        changes, snapshot = ticket_delta(snapshots.get(role, {}), lines)
        if role != UNROUTED and changes:
            queue(role, kitchen_escpos(receipt, role, changes, time=now))
            snapshots[role] = snapshot      # stored with the job, in one transaction
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from .receipt import Receipt
from .render import TemplateLike, template_for
from .render_escpos import rows_to_escpos
from .render_text import layout, paper, rows_to_text
from .template import format_qty, value

__all__ = [
    "UNROUTED",
    "KitchenChange",
    "kitchen_escpos",
    "kitchen_text",
    "route_lines",
    "ticket_delta",
    "ticket_scope",
]

#: The key under which route_lines reports lines that no role takes.
UNROUTED = ""


class Line(Protocol):
    """What routing and deltas need of a line (a ``ReceiptLine`` has it all)."""

    uuid: str
    name: str
    qty: Decimal
    modifiers: tuple[str, ...]
    note: str
    category_ids: frozenset[int]


def route_lines(lines: Iterable[Line], routes: Mapping[str, Iterable[int]]) -> dict[str, list]:
    """``{role: [line, ...]}`` for every role of ``routes`` (``{role: category ids}``)."""
    categorized = {role: frozenset(ids) for role, ids in routes.items() if ids}
    catch_all = [role for role, ids in routes.items() if not ids]
    routed: dict[str, list] = {role: [] for role in routes}
    for line in lines:
        takers = [role for role, ids in categorized.items() if ids & line.category_ids]
        for role in takers or catch_all or [UNROUTED]:
            routed.setdefault(role, []).append(line)
    return routed


@dataclass(frozen=True)
class KitchenChange:
    """One row of a kitchen ticket: ``kind`` new, more or cancelled; ``qty`` signed."""

    uuid: str
    name: str
    qty: Decimal
    kind: str
    modifiers: tuple[str, ...] = ()
    note: str = ""

    @property
    def shown_qty(self) -> str:
        if self.kind == "new":
            return format_qty(self.qty)
        return ("+" if self.qty > 0 else "") + format_qty(self.qty)


def _key(line: Line) -> str:
    return line.uuid or f"{line.name}|{line.note}"


def ticket_delta(previous: Mapping[str, float], lines: Iterable[Line],
                 names: Mapping[str, str] | None = None
                 ) -> tuple[list[KitchenChange], dict[str, float]]:
    """What changed since the snapshot ``previous``, and the snapshot to store now.

    Lines are keyed by uuid (name and note when a line has none); lines with
    the same key add up. ``names`` gives the names of lines that are gone
    from the order (the snapshot holds quantities only).
    """
    current: dict[str, Decimal] = {}
    first: dict[str, Line] = {}
    for line in lines:
        key = _key(line)
        current[key] = current.get(key, Decimal(0)) + Decimal(str(line.qty))
        first.setdefault(key, line)
    changes = []
    for key, qty in current.items():
        before = Decimal(str(previous.get(key, 0)))
        delta = qty - before
        if delta == 0:
            continue
        kind = "new" if before == 0 and delta > 0 else "more" if delta > 0 else "cancelled"
        line = first[key]
        changes.append(KitchenChange(key, line.name, delta, kind, tuple(line.modifiers),
                                     line.note))
    for key, qty in previous.items():
        if key not in current and qty:
            name = (names or {}).get(key) or f"item {key[:8]}"
            changes.append(KitchenChange(key, name, -Decimal(str(qty)), "cancelled"))
    snapshot = {key: float(qty) for key, qty in current.items() if qty}
    return changes, snapshot


def ticket_scope(receipt: Receipt, role: str, changes: list[KitchenChange],
                 time: str = "") -> dict:
    """The namespace of the kitchen template."""
    return {
        "ticket.role": value(role.upper()),
        "ticket.time": value(time or receipt.date),
        "order.reference": value(receipt.reference),
        "order.table": value(receipt.table),
        "order.waiter": value(receipt.waiter),
        "order.guests": value(receipt.guests, receipt.guests > 0),
        "order.note": value(receipt.note),
        "lines": [{
            "line.name": value(change.name),
            "line.qty": value(change.shown_qty),
            "line.note": value(change.note),
            "line.cancelled": value("CANCELLED" if change.kind == "cancelled" else ""),
            "modifiers": [{"modifier": value(m)} for m in change.modifiers],
        } for change in changes],
    }


def _rows(receipt: Receipt, role: str, changes: list[KitchenChange], time: str,
          width_mm: int, template: TemplateLike) -> list:
    compiled = template_for(template, "kitchen")
    blocks = compiled.render(ticket_scope(receipt, role, changes, time))
    return layout(blocks, paper(width_mm).columns)


def kitchen_escpos(receipt: Receipt, role: str, changes: list[KitchenChange], time: str = "",
                   width_mm: int = 80, codepage: str = "cp437",
                   template: TemplateLike = None) -> bytes:
    """A kitchen ticket as ESC/POS bytes (init, rows, cut; no logo, no prices)."""
    rows = _rows(receipt, role, changes, time, width_mm, template)
    return rows_to_escpos(rows, paper(width_mm), codepage, None)


def kitchen_text(receipt: Receipt, role: str, changes: list[KitchenChange], time: str = "",
                 width_mm: int = 80, template: TemplateLike = None) -> str:
    """The same ticket as text, for logs."""
    rows = _rows(receipt, role, changes, time, width_mm, template)
    return rows_to_text(rows, paper(width_mm).columns)
